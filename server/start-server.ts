// Starts the reference chat server: Express 5 + node:http + Socket.IO, guarded by sockguard, on
// one node or, with REDIS_URL, as one of several joined through Redis. The composition root: it
// wires the library and the chat together and owns their shutdown.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createAdapter } from '@socket.io/redis-streams-adapter'
import express, { type Express } from 'express'
import type { Logger } from 'pino'
import { Server, type ServerOptions } from 'socket.io'
import {
  ASYMMETRIC_ALGORITHMS,
  AuthError,
  HMAC_ALGORITHMS,
  backchannelLogout,
  createGuard,
  createMemoryRevocationStore,
  createVerifier,
  type Algorithm,
  type Guard,
  type RateLimitOptions,
  type RevocationStore,
  type VerifierOptions,
} from '../src/index.js'
import { prependMiddleware } from '../src/internal/socket-io-private.js'
import { createRedisRateLimiter, createRedisRevocationStore } from '../src/redis/index.js'
import { chatRooms, registerChat } from './chat.js'
import { clientAddress } from './client-address.js'
import { issuerKind, resolveConfig, type ServerConfig } from './config.js'
import { createDevIssuer, DEV_AUDIENCE, MAX_USERNAME_LENGTH } from './dev-issuer.js'
import type { ChatClaims, ChatServer } from './events.js'
import { BACKCHANNEL_LOGOUT_PATH, mountRoutes } from './http-routes.js'
import { createLogger } from './logger.js'
import { createMetrics } from './metrics.js'
import { observeGuard } from './observe.js'
import { connectRedis, describeUrl, type RedisConnections } from './redis-connections.js'
import { secureEveryResponse } from './security-headers.js'
import { shareDevKey, type SharedDevKey } from './shared-dev-key.js'

/** Prefix of every Redis key and channel the reference server uses. */
export const REDIS_PREFIX = 'sockguard-chat:'
/** How long a client may be away and still get its session back (connection-state recovery). */
const RECOVERY_MS = 2 * 60_000
/**
 * After an admin changed a user's grants: how long their sockets have to fetch a token that
 * carries the new grants before they are ended `reauth_required`.
 */
export const GRANTS_REFRESH_WITHIN_MS = 10_000

