// The guard's failed-handshake rate limit on Redis: one count per client address for the whole
// cluster, so an attacker spreading attempts over the nodes meets the same limit.
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import { InvalidOptionError } from '../errors.js'
import { integerOption } from '../internal/integer-option.js'
import { refuseUnknownOptions } from '../internal/known-options.js'
import { isRedisConnection, type RedisConnection } from './redis-connection.js'

/** Options of {@link createRedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  /** The app's ioredis client; the limiter never closes it. */
  readonly redis: RedisConnection
  /** Failed handshakes allowed per window and address. @defaultValue 10 */
  readonly points?: number
  /** The window, in ms (whole seconds; at least 1000). @defaultValue 60000 */
  readonly durationMs?: number
  /** Prefix of the counters' keys. @defaultValue 'sockguard:rl' */
  readonly keyPrefix?: string
  /**
   * While Redis is unreachable, count in each node's memory instead (the limit then holds per
   * node: at most `points` times the number of nodes). `false` lets every handshake past the
   * limiter while Redis is away (fail open).
   * @defaultValue true
   */
  readonly insurance?: boolean
}

const OPTIONS: ReadonlySet<string> = new Set([
  'redis',
  'points',
  'durationMs',
  'keyPrefix',
  'insurance',
])

/**
 * Creates a `rate-limiter-flexible` limiter on Redis for `createGuard({ rateLimit: { limiter } })`,
 * shared by every node that uses the same Redis and `keyPrefix`. It never queues behind a lost
 * connection: while the client is not ready it answers from the insurance limiter at once. A Redis
 * that accepts connections but does not answer is not detected here: give the client a
 * `commandTimeout`.
 *
 * @throws {InvalidOptionError} naming the option at fault.
 *
 * @example
 * const limiter = createRedisRateLimiter({ redis, points: 10, durationMs: 60_000 })
 * const guard = createGuard({ verifier, rateLimit: { limiter } })
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiterRedis {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new InvalidOptionError('options', 'must be an object')
  refuseUnknownOptions(options, OPTIONS, 'createRedisRateLimiter')
  if (!isRedisConnection(options.redis))
    throw new InvalidOptionError('redis', 'must be an ioredis client')
  const points = integerOption(options.points, 'points', 10, 1, 1_000_000)
  const durationMs = integerOption(options.durationMs, 'durationMs', 60_000, 1_000, 2 ** 31 - 1)
  if (durationMs % 1_000 !== 0)
    throw new InvalidOptionError(
      'durationMs',
      'must be whole seconds (rate-limiter-flexible counts in seconds)',
    )
  const keyPrefix = options.keyPrefix ?? 'sockguard:rl'
  if (typeof keyPrefix !== 'string' || keyPrefix === '')
    throw new InvalidOptionError('keyPrefix', 'must be a non-empty string')
  const insurance = options.insurance ?? true
  if (typeof insurance !== 'boolean') throw new InvalidOptionError('insurance', 'must be a boolean')
  const duration = durationMs / 1_000
  return new RateLimiterRedis({
    storeClient: options.redis,
    points,
    duration,
    keyPrefix,
    // Otherwise a command waits in ioredis's offline queue for as long as the outage lasts, and
    // the handshake with it.
    rejectIfRedisNotReady: true,
    ...(insurance
      ? { insuranceLimiter: new RateLimiterMemory({ points, duration, keyPrefix }) }
      : {}),
  })
}
