// The failed-handshake rate limiter of a guard: rate-limiter-flexible, in memory unless the app
// passes its own limiter (e.g. on Redis, shared by every node).
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { InvalidOptionError } from '../errors.js'
import { integerOption } from '../internal/integer-option.js'
import { refuseUnknownOptions } from '../internal/known-options.js'
import type { AnySocket } from './types.js'

/** A normalised limiter: the store, its points per window, and the key of a socket. */
export interface Limiter {
  readonly limiter: RateLimiterAbstract
  readonly points: number
  readonly key: (socket: AnySocket) => string | Promise<string>
}

// Where a runtime gives no client address (Bun's engine), those clients share one bucket, as they
// always did; give a `key` there. A key function of the app's that answers no string is its bug
// (server_error, rate-limit-check.ts), but the default must not refuse every handshake.
const UNKNOWN_ADDRESS = 'unknown-address'

function defaultKey(socket: AnySocket): string {
  const { address } = socket.handshake
  return typeof address === 'string' && address !== '' ? address : UNKNOWN_ADDRESS
}

const RATE_LIMIT_OPTIONS: ReadonlySet<string> = new Set(['points', 'durationMs', 'key', 'limiter'])

/**
 * Makes the limiter of the `rateLimit` option; `undefined` when it is off.
 * @throws {InvalidOptionError} naming the `rateLimit` member at fault.
 */
export function createLimiter(value: unknown): Limiter | undefined {
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null) {
    throw new InvalidOptionError('rateLimit', 'must be false or an object')
  }
  const options = value as Record<string, unknown>
  // A typo (`Points`) would otherwise leave the default of 10 in force.
  refuseUnknownOptions(options, RATE_LIMIT_OPTIONS, 'rateLimit', 'rateLimit.')
  const points = integerOption(options.points, 'rateLimit.points', 10, 1, 1_000_000)
  const durationMs = integerOption(
    options.durationMs,
    'rateLimit.durationMs',
    60_000,
    1_000,
    2 ** 52,
  )
  const key = (options.key ?? defaultKey) as (socket: AnySocket) => string | Promise<string>
  if (typeof key !== 'function') throw new InvalidOptionError('rateLimit.key', 'must be a function')
  const limiter =
    (options.limiter as RateLimiterAbstract | undefined) ??
    new RateLimiterMemory({ points, duration: Math.ceil(durationMs / 1000) })
  return {
    limiter,
    points: (options.limiter as { points?: number } | undefined)?.points ?? points,
    key,
  }
}