/** A running reference server. */
export interface StartedServer {
  /** Its base URL, e.g. `http://127.0.0.1:43210` (an "every interface" address is reached on loopback). */
  readonly url: string
  /** The address it is bound to, from `server.address()`, e.g. `http://0.0.0.0:43210`. */
  readonly address: string
  readonly io: ChatServer
  readonly guard: Guard<ChatClaims>
  /**
   * Refuses new handshakes (`server_error`), closes the guard, Socket.IO (disconnecting every
   * socket), the HTTP server and Redis, and flushes the logs.
   */
  close(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * Starts the server. Missing settings take their defaults; `port: 0` picks a free port.
 *
 * @throws {ConfigError} for a bad setting, before anything listens.
 *
 * @example
 * await using server = await startServer({ port: 0, logLevel: 'silent' })
 * const res = await fetch(`${server.url}/healthz`)
 */
export async function startServer(settings: Partial<ServerConfig> = {}): Promise<StartedServer> {
  const config = resolveConfig(settings)
  const logger = createLogger({ level: config.logLevel, stream: config.logStream })
  const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, logger)
  let devKey: SharedDevKey | undefined
  if (redis !== undefined && issuerKind(config) === 'development') {
    try {
      devKey = await shareDevKey(redis.commands, `${REDIS_PREFIX}dev-issuer:key`)
    } catch (error) {
      redis.close()
      throw error
    }
    logger.warn(
      { key: devKey.name, created: devKey.created },
      'development issuer: signing key shared through Redis. A development key: whoever can ' +
        'read this Redis can sign tokens (admin included); use an external issuer in production',
    )
  }
  const app = express()
  const httpServer = createServer(app)
  const io: ChatServer = new Server(httpServer, {
    serveClient: true,
    ...(redis === undefined ? {} : clusterOptions(redis)),
  })
  // Socket.IO answers /socket.io/ itself, before Express: its responses need the headers too.
  secureEveryResponse(httpServer)

  httpServer.listen(config.port, config.host)
  try {
    await once(httpServer, 'listening')
  } catch (error) {
    await io.close()
    redis?.close()
    throw error
  }
  const bound = httpServer.address() as AddressInfo
  const url = `http://${urlHost(config.host)}:${bound.port}`
  const address = `http://${bracketed(bound.address)}:${bound.port}`

  let stopping = false
  let guard: Guard<ChatClaims>
  try {
    guard = wire({ app, io, config, url, logger, redis, devKey, stopping: () => stopping })
  } catch (error) {
    await io.close()
    redis?.close()
    throw error
  }
  logger.info(
    {
      url,
      address,
      issuer: issuerKind(config),
      ...(config.publicUrl === undefined ? {} : { publicUrl: config.publicUrl }),
      ...(config.redisUrl === undefined ? {} : { redis: describeUrl(config.redisUrl) }),
    },
    'listening',
  )
  if (issuerKind(config) === 'oidc') {
    logger.info(
      {
        backchannelLogoutUri: `${config.publicUrl ?? url}${BACKCHANNEL_LOGOUT_PATH}`,
        clientId: config.clientId,
      },
      "back-channel logout on: register backchannelLogoutUri as this client's " +
        'backchannel_logout_uri at the provider (with backchannel_logout_session_required)',
    )
  }
  if (issuerKind(config) === 'development') {
    logger.warn(
      { address, ...(config.production ? { nodeEnv: 'production' } : {}) },
      'development issuer on: anyone who can reach its routes gets a token on request, admin ' +
        'included; configure JWT_SECRET, JWKS_URI or ISSUER_URL for real use',
    )
  }

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // From now on a handshake is refused `server_error` (retry elsewhere, later), not
      // `token_invalid` as the closed guard would: the token is not at fault.
      stopping = true
      // One turn of the event loop: a CONNECT packet read just now (Socket.IO runs the middlewares
      // a few microtasks later) meets the refusal while its connection is still open to carry it.
      await new Promise((resolve) => setImmediate(resolve))
      await guard.close()
      // A request still in flight must not hold the shutdown for long.
      const force = setTimeout(() => {
        httpServer.closeAllConnections()
      }, 1_000)
      // Disconnects every socket, closes the engine, then the HTTP server (idle keep-alive
      // connections included) and resolves once it is closed.
      await io.close()
      clearTimeout(force)
      // Last: the adapter's connections too, even a stream read still waiting for Redis.
      redis?.close()
      logger.info('closed')
      logger.flush()
    })()
    return closing
  }
  return { url, address, io, guard, close, [Symbol.asyncDispose]: close }
}

/**
 * Socket.IO across nodes: the Redis Streams adapter, which keeps sessions and missed packets in
 * Redis, so connection-state recovery works whichever node a client comes back to (the Pub/Sub
 * adapter does not support recovery, and drops what is published while a node is away). The
 * guard re-checks every recovered session: recovery skips the middlewares.
 */
function clusterOptions(redis: RedisConnections): Partial<ServerOptions> {
  return {
    adapter: createAdapter(redis.adapter, {
      streamName: `${REDIS_PREFIX}socket.io`,
      channelPrefix: `${REDIS_PREFIX}socket.io`,
      sessionKeyPrefix: `${REDIS_PREFIX}session:`,
    }),
    connectionStateRecovery: { maxDisconnectionDuration: RECOVERY_MS },
  }
}

interface Parts {
  readonly app: Express
  readonly io: ChatServer
  readonly config: ServerConfig
  readonly url: string
  readonly logger: Logger
  readonly redis: RedisConnections | undefined
  readonly devKey: SharedDevKey | undefined
  /** True once the server is shutting down. */
  readonly stopping: () => boolean
}

