// Validates and normalises `requireAuth` options once, at creation: every mistake is an
// InvalidOptionError naming the option; the middleware only reads the frozen result.
import type { IncomingMessage } from 'node:http'
import { InvalidOptionError, type AuthError } from '../errors.js'
import type { RevocationStore } from '../revocation/revocation-store.js'
import { integerOption } from '../internal/integer-option.js'
import type { JwtClaims, Verifier } from '../verifier/types.js'
import { verifierFromOptions } from '../verifier/verifier-from-options.js'
import type { RequireAuthOptions } from './types.js'

/** Everything the middleware needs, checked. */
export interface NormalizedAuthOptions<TClaims extends JwtClaims> {
  readonly verifier: Verifier<TClaims>
  readonly realm: string | undefined
  readonly store: RevocationStore | undefined
  readonly revocationCheck: 'fail-closed' | 'fail-open'
  readonly onFailure: ((error: AuthError, req: IncomingMessage) => void) | undefined
  readonly retryAfterSeconds: number
  readonly now: () => number
}

const OWN_OPTIONS = new Set([
  'verifier',
  'realm',
  'revocationStore',
  'revocationCheck',
  'onFailure',
  'retryAfterMs',
  'now',
])

function fail(option: string, message: string): never {
  throw new InvalidOptionError(option, message)
}

/**
 * Validates `requireAuth` options; verifier options given inline make the middleware's verifier.
 * @throws {InvalidOptionError} naming the first option at fault.
 */
export function normalizeAuthOptions<TClaims extends JwtClaims>(
  options: RequireAuthOptions<TClaims>,
): NormalizedAuthOptions<TClaims> {
  if (typeof options !== 'object' || (options as unknown) === null)
    fail('options', 'must be an object')
  const raw = options as unknown as Readonly<Record<string, unknown>>
  // `now` serves an inline verifier too, so that expiry and revocation are judged by one clock.
  const verifier = verifierFromOptions<TClaims>(raw, {
    owner: 'requireAuth',
    own: OWN_OPTIONS,
    shared: ['now'],
  })

  const realm = raw.realm
  // The realm is written into a quoted-string; control characters would break the header.
  if (realm !== undefined && (typeof realm !== 'string' || !/^[\x20-\x7e]+$/.test(realm)))
    fail('realm', 'must be a non-empty string of printable ASCII characters')
  const store = raw.revocationStore as RevocationStore | null | undefined
  if (
    store !== undefined &&
    (typeof store !== 'object' || store === null || typeof store.isRevoked !== 'function')
  )
    fail('revocationStore', 'must implement RevocationStore')
  const revocationCheck = raw.revocationCheck ?? 'fail-closed'
  if (revocationCheck !== 'fail-closed' && revocationCheck !== 'fail-open')
    fail('revocationCheck', 'must be "fail-closed" or "fail-open"')
  const onFailure = raw.onFailure
  if (onFailure !== undefined && typeof onFailure !== 'function')
    fail('onFailure', 'must be a function')
  const now = raw.now ?? Date.now
  if (typeof now !== 'function') fail('now', 'must be a function')
  const retryAfterMs = integerOption(raw.retryAfterMs, 'retryAfterMs', 30_000, 0, 86_400_000)

  return Object.freeze({
    verifier,
    realm,
    store,
    revocationCheck,
    onFailure: onFailure as NormalizedAuthOptions<TClaims>['onFailure'],
    retryAfterSeconds: Math.ceil(retryAfterMs / 1000),
    now: now as () => number,
  })
}
