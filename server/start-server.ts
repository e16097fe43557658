// Starts the reference chat server: Express 5 + node:http + Socket.IO, guarded by sockguard.
// The composition root: it wires the library and the chat together and owns their shutdown.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import express, { type Express } from 'express'
import type { Logger } from 'pino'
import { Server } from 'socket.io'
import {
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  createGuard,
  createMemoryRevocationStore,
  createVerifier,
  type Algorithm,
  type Guard,
  type VerifierOptions,
} from '../src/index.js'
import { registerChat } from './chat.js'
import { issuerKind, resolveConfig, type ServerConfig } from './config.js'
import { createDevIssuer, DEV_AUDIENCE } from './dev-issuer.js'
import type { ChatClaims, ChatServer } from './events.js'
import { mountRoutes } from './http-routes.js'
import { createLogger } from './logger.js'
import { createMetrics } from './metrics.js'
import { observeGuard } from './observe.js'

/** A running reference server. */
export interface StartedServer {
  /** Its base URL, e.g. `http://127.0.0.1:43210`. */
  readonly url: string
  readonly io: ChatServer
  readonly guard: Guard<ChatClaims>
  /** Closes Socket.IO (disconnecting every socket), the guard and the HTTP server. */
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
  const app = express()
  const httpServer = createServer(app)
  const io: ChatServer = new Server(httpServer, { serveClient: true })

  httpServer.listen(config.port, config.host)
  try {
    await once(httpServer, 'listening')
  } catch (error) {
    await io.close()
    throw error
  }
  const { port } = httpServer.address() as AddressInfo
  const url = `http://${urlHost(config.host)}:${port}`

  let guard: Guard<ChatClaims>
  try {
    guard = wire({ app, io, config, url, logger })
  } catch (error) {
    await io.close()
    throw error
  }
  logger.info({ url, issuer: issuerKind(config) }, 'listening')

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await guard.close()
      // A request still in flight must not hold the shutdown for long.
      const force = setTimeout(() => {
        httpServer.closeAllConnections()
      }, 1_000)
      // Disconnects every socket, closes the engine, then the HTTP server (idle keep-alive
      // connections included) and resolves once it is closed.
      await io.close()
      clearTimeout(force)
      logger.info('closed')
    })()
    return closing
  }
  return { url, io, guard, close, [Symbol.asyncDispose]: close }
}

interface Parts {
  readonly app: Express
  readonly io: ChatServer
  readonly config: ServerConfig
  readonly url: string
  readonly logger: Logger
}

// Synchronous on purpose: called in the tick that saw 'listening', it attaches the guard and
// mounts the routes before any connection can be handled. It runs after listen() because the
// development issuer's JWKS URL (which the verifier fetches) holds the port.
function wire({ app, io, config, url, logger }: Parts): Guard<ChatClaims> {
  const now = config.now ?? Date.now
  const kind = issuerKind(config)
  const devIssuer =
    kind === 'development'
      ? createDevIssuer({ issuer: url, ttlSeconds: config.tokenTtlSeconds, now })
      : undefined
  const verifier = createVerifier<ChatClaims>(verifierOptions(config, url))
  const revocationStore = createMemoryRevocationStore()
  const metrics = createMetrics(() => io.of('/').sockets.size)
  const observer = observeGuard(logger, metrics)
  const guard = createGuard<ChatClaims>({
    verifier,
    revocationStore,
    onFailure: observer.onFailure,
    rateLimit:
      config.handshakeRateLimit > 0
        ? { points: config.handshakeRateLimit, durationMs: 60_000 }
        : false,
    // A kick must outlive every token issued before it: the development tokens' lifetime.
    ...(devIssuer === undefined ? {} : { revocationTtlMs: (config.tokenTtlSeconds + 60) * 1000 }),
    ...(config.now === undefined ? {} : { now: config.now }),
  })
  guard.attach(io)
  registerChat(io, { guard, logger, metrics, now, onConnection: observer.onConnection })
  const startedAt = now()
  mountRoutes(app, {
    root: ROOT,
    verifier,
    revocationStore,
    devIssuer,
    metrics,
    logger,
    now,
    health: () => ({
      issuer: kind,
      sockets: io.of('/').sockets.size,
      uptimeSeconds: Math.round((now() - startedAt) / 1000),
    }),
  })
  return guard
}

/** The host part of the server's URL: an "every interface" address is reached on loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]') return '127.0.0.1'
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

function verifierOptions(config: ServerConfig, url: string): VerifierOptions {
  // Every chat user needs an identity; the claim check is the verifier's, not the chat's.
  const common = {
    requiredClaims: ['sub'],
    ...(config.now === undefined ? {} : { now: config.now }),
    ...(config.issuer === undefined ? {} : { issuer: config.issuer }),
    ...(config.audience === undefined ? {} : { audience: config.audience }),
  }
  switch (issuerKind(config)) {
    case 'development':
      // Its own tokens are verified as another server's would be: through the published JWKS.
      return {
        ...common,
        jwksUri: `${url}/.well-known/jwks.json`,
        issuer: url,
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
