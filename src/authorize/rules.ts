// Ready-made per-event rules: scopes and claim values. A rule is a predicate over the socket's
// current claims (and the event's arguments); false or a throw denies.
import { InvalidOptionError } from '../errors.js'
import type { JwtClaims } from '../verifier/types.js'

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/
const CLAIM_NAME = /^\S+$/
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype'])

/** A per-event rule: the socket's claims and the event's arguments in, allow or deny out. */
export type EventRule<
  TClaims extends JwtClaims = JwtClaims,
  TArgs extends unknown[] = unknown[],
> = (claims: TClaims, ...args: TArgs) => boolean | Promise<boolean>

/**
 * The rule {@link requireScope} and {@link requireClaim} make: it takes `null` claims too (a guest,
 * which it denies), so it serves as an event rule, a namespace rule and a room rule alike.
 */
export type ClaimsRule = (claims: JwtClaims | null, ...args: unknown[]) => boolean

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
 * @throws {InvalidOptionError} (`option: 'scopes'`) for no scope, or one that is empty, not a
 * string, or holds whitespace.
 *
 * @example
 * io.on('connection', authorizeEvents({ 'admin:kick': requireScope('admin') }))
 */
export function requireScope(...scopes: [string, ...string[]]): ClaimsRule {
  if (scopes.length === 0 || !scopes.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s))) {
    throw new InvalidOptionError(
      'scopes',
      'must be one or more non-empty scope names without whitespace (RFC 6749 §3.3)',
    )
  }
  const required = Object.freeze([...scopes])
  return (claims) => {
    // No claims (a guest, as room rules will see one): no scope.
    if (claims === null || typeof claims !== 'object') return false
    const granted = scopesOf(claims)
    return required.every((scope) => granted.has(scope))
  }
}

/**
 * Allows the event when claim `name` equals `value` (or, for an array claim, contains it).
 *
 * @throws {InvalidOptionError} (`option: 'name'`) for a name that is empty, not a string, has
 * whitespace or is `__proto__`, `constructor` or `prototype`; (`option: 'value'`) for a value that
 * is not a string, a finite number or a boolean.
 *
 * @example
 * authorizeEvents({ 'billing:refund': requireClaim('role', 'finance') })
 */
export function requireClaim(name: string, value: string | number | boolean): ClaimsRule {
  if (typeof name !== 'string' || !CLAIM_NAME.test(name) || PROTOTYPE_NAMES.has(name))
    throw new InvalidOptionError(
      'name',
      'must be a claim name: a non-empty string without whitespace',
    )
  if (!(
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  ))
    throw new InvalidOptionError('value', 'must be a string, a finite number or a boolean')
  return (claims) => {
    if (claims === null || typeof claims !== 'object') return false
    // Own members only: `claims.toString` is no claim.
    const actual: unknown = Object.hasOwn(claims, name) ? claims[name] : undefined
    return Array.isArray(actual) ? actual.includes(value) : actual === value
  }
}

/** The socket a rule of `authorizeEvents` is called on (as `this`): what `requireMember` reads. */
interface RoomsHolder {
  readonly rooms: ReadonlySet<string>
}

/**
 * Allows the event only when the socket is currently in the room `pick(...args)` names (a
 * string), so that a handler's `socket.to(room).emit(...)` cannot reach a room the sender is not
 * in. A room whose join is still waiting for an async rule is not one the socket is in. For
 * `authorizeEvents` only: it reads the socket, which `authorizeEvents` passes as `this`.
 *
 * @throws {InvalidOptionError} (`option: 'pick'`) when `pick` is not a function.
 *
 * @example
 * authorizeEvents<ClientEvents>({ 'chat:send': requireMember((msg) => msg.room) })
 */
export function requireMember<TArgs extends unknown[] = unknown[]>(
  pick: (...args: TArgs) => unknown,
): EventRule<JwtClaims, TArgs> {
  if (typeof pick !== 'function')
    throw new InvalidOptionError('pick', 'must be a function of the event arguments')
  return function (this: unknown, _claims: JwtClaims, ...args: TArgs): boolean {
    const holder = this as Partial<RoomsHolder> | undefined
    if (typeof holder !== 'object' || !(holder.rooms instanceof Set)) return false
    const room = pick(...args)
    return typeof room === 'string' && holder.rooms.has(room)
  }
}
