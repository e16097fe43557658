// The revocation check with a time limit: a store that never answers (a custom store on a
// database without a command timeout) must not hold handshakes, refreshes and HTTP requests
// forever. Its silence is an outage like any other: `store_unavailable`.
import { AuthError } from '../errors.js'
import { within } from '../internal/within.js'
import type { JwtClaims } from '../verifier/types.js'
import type { RevocationStore } from './revocation-store.js'

/**
 * How long a revocation store may take to answer one check, in ms (the Redis store bounds its own
 * checks tighter, with `checkTimeoutMs`).
 */
export const REVOCATION_CHECK_TIMEOUT_MS = 2_000

/**
 * `store.isRevoked(claims, now)`, answered synchronously when the store is (the memory store), or
 * within {@link REVOCATION_CHECK_TIMEOUT_MS}; rejects with what the store threw, or with
 * `store_unavailable` when it did not answer in time.
 */
export function isRevokedWithin(
  store: RevocationStore,
  claims: JwtClaims,
  now: number,
): boolean | Promise<boolean> {
  const answer = store.isRevoked(claims, now)
  if (typeof answer === 'boolean') return answer
  return within(Promise.resolve(answer), REVOCATION_CHECK_TIMEOUT_MS, () => {
    throw new AuthError('store_unavailable', 'The revocation store did not answer in time.')
  })
}
