// Helpers of the cluster tests: guarded Socket.IO nodes joined by the Redis adapter, each with its
// own ioredis clients and Redis revocation store, and private redis-server processes that a test
// can kill and restart on the same port.
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createAdapter } from '@socket.io/redis-adapter'
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter'
import { Redis } from 'ioredis'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import type { GuardBaseOptions } from '../../src/index.js'
import {
  createRedisRateLimiter,
  createRedisRevocationStore,
  type RedisRevocationStore,
  type RedisRevocationStoreOptions,
} from '../../src/redis/index.js'
import { launchRedisServer } from '../setup/host.js'
import { closedPort, delay } from '../support/guard-e2e.js'
import {
  createIssuer,
  startServer,
  type TestIssuer,
  type TestServer,
} from '../support/socket-server.js'

/** The Redis the cluster tests share (each test under its own key prefix). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `sockguard-test:${randomBytes(6).toString('hex')}:`
}

/** An ioredis client with an `error` listener (errors are expected while Redis is down). */
export function connectRedis(url: string, options: Record<string, unknown> = {}): Redis {
  const redis = new Redis(url, { retryStrategy: () => 50, ...options })
  redis.on('error', () => undefined)
  return redis
}

/** Deletes every key under `prefix` (SCAN, then DEL). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    if (keys.length > 0) await redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
}

/** Polls `check` until it returns true; rejects after `timeoutMs`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'the condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms`)
    await delay(20)
  }
}

/** The Socket.IO adapters the cluster tests run on: Redis Pub/Sub, or Redis Streams. */
export const ADAPTERS = ['pubsub', 'streams'] as const

/** One of {@link ADAPTERS}. */
export type AdapterKind = (typeof ADAPTERS)[number]

/** One node of a test cluster. */
export interface ClusterNode extends AsyncDisposable {
  readonly server: TestServer
  /** The node's command client (store and rate limiter). */
  readonly redis: Redis
  readonly store: RedisRevocationStore
  close(): Promise<void>
}

/** Options of {@link startNode}. */
export interface NodeOptions {
  readonly url: string
  /** Key prefix of the store, the limiter and the adapter's channels. */
  readonly prefix: string
  /** The cluster's issuer: every node verifies its tokens. */
  readonly issuer: TestIssuer
  readonly guard?: GuardBaseOptions
  readonly store?: Partial<RedisRevocationStoreOptions>
  /** Failed-handshake limit shared through Redis. */
  readonly rateLimit?: { readonly points: number }
  /** @defaultValue 'pubsub' */
  readonly adapter?: AdapterKind
}

/** Starts a guarded node on its own ioredis clients, joined to the others by the Redis adapter. */
export async function startNode(options: NodeOptions): Promise<ClusterNode> {
  const redis = connectRedis(options.url)
  // The Redis adapter does not handle a PUBLISH that fails: with ioredis's default retry limit a
  // broadcast made during an outage becomes an unhandled rejection. Without a limit it waits for
  // the reconnection instead (docs/scale-out.md).
  const pub = connectRedis(options.url, { maxRetriesPerRequest: null })
  const sub = pub.duplicate()
  sub.on('error', () => undefined)
  const store = createRedisRevocationStore({ redis, prefix: options.prefix, ...options.store })
  const limiter: RateLimiterAbstract | undefined =
    options.rateLimit === undefined
      ? undefined
      : createRedisRateLimiter({
          redis,
          points: options.rateLimit.points,
          keyPrefix: `${options.prefix}rl`,
        })
  const server = await startServer({
    server: {
      adapter:
        options.adapter === 'streams'
          ? createStreamsAdapter(pub, {
              streamName: `${options.prefix}stream`,
              channelPrefix: `${options.prefix}io`,
              sessionKeyPrefix: `${options.prefix}session:`,
              blockTimeInMs: 1_000,
            })
          : createAdapter(pub, sub, { key: `${options.prefix}io`, requestsTimeout: 1_000 }),
    },
    // Every node verifies the cluster's issuer (server.issuer is that issuer on each node).
    issuer: options.issuer,
    guard: {
      revocationStore: store,
      ...(limiter === undefined ? {} : { rateLimit: { limiter } }),
      ...options.guard,
    },
    setup: (io) => {
      io.on('connection', (socket) => {
        socket.on('echo', (value: unknown, ack?: unknown) => {
          if (typeof ack === 'function') (ack as (value: unknown) => void)(value)
        })
      })
    },
  })
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await server.close()
    for (const client of [redis, pub, sub]) client.disconnect()
  }
  return { server, redis, store, close, [Symbol.asyncDispose]: close }
}

/** Two nodes on one Redis, ready: each adapter sees the other. */
export interface Cluster extends AsyncDisposable {
  readonly a: ClusterNode
  readonly b: ClusterNode
  readonly issuer: TestIssuer
  readonly prefix: string
}

/** Starts nodes `a` and `b` with the same options, and waits until they see each other. */
export async function startCluster(
  options: Omit<NodeOptions, 'issuer' | 'prefix'> & { readonly prefix?: string },
): Promise<Cluster> {
  const issuer = createIssuer()
  const prefix = options.prefix ?? uniquePrefix()
  const a = await startNode({ ...options, issuer, prefix })
  const b = await startNode({ ...options, issuer, prefix })
  await eventually(
    async () =>
      (await a.server.io.of('/').adapter.serverCount()) === 2 &&
      (await b.server.io.of('/').adapter.serverCount()) === 2,
    5_000,
    'both nodes joined',
  )
  return {
    a,
    b,
    issuer,
    prefix,
    async [Symbol.asyncDispose]() {
      await a.close()
      await b.close()
      const cleaner = connectRedis(options.url)
      await deleteKeys(cleaner, prefix).catch(() => undefined)
      cleaner.disconnect()
    },
  }
}

/** A redis-server of the test's own, on a fixed loopback port, with no persistence. */
export interface PrivateRedis extends AsyncDisposable {
  readonly port: number
  readonly url: string
  /** Kills the server (SIGKILL: an outage, not a shutdown) and waits for it to be gone. */
  kill(): Promise<void>
  /** Starts it again on the same port. */
  restart(): Promise<void>
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve()
    })
  })
  child.kill('SIGKILL')
  await gone
}

/** Starts a private redis-server on a free loopback port. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await closedPort()
  let child = await launchRedisServer(port)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await stop(child)
    },
    async restart() {
      child = await launchRedisServer(port)
    },
    async [Symbol.asyncDispose]() {
      await stop(child)
    },
  }
}
