// The reference server's Redis connections: one for commands (revocation store, rate limiter,
// development key), one for the Socket.IO adapter, and every connection made from either. Each has
// an `error` listener (errors are logged once per outage, not once per reconnection attempt), and
// together they give the node's Redis state for /healthz and /metrics.
import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'

/** The node's Redis as /healthz reports it. */
export type RedisState = 'ready' | 'connecting' | 'down'

/** The connections made by {@link connectRedis}. */
export interface RedisConnections {
  /** Commands of the revocation store and the rate limiter (offline queue on, 2 s timeout). */
  readonly commands: Redis
  /**
   * The Socket.IO adapter's client. Its commands fail at once while Redis is away instead of
   * waiting in an offline queue: the adapter publishes a broadcast before delivering it to this
   * node's own sockets, so a queued publish would hold up local chat for the whole outage.
   */
  readonly adapter: Redis
  /** `ready` when every connection is; `down` when one lost Redis or never reached it. */
  state(): RedisState
  /** Calls `listener` each time every connection is ready again after being down. */
  onRecovered(listener: () => void): void
  /** Closes every connection at once (the adapter's and the store's own included). */
  close(): void
}

// Reconnect quickly (a local Redis that restarts is back within a second), never give up.
const retryStrategy = (times: number): number => Math.min(times * 100, 1_000)
// While Redis stays away, one reminder in the logs this often.
const REMINDER_MS = 60_000

type SendCommand = Redis['sendCommand']

interface Tracked {
  state: RedisState
  /** Closed on purpose (by us, the adapter or the store): its end is no outage. */
  closed: boolean
}

/**
 * Opens the node's connections to `url` and watches them.
 *
 * @example
 * const redis = connectRedis(config.redisUrl, logger)
 * const store = createRedisRevocationStore({ redis: redis.commands })
 * const io = new Server(httpServer, { adapter: createAdapter(redis.adapter) })
 */
export function connectRedis(url: string, logger: Logger): RedisConnections {
  const target = describeUrl(url)
  const tracked = new Map<Redis, Tracked>()
  const recovered = new Set<() => void>()
  let overall: RedisState = 'connecting'
  let everReady = false
  let downSince = 0
  let lastReport = 0
  let errors = 0
  let firstError: string | undefined
  let closing = false

  const update = (): void => {
    const states = [...tracked.values()].map((entry) => entry.state)
    const next: RedisState =
      states.length === 0 || states.includes('down')
        ? 'down'
        : states.includes('connecting')
          ? 'connecting'
          : 'ready'
    if (next === overall || closing) {
      overall = next
      return
    }
    const previous = overall
    overall = next
    if (next === 'down') {
      downSince = Date.now()
      lastReport = downSince
      logger.warn(
        { redis: target, error: firstError },
        'redis unreachable: new handshakes are refused (store_unavailable) until it is back',
      )
    } else if (next === 'ready') {
      if (!everReady) logger.info({ redis: target }, 'redis connected')
      else if (previous === 'down') {
        logger.info({ redis: target, downMs: Date.now() - downSince, errors }, 'redis is back')
      }
      everReady = true
      errors = 0
      firstError = undefined
      if (previous === 'down') {
        for (const listener of recovered) {
          try {
            listener()
          } catch (error) {
            logger.error({ err: error }, 'redis recovery listener failed')
          }
        }
      }
    }
  }

  /**
   * Watches `client` and everything duplicated from it. `settle` marks every command's promise
   * as handled: the Socket.IO adapters drop some of theirs (PUBLISH, the session SET), and a
   * failed command must not become an unhandled rejection, which ends a Node process.
   */
  const watch = (
    client: Redis,
    name: string,
    settle: boolean,
    duplicates: Partial<RedisOptions>,
  ): Redis => {
    const entry: Tracked = { state: 'connecting', closed: false }
    tracked.set(client, entry)
    // Closed for good: no longer part of the node's state.
    const forget = (): void => {
      if (tracked.delete(client)) update()
    }
    client.on('ready', () => {
      entry.state = 'ready'
      update()
    })
    client.on('close', () => {
      if (entry.closed) return
      entry.state = 'down'
      update()
    })
    client.on('error', (error: Error) => {
      errors += 1
      firstError ??= `${name}: ${error.message}`
      if (client.status !== 'ready') entry.state = 'down'
      update()
      if (overall === 'down' && Date.now() - lastReport >= REMINDER_MS) {
        lastReport = Date.now()
        logger.warn(
          { redis: target, downMs: Date.now() - downSince, errors, error: error.message },
          'redis still unreachable',
        )
      }
    })
    client.on('end', forget)
    if (settle) {
      const send: SendCommand = client.sendCommand.bind(client)
      client.sendCommand = (...args: Parameters<SendCommand>) => {
        const reply = send(...args)
        if (reply instanceof Promise) reply.catch(() => undefined)
        return reply
      }
    }
    // Closing twice (we close the adapter's stream reader, then it closes itself when its read
    // fails) would arm ioredis's 2 s "socket still open" timer a second time, on a socket that
    // closed already: the process would linger that long after shutdown.
    const disconnect = client.disconnect.bind(client)
    client.disconnect = (reconnect?: boolean) => {
      if (entry.closed) return
      if (reconnect !== true) {
        entry.closed = true
        // Now: ioredis emits no 'end' for a connection closed while it was reconnecting.
        forget()
      }
      disconnect(reconnect)
    }
    const duplicate = client.duplicate.bind(client)
    client.duplicate = (override?: Partial<RedisOptions>) =>
      watch(duplicate({ ...duplicates, ...override }), `${name} (duplicate)`, settle, duplicates)
    return client
  }

  const commands = watch(
    new Redis(url, { retryStrategy, commandTimeout: 2_000 }),
    'commands',
    false,
    {},
  )
  const adapter = watch(
    new Redis(url, {
      retryStrategy,
      enableOfflineQueue: false,
      // A command in flight when the connection drops fails at once instead of being resent.
      maxRetriesPerRequest: 0,
      // A Redis that accepts connections but does not answer holds up local broadcasts this long.
      commandTimeout: 1_000,
    }),
    'adapter',
    true,
    // The adapter's own connections (its stream reader and its subscriber) wait for Redis to
    // come back: a stream read that failed at once would be retried at once, in a busy loop.
    { enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined },
  )

  return {
    commands,
    adapter,
    state: () => overall,
    onRecovered(listener) {
      recovered.add(listener)
    },
    close() {
      closing = true
      for (const client of [...tracked.keys()]) client.disconnect()
      tracked.clear()
    },
  }
}

/** `url` without its user name and password, for logs. */
export function describeUrl(url: string): string {
  const { protocol, host, pathname } = new URL(url)
  return `${protocol}//${host}${pathname === '/' ? '' : pathname}`
}
