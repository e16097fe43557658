// The failed-authentication rate limit of a guard at run time: a check before a token is
// verified, and the count of a refusal that was the client's doing.
import { AuthError } from '../errors.js'
import { within } from '../internal/within.js'
import type { Limiter } from './create-limiter.js'
import { guardError } from './guard-errors.js'
import type { AnySocket } from './types.js'

/** The rate-limit check of one guard (all do nothing without a limiter). */
export interface RateLimitCheck {
  /** True when a limiter is configured (without one, `checkLimit` has nothing to wait for). */
  readonly limited: boolean
  /**
   * Admits one authentication attempt of the socket, or throws `rate_limited` when its key has
   * failed too often (or has as many attempts in flight as it has failures left), `server_error`
   * when the key or the limiter fails to answer. End every admitted attempt with
   * {@link RateLimitCheck.countFailure} or {@link RateLimitCheck.release}.
   */
  readonly checkLimit: (socket: AnySocket) => Promise<void>
  /** Counts a failed authentication against the socket's key, and ends its attempt. */
  readonly countFailure: (socket: AnySocket, error: AuthError) => void
  /** Ends the socket's attempt without a failure (it authenticated). */
  readonly release: (socket: AnySocket) => void
}

/**
 * How long the limiter (and an async rate-limit key) may take to answer a check, in ms. A limiter
 * that has not answered by then (a hung store) refuses the handshake with `server_error` (fail
 * closed, like the default `revocationCheck`) rather than holding it forever. A limiter that fails
 * (rejects) lets the handshake through, as before: its insurance is the app's choice (see
 * createRedisRateLimiter).
 */
export const LIMITER_TIMEOUT_MS = 2_000

/**
 * How long an attempt may wait for a slot when its key has as many attempts in flight as failures
 * left; then it is refused `rate_limited`.
 */
export const ATTEMPT_WAIT_MS = 5_000

// Failures that are not the client's doing: counting them would lock every client out once the
// outage ends (a store, the identity provider's key set, the server itself).
const NOT_THE_CLIENTS: ReadonlySet<string> = new Set([
  'store_unavailable',
  'server_error',
  'keys_unavailable',
])

/** The attempts in flight of one key, and the attempts waiting for one of them to end. */
interface InFlight {
  count: number
  readonly waiting: (() => void)[]
}

function rateLimited(message = 'Too many failed attempts; try again later.'): AuthError {
  return new AuthError('rate_limited', message)
}

/** Makes the rate-limit check of the guard's `limiter` (undefined: off). */
export function createRateLimitCheck(limiter: Limiter | undefined): RateLimitCheck {
  // Attempts are counted when their verdict is known, so without a cap every attempt already in
  // flight when the limit is reached would still be verified (sixty concurrent guesses against a
  // limit of three, when verification awaits a key lookup). Each key may have at most as many
  // attempts in flight as it has failures left; the others wait for a verdict, then check again.
  const inFlight = new Map<string, InFlight>()
  // The key each admitted attempt holds a slot of (one attempt per socket at a time: a handshake,
  // or one post-connect `authenticate`).
  const held = new WeakMap<AnySocket, string>()

  /** The socket's rate-limit key; a key function that throws, rejects or stalls is the server's fault. */
  const limitKey = async (active: Limiter, socket: AnySocket): Promise<string> => {
    let key: unknown
    try {
      key = await within(Promise.resolve(active.key(socket)), LIMITER_TIMEOUT_MS, () => {
        throw new AuthError('server_error', 'The rate-limit key did not answer in time.')
      })
    } catch (error) {
      throw guardError(error)
    }
    if (typeof key !== 'string')
      throw new AuthError('server_error', 'The rate-limit key is not a string.')
    return key
  }

  const consumed = async (active: Limiter, key: string): Promise<number> => {
    const state = await within(
      active.limiter.get(key).catch(() => null),
      LIMITER_TIMEOUT_MS,
      () => {
        throw new AuthError('server_error', 'The rate limiter did not answer in time.')
      },
    )
    return state?.consumedPoints ?? 0
  }

  const waitForSlot = (slot: InFlight): Promise<void> =>
    within(
      new Promise<void>((resolve) => {
        slot.waiting.push(resolve)
      }),
      ATTEMPT_WAIT_MS,
      () => {
        throw rateLimited('Too many authentications in progress; try again later.')
      },
    )

  const endAttempt = (socket: AnySocket, after?: Promise<unknown>): void => {
    const key = held.get(socket)
    if (key === undefined) return
    held.delete(socket)
    const free = (): void => {
      const slot = inFlight.get(key)
      if (slot === undefined) return
      slot.count--
      // Every waiter checks again: the failure just counted may have used up the key.
      for (const wake of slot.waiting.splice(0)) wake()
      if (slot.count <= 0 && slot.waiting.length === 0) inFlight.delete(key)
    }
    if (after === undefined) free()
    else void after.finally(free)
  }

  return {
    limited: limiter !== undefined,
    async checkLimit(socket) {
      if (limiter === undefined) return
      const key = await limitKey(limiter, socket)
      for (;;) {
        const left = limiter.points - (await consumed(limiter, key))
        if (left <= 0) throw rateLimited()
        let slot = inFlight.get(key)
        if (slot === undefined) inFlight.set(key, (slot = { count: 0, waiting: [] }))
        if (slot.count < left) {
          slot.count++
          held.set(socket, key)
          return
        }
        await waitForSlot(slot)
      }
    },
    countFailure(socket, error) {
      const key = held.get(socket)
      if (limiter === undefined || NOT_THE_CLIENTS.has(error.code)) {
        endAttempt(socket)
        return
      }
      let counted: Promise<unknown> = Promise.resolve()
      try {
        // A refusal before the attempt was admitted (rate_limited itself) has no key yet.
        counted = Promise.resolve(key ?? limiter.key(socket))
          .then((found) => (typeof found === 'string' ? limiter.limiter.consume(found) : undefined))
          .catch(() => undefined)
      } catch {
        // A throwing rate-limit key must not turn a refusal into a crash.
      }
      // The slot is freed once the failure is counted, so the next attempt sees it.
      endAttempt(socket, counted)
    },
    release(socket) {
      endAttempt(socket)
    },
  }
}
