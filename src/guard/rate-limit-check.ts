// The failed-authentication rate limit of a guard at run time: a check before a token is
// verified, and the count of a refusal that was the client's doing.
import { AuthError } from '../errors.js'
import { within } from '../internal/within.js'
import type { Limiter } from './create-limiter.js'
import { guardError } from './guard-errors.js'
import type { AnySocket } from './types.js'

/** The rate-limit check of one guard (both do nothing without a limiter). */
export interface RateLimitCheck {
  /** True when a limiter is configured (without one, `checkLimit` has nothing to wait for). */
  readonly limited: boolean
  /** Throws `rate_limited` when the socket's rate-limit key has failed too often. */
  readonly checkLimit: (socket: AnySocket) => Promise<void>
  /** Counts a failed authentication against the socket's rate-limit key. */
  readonly countFailure: (socket: AnySocket, error: AuthError) => void
}

/**
 * How long the limiter may take to answer a check, in ms. A limiter that has not answered by then
 * (a hung store) refuses the handshake with `server_error` (fail closed, like the default
 * `revocationCheck`) rather than holding it forever. A limiter that fails (rejects) lets the
 * handshake through, as before: its insurance is the app's choice (see createRedisRateLimiter).
 */
export const LIMITER_TIMEOUT_MS = 2_000

/** Makes the rate-limit check of the guard's `limiter` (undefined: off). */
export function createRateLimitCheck(limiter: Limiter | undefined): RateLimitCheck {
  /** The socket's rate-limit key; a key function that throws is the server's fault. */
  const limitKey = (active: Limiter, socket: AnySocket): string => {
    try {
      return active.key(socket)
    } catch (error) {
      throw guardError(error)
    }
  }

  return {
    limited: limiter !== undefined,
    async checkLimit(socket) {
      if (limiter === undefined) return
      const state = await within(
        limiter.limiter.get(limitKey(limiter, socket)).catch(() => null),
        LIMITER_TIMEOUT_MS,
        () => {
          throw new AuthError('server_error', 'The rate limiter did not answer in time.')
        },
      )
      if (state !== null && state.consumedPoints >= limiter.points)
        throw new AuthError('rate_limited', 'Too many failed attempts; try again later.')
    },
    countFailure(socket, error) {
      // A store outage or a server fault is not the client's doing: counting it would lock
      // every client out once it ends.
      if (
        limiter === undefined ||
        error.code === 'store_unavailable' ||
        error.code === 'server_error'
      )
        return
      try {
        limiter.limiter.consume(limiter.key(socket)).catch(() => undefined)
      } catch {
        // A throwing rate-limit key must not turn a refusal into a crash.
      }
    },
  }
}