// Synchronous on purpose: called in the tick that saw 'listening', it attaches the guard and
// mounts the routes before any connection can be handled. It runs after listen() because the
// development issuer's JWKS URL (which the verifier fetches) holds the port.
function wire({ app, io, config, url, logger, redis, devKey, stopping }: Parts): Guard<ChatClaims> {
  const now = config.now ?? Date.now
  const kind = issuerKind(config)
  // Every node signs and checks the same `iss`: the URL clients use, not its own.
  const issuer = config.publicUrl ?? url
  const devIssuer =
    kind === 'development'
      ? createDevIssuer({
          issuer,
          ttlSeconds: config.tokenTtlSeconds,
          now,
          privateKey: devKey?.privateKey,
        })
      : undefined
  const verifier = createVerifier<ChatClaims>(verifierOptions(config, url, issuer))
  const revocationStore: RevocationStore =
    redis === undefined
      ? createMemoryRevocationStore()
      : createRedisRevocationStore({ redis: redis.commands, prefix: `${REDIS_PREFIX}revoked:` })
  const metrics = createMetrics(
    () => io.of('/').sockets.size,
    redis === undefined ? undefined : () => redis.state() === 'ready',
  )
  const observer = observeGuard(logger, metrics, clientAddress(config.trustProxy))
  const guard = createGuard<ChatClaims>({
    verifier,
    revocationStore,
    onFailure: observer.onFailure,
    // Who may be in which room, on every path a socket can get there (chat.ts).
    rooms: chatRooms(devIssuer === undefined ? undefined : (sub) => devIssuer.grantsOf(sub)),
    rateLimit: rateLimit(config, redis),
    // A kick must outlive every token issued before it: the development tokens' lifetime.
    ...(devIssuer === undefined ? {} : { revocationTtlMs: (config.tokenTtlSeconds + 60) * 1000 }),
    // Fail-closed (the default): while Redis is away, new handshakes are refused
    // `store_unavailable` rather than let a revoked token in.
    ...(config.revocationSweepMs === undefined
      ? {}
      : { revocationSweepMs: config.revocationSweepMs }),
    ...(config.now === undefined ? {} : { now: config.now }),
  })
  guard.attach(io)
  refuseWhileStopping(io, stopping)
  const chat = registerChat(io, {
    guard,
    logger,
    metrics,
    now,
    onConnection: observer.onConnection,
    presence: redis === undefined ? 'local' : 'cluster',
    // The development issuer's subjects are its user names; an external issuer's may be longer
    // (Microsoft Entra's are 43 characters), still bounded: each kick is kept in the store.
    maxKickSubLength: kind === 'development' ? MAX_USERNAME_LENGTH : 255,
  })
  if (redis !== undefined) {
    redis.onRecovered(() => {
      // Joins and leaves while Redis was away reached no other node.
      chat.refreshPresence()
      // A Redis that came back empty has lost the development key: the next node to start
      // must find this one, not make its own.
      if (devKey !== undefined)
        redis.commands.set(devKey.name, devKey.stored, 'NX').catch(() => undefined)
    })
  }
  const startedAt = now()
  // With an OpenID Provider: its back-channel logout ends the user's sockets on every node (the
  // revocation goes through the guard's store and the adapter).
  const logoutRoute =
    kind === 'oidc' && config.issuerUrl !== undefined && config.clientId !== undefined
      ? backchannelLogout({
          guard,
          issuerUrl: config.issuerUrl,
          audience: config.clientId,
          // The provider signs logout tokens with its ID token algorithm (RS256 unless the client
          // registered another): any public-key algorithm its keys allow.
          algorithms: ASYMMETRIC_ALGORITHMS,
          onLogout: (event) => {
            logger.info(
              { sub: event.sub, sid: event.sid, revoked: 'sid' in event.revoked ? 'sid' : 'sub' },
              'back-channel logout',
            )
          },
          onFailure: (error) => {
            logger.warn({ code: error.code, reason: error.message }, 'back-channel logout refused')
          },
        })
      : undefined
  mountRoutes(app, {
    backchannelLogout: logoutRoute,
    root: ROOT,
    verifier,
    revocationStore,
    devIssuer,
    // Grants live in the tokens: the user's sockets re-check their rooms now, and fetch a token
    // with the new grants within the deadline (one that narrows them takes those rooms away).
    onGrantsChanged: (sub) => guard.recheck({ sub }, { refreshWithinMs: GRANTS_REFRESH_WITHIN_MS }),
    publicUrl: config.publicUrl,
    metrics,
    logger,
    now,
    health: () => {
      const state = redis?.state()
      return {
        // Not ready while it refuses new handshakes: a load balancer sends them elsewhere.
        status: state === undefined || state === 'ready' ? 'ok' : 'degraded',
        issuer: kind,
        ...(state === undefined ? {} : { redis: state }),
        sockets: io.of('/').sockets.size,
        uptimeSeconds: Math.round((now() - startedAt) / 1000),
      }
    },
  })
  return guard
}

