// The client's retry schedule for failures that are the server's (`server_error`) or a refresh
// that was rate-limited: exponential backoff with jitter, bounded in delay and in attempts, so a
// fleet of clients does not reconnect in lockstep after a server restart.
import { invalidOption } from './invalid-option.js'

/** How `connect()` retries when the server failed; every field is optional. */
export interface RetryOptions {
  /** The delay before the first retry, in ms. @defaultValue 1000 */
  readonly initialDelayMs?: number
  /** No delay is longer than this, in ms. @defaultValue 30000 */
  readonly maxDelayMs?: number
  /** Each delay is this many times the previous one (before jitter). @defaultValue 2 */
  readonly factor?: number
  /**
   * Retries in a row before the failure is reported to `onAuthError` and the client stops; a
   * connection (or an accepted refresh) starts the count again. `Infinity` never gives up.
   * @defaultValue 10
   */
  readonly maxAttempts?: number
  /** A source of numbers in [0, 1) for the jitter; inject one in tests. @defaultValue Math.random */
  readonly random?: () => number
}

/** {@link RetryOptions}, checked and with defaults. */
export interface Backoff {
  readonly maxAttempts: number
  readonly maxDelayMs: number
  /** The delay before retry number `attempt` (0 for the first). */
  delay(attempt: number): number
}

// setTimeout fires at once for delays it cannot hold.
const MAX_TIMEOUT_MS = 2_147_483_647

function ms(value: unknown, option: string, fallback: number, min: number): number {
  const given = value ?? fallback
  if (
    typeof given !== 'number' ||
    !Number.isInteger(given) ||
    given < min ||
    given > MAX_TIMEOUT_MS
  )
    throw invalidOption(option, `must be an integer from ${min} to ${MAX_TIMEOUT_MS}`)
  return given
}

const KNOWN = new Set(['initialDelayMs', 'maxDelayMs', 'factor', 'maxAttempts', 'random'])

/**
 * Checks the `retry` option of `connect()`.
 * @throws {TypeError} `code: 'invalid_option'` naming `retry.<field>`.
 */
export function createBackoff(value: unknown): Backoff {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value)))
    throw invalidOption('retry', 'must be an object')
  const options = (value ?? {}) as Record<string, unknown>
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) throw invalidOption(`retry.${name}`, 'is not a retry option')
  }
  const initialDelayMs = ms(options.initialDelayMs, 'retry.initialDelayMs', 1_000, 1)
  const maxDelayMs = ms(options.maxDelayMs, 'retry.maxDelayMs', 30_000, 1)
  if (maxDelayMs < initialDelayMs)
    throw invalidOption('retry.maxDelayMs', 'must not be less than `retry.initialDelayMs`')
  const factor = options.factor ?? 2
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1 || factor > 10)
    throw invalidOption('retry.factor', 'must be a number from 1 to 10')
  const maxAttempts = options.maxAttempts ?? 10
  if (
    typeof maxAttempts !== 'number' ||
    !(maxAttempts === Infinity || (Number.isInteger(maxAttempts) && maxAttempts >= 0))
  )
    throw invalidOption('retry.maxAttempts', 'must be an integer from 0, or Infinity')
  const random = options.random ?? Math.random
  if (typeof random !== 'function')
    throw invalidOption('retry.random', 'must be a function returning a number in [0, 1)')

  return Object.freeze({
    maxAttempts,
    maxDelayMs,
    delay(attempt: number): number {
      const ceiling = Math.min(maxDelayMs, initialDelayMs * factor ** Math.max(0, attempt))
      // "Equal jitter": half the delay fixed, half random, so no retry comes at once and the
      // clients of one outage spread out. A bad `random` cannot push it out of bounds.
      const r = Number((random as () => unknown)())
      const spread = Number.isFinite(r) ? Math.min(1, Math.max(0, r)) : 0.5
      return Math.round(ceiling / 2 + (ceiling / 2) * spread)
    },
  })
}
