// The part of an ioredis client that sockguard/redis uses. A structural type, so the library
// neither imports ioredis nor pins its major version: the app passes its own client.
import { within } from '../internal/within.js'

/**
 * An ioredis client (`new Redis(url)`), or anything with the same `call`, `duplicate`, `on`,
 * `disconnect` and `status`.
 */
export interface RedisConnection {
  /** ioredis's connection state: `'ready'` when commands go straight out. */
  readonly status?: string
  /** Sends one command; resolves with Redis's reply. */
  call(command: string, ...args: (string | number)[]): Promise<unknown>
  /** A new connection with the same options, some overridden. */
  duplicate(override?: Record<string, unknown>): RedisConnection
  on(event: 'error', listener: (error: Error) => void): unknown
  /** Closes the connection at once. */
  disconnect(): void
}

/** True when `value` looks like an ioredis client. */
export function isRedisConnection(value: unknown): value is RedisConnection {
  if (typeof value !== 'object' || value === null) return false
  const client = value as Record<string, unknown>
  return (
    typeof client.call === 'function' &&
    typeof client.duplicate === 'function' &&
    typeof client.on === 'function' &&
    typeof client.disconnect === 'function'
  )
}

// ioredis between two connections: a command sent now would only wait in its offline queue (and
// pile up there, one per handshake, for as long as the outage lasts).
const AWAY = new Set(['reconnecting', 'close', 'end'])

/** True while the client has no connection to Redis and is not about to have one. */
export function isAway(redis: RedisConnection): boolean {
  return redis.status !== undefined && AWAY.has(redis.status)
}

/** `promise`, or a rejection once `ms` have passed (the late answer is then ignored). */
export function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  return within(promise, ms, () => {
    throw new Error(`Redis did not answer within ${ms} ms.`)
  })
}

/** Resolves after `ms`. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms)
  })
}

/** True for an error Redis itself answered (a script or type error): retrying will not help. */
export function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError'
}