/**
 * While the server shuts down, refuses handshakes with `server_error` (the server is going away:
 * retry later, or elsewhere) before the guard sees them: a closed guard could only say
 * `token_invalid`, and a client must not drop a good token for that.
 */
function refuseWhileStopping(io: ChatServer, stopping: () => boolean): void {
  const refuse = (_socket: unknown, next: (error?: Error) => void): void => {
    if (!stopping()) {
      next()
      return
    }
    const { code, message } = new AuthError('server_error', 'The server is shutting down.')
    next(Object.assign(new Error(message), { data: { code, message } }))
  }
  // First, ahead of the guard, which puts itself first in `attach` (Socket.IO has no public way
  // to order middlewares): the chat uses the main namespace only.
  prependMiddleware(io.of('/'), refuse)
}

/** The failed-handshake limit: in memory, or shared by every node through Redis. */
function rateLimit(
  config: ServerConfig,
  redis: RedisConnections | undefined,
): RateLimitOptions | false {
  const points = config.handshakeRateLimit
  if (points === 0) return false
  // Behind a trusted proxy, the client's own address, not the proxy's (one client would lock
  // every other out).
  const key = clientAddress(config.trustProxy)
  if (redis === undefined) return { points, durationMs: 60_000, key }
  // While Redis is away each node counts in its own memory (the limiter's insurance).
  return {
    limiter: createRedisRateLimiter({
      redis: redis.commands,
      points,
      durationMs: 60_000,
      keyPrefix: `${REDIS_PREFIX}rl`,
    }),
    key,
  }
}

/** The host part of the server's URL: an "every interface" address is reached on loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1'
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** An address as the host of a URL: IPv6 in brackets. */
function bracketed(address: string): string {
  return address.includes(':') ? `[${address}]` : address
}

function verifierOptions(config: ServerConfig, url: string, issuer: string): VerifierOptions {
  // Every chat user needs an identity; the claim check is the verifier's, not the chat's.
  const common = {
    requiredClaims: ['sub'],
    ...(config.now === undefined ? {} : { now: config.now }),
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    ...(config.audience === undefined ? {} : { audience: config.audience }),
  }
  switch (issuerKind(config)) {
    case 'development':
      // Its own tokens are verified as another server's would be: through the published JWKS,
      // its own (every node publishes the same key).
      return {
        ...common,
        jwksUri: `${url}/.well-known/jwks.json`,
        issuer,
        audience: DEV_AUDIENCE,
        algorithms: ['ES256'],
      }
    case 'secret':
      return { ...common, secret: config.jwtSecret ?? '', algorithms: only(HMAC_ALGORITHMS) }
    case 'jwks':
      return { ...common, jwksUri: config.jwksUri ?? '', algorithms: only(ASYMMETRIC_ALGORITHMS) }
    case 'oidc':
      return {
        ...common,
        issuerUrl: config.issuerUrl ?? '',
        algorithms: only(ASYMMETRIC_ALGORITHMS),
      }
  }

  // resolveConfig already refused algorithms of the wrong family; this only narrows the type.
  function only<TAlgorithm extends Algorithm>(family: readonly TAlgorithm[]): TAlgorithm[] {
    return (config.algorithms ?? []).filter((alg): alg is TAlgorithm =>
      (family as readonly Algorithm[]).includes(alg),
    )
  }
}
