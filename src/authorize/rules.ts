// Ready-made per-event rules: scopes and claim values. A rule is a predicate over the socket's
// current claims (and the event's arguments); false or a throw denies.
import type { JwtClaims } from '../verifier/types.js'

/** A per-event rule: the socket's claims and the event's arguments in, allow or deny out. */
export type EventRule<
  TClaims extends JwtClaims = JwtClaims,
  TArgs extends unknown[] = unknown[],
> = (claims: TClaims, ...args: TArgs) => boolean | Promise<boolean>

/** The scopes a token grants: `scope` (space-separated, RFC 8693 §4.2) or `scp` (string or array). */
export function scopesOf(claims: JwtClaims): ReadonlySet<string> {
  const scopes = new Set<string>()
  const add = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const s of value.split(' ')) if (s !== '') scopes.add(s)
    } else if (Array.isArray(value)) {
      for (const s of value as unknown[]) if (typeof s === 'string' && s !== '') scopes.add(s)
    }
  }
  add(claims.scope)
  add(claims.scp)
  return scopes
}

/**
 * Allows the event when the token grants every one of `scopes`.
 *
 * @example
 * io.on('connection', authorizeEvents({ 'admin:kick': requireScope('admin') }))
 */
export function requireScope(...scopes: [string, ...string[]]): EventRule {
  if (
    scopes.length === 0 ||
    !scopes.every((s) => typeof s === 'string' && s !== '' && !s.includes(' '))
  ) {
    throw new TypeError('requireScope needs one or more scope names without spaces')
  }
  return (claims) => {
    const granted = scopesOf(claims)
    return scopes.every((scope) => granted.has(scope))
  }
}

/**
 * Allows the event when claim `name` equals `value` (or, for an array claim, contains it).
 *
 * @example
 * authorizeEvents({ 'billing:refund': requireClaim('role', 'finance') })
 */
export function requireClaim(name: string, value: string | number | boolean): EventRule {
  if (typeof name !== 'string' || name === '')
    throw new TypeError('requireClaim needs a claim name')
  return (claims) => {
    const actual = claims[name]
    return Array.isArray(actual) ? actual.includes(value) : actual === value
  }
}
