// Who may connect to which namespace: the `namespaces` rules, checked at the handshake once the
// token verified, and guests (`anonymous`, or `'anonymous'` for one namespace), admitted without
// a token with `socket.data.auth === null`.
import { AuthError, InvalidOptionError } from '../errors.js'
import { ignoreRejection } from '../internal/ignore-rejection.js'
import { isThenable } from '../internal/is-thenable.js'
import { parentNameOf } from '../internal/socket-io-private.js'
import { within } from '../internal/within.js'
import type { JwtClaims } from '../verifier/types.js'
import { guardError } from './guard-errors.js'
import type { AnyNamespace } from './types.js'

/**
 * A namespace rule: the socket's claims (`null` for a guest) and the namespace's name in, allow
 * or deny out. `requireScope` and `requireClaim` work as namespace rules (they deny a guest).
 */
export type NamespaceRule<TClaims extends JwtClaims = JwtClaims> = (
  claims: TClaims | null,
  namespace: string,
) => boolean | Promise<boolean>

/** What `namespaces` maps a namespace name to: a rule, or `'anonymous'` to admit guests. */
export type NamespacePolicyEntry<TClaims extends JwtClaims = JwtClaims> =
  NamespaceRule<TClaims> | 'anonymous'

/** The namespace policy of one guard. */
export interface NamespacePolicy {
  /** True when a socket of `nsp` may connect (and stay) without a token. */
  guestsAllowed(nsp: AnyNamespace): boolean
  /**
   * Resolves when `claims` (null for a guest) may use `nsp`; rejects with `forbidden`, or with
   * `server_error` when the rule itself failed. Undefined (nothing to wait for) when `nsp` has no
   * rule.
   */
  check(claims: JwtClaims | null, nsp: AnyNamespace): Promise<void> | undefined
  /**
   * Whether a socket of `nsp` may stay there as a guest now (an expired session under `expiry:
   * 'guest'`): guests allowed, and the namespace's rule, if any, answers `true` for `null` claims
   * synchronously. An async rule counts as a refusal: the guest would receive the namespace's
   * broadcasts while it ran.
   */
  guestMayStay(nsp: AnyNamespace): boolean
}

function forbidden(): AuthError {
  return new AuthError('forbidden', 'This namespace is not allowed for this token.')
}

/**
 * Validates `namespaces` and `anonymous` once (`mode` is the guard's: both are handshake-mode
 * options) and makes the policy.
 * @throws {InvalidOptionError} naming the option at fault.
 */
export function createNamespacePolicy(
  namespaces: unknown,
  anonymous: unknown,
  mode: 'handshake' | 'post-connect',
  hookTimeoutMs: number,
): NamespacePolicy {
  if (anonymous !== undefined && typeof anonymous !== 'boolean')
    throw new InvalidOptionError('anonymous', 'must be a boolean')
  const entries = new Map<string, NamespacePolicyEntry>()
  if (namespaces !== undefined) {
    const proto: unknown =
      typeof namespaces === 'object' && namespaces !== null
        ? Object.getPrototypeOf(namespaces)
        : undefined
    // A Map or a class instance has no own enumerable rules: it would silently allow everything.
    if (proto !== Object.prototype && proto !== null)
      throw new InvalidOptionError('namespaces', 'must be a plain object of namespace names')
    for (const [name, entry] of Object.entries(namespaces as object)) {
      if (!name.startsWith('/'))
        throw new InvalidOptionError(
          'namespaces',
          `"${name}" is no namespace name (they start with "/")`,
        )
      if (typeof entry !== 'function' && entry !== 'anonymous')
        throw new InvalidOptionError('namespaces', `"${name}" must map to a rule or 'anonymous'`)
      entries.set(name, entry as NamespacePolicyEntry)
    }
  }
  const guestsSomewhere = anonymous === true || [...entries.values()].includes('anonymous')
  // Post-connect mode has every socket connect without a token and authenticate after: it has
  // no handshake to admit a guest at, nor to check a namespace at.
  if (mode === 'post-connect') {
    if (anonymous === true) throw new InvalidOptionError('anonymous', 'needs mode "handshake"')
    if (entries.size > 0) throw new InvalidOptionError('namespaces', 'needs mode "handshake"')
  }

  /** The entry of a namespace: its own name first, then its parent's (dynamic namespaces). */
  const entryOf = (nsp: AnyNamespace): NamespacePolicyEntry | undefined => {
    if (entries.size === 0) return undefined
    const own = entries.get(nsp.name)
    if (own !== undefined) return own
    const parent = parentNameOf(nsp)
    return parent === undefined ? undefined : entries.get(parent)
  }

  const guestsAllowed = (nsp: AnyNamespace): boolean => {
    if (!guestsSomewhere) return false
    // With `anonymous: true`, a namespace with a rule of its own still asks it (with null
    // claims) in `check`.
    return anonymous === true || entryOf(nsp) === 'anonymous'
  }

  return {
    guestsAllowed,
    guestMayStay(nsp) {
      if (!guestsAllowed(nsp)) return false
      const entry = entryOf(nsp)
      if (entry === undefined || entry === 'anonymous') return true
      let verdict: unknown
      try {
        verdict = entry(null, nsp.name)
      } catch {
        return false
      }
      ignoreRejection(verdict)
      return verdict === true
    },
    check(claims, nsp) {
      const entry = entryOf(nsp)
      if (entry === undefined || entry === 'anonymous') return undefined
      return (async () => {
        // Unknown: a JavaScript rule may return anything, and only `true` allows (a truthy
        // string or a forgotten `return` of a promise's value must not).
        let allowed: unknown
        try {
          const verdict: unknown = entry(claims, nsp.name)
          // Bounded: a rule whose database never answers must not hold the handshake open.
          allowed = isThenable(verdict)
            ? await within(verdict, hookTimeoutMs, () => {
                throw new Error('A namespaces rule did not settle within hookTimeoutMs.')
              })
            : verdict
        } catch (error) {
          // The rule's own failure (its database) is the server's, not the token's.
          throw guardError(error)
        }
        if (allowed !== true) throw forbidden()
      })()
    },
  }
}
