// The one test server: a real Socket.IO server on 127.0.0.1:0 (with a guard unless told not to,
// beside an Express app when given one) as an async-disposable resource, and real socket.io-client
// sockets that are closed with it: `await using server = await startServer()`.
import { randomBytes } from 'node:crypto'
import { createServer, type RequestListener, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, type ServerOptions } from 'socket.io'
import {
  io as connectClient,
  type ManagerOptions,
  type Socket as ClientSocket,
  type SocketOptions,
} from 'socket.io-client'
import {
  createGuard,
  type Guard,
  type GuardBaseOptions,
  type GuardOptions,
} from '../../src/index.js'
import { nowSeconds, signJwt } from './sign.js'

export { nowSeconds } from './sign.js'

/** An HS256 issuer with a fresh random secret. */
export interface TestIssuer {
  readonly secret: Buffer
  /** Signs claims (HS256); `iat` defaults to now and `exp` to now + 60 s unless given (null removes). */
  sign(claims?: Record<string, unknown>, header?: Record<string, unknown>): string
}

/** Makes an HS256 issuer. */
export function createIssuer(): TestIssuer {
  const secret = randomBytes(32)
  return {
    secret,
    sign(claims = {}, header = {}) {
      const all: Record<string, unknown> = {
        sub: 'alice',
        iat: nowSeconds(),
        exp: nowSeconds() + 60,
        ...claims,
      }
      const body = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== null))
      return signJwt('HS256', secret, body, header)
    },
  }
}

/** A running Socket.IO server without a guard (`startServer({ guard: false })`). */
export interface PlainServer extends AsyncDisposable {
  readonly io: Server
  /** The http server Socket.IO is attached to (it also serves `requestListener`). */
  readonly http: HttpServer
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Connects a client (WebSocket only unless `transports` is given); closed with the server. */
  connect(options?: Partial<ManagerOptions & SocketOptions>, namespace?: string): ClientSocket
  close(): Promise<void>
}

/** A running guarded test server. */
export interface TestServer extends PlainServer {
  readonly guard: Guard
  /** The HS256 issuer whose secret the guard verifies (unless a `verifier` was given). */
  readonly issuer: TestIssuer
}

/** What every server takes, guarded or not. */
interface CommonOptions {
  readonly server?: Partial<ServerOptions>
  /** A Socket.IO server made by the test (e.g. the drop-in's own); attached to the http server. */
  readonly io?: Server
  /** Serves the plain HTTP requests of the same http server (an Express app, a route). */
  readonly requestListener?: RequestListener
}

/** Options of {@link startServer} for a guarded server. */
export interface StartServerOptions extends CommonOptions {
  /** Guard options besides the key (an HS256 secret from `issuer` is used). */
  readonly guard?: GuardBaseOptions & Record<string, unknown>
  /** The issuer whose secret the guard verifies. @defaultValue a fresh one */
  readonly issuer?: TestIssuer
  /** Use `io.use(guard.middleware)` instead of `guard.attach(io)`. */
  readonly middlewareOnly?: boolean
  /** Runs before the guard is attached (e.g. to create a namespace that exists at attach time). */
  readonly prepare?: (io: Server) => void
  /** Runs before the server listens: register handlers here. */
  readonly setup?: (io: Server, guard: Guard) => void
}

/** Options of {@link startServer} for a server without a guard (the drop-in, raw Socket.IO). */
export interface StartPlainServerOptions extends CommonOptions {
  readonly guard: false
  /** Runs before the server listens: register handlers (or the drop-in) here. */
  readonly setup?: (io: Server) => void
}

/**
 * Starts a Socket.IO server on an ephemeral loopback port, guarded unless `guard: false`, as an
 * async-disposable resource that closes its clients, its guard and its http server.
 *
 * @example
 * await using server = await startServer({ guard: { revocationSweepMs: 100 } })
 * const client = server.connect({ auth: { token: server.issuer.sign() } })
 */
export function startServer(options: StartPlainServerOptions): Promise<PlainServer>
export function startServer(options?: StartServerOptions): Promise<TestServer>
export async function startServer(
  options: StartServerOptions | StartPlainServerOptions = {},
): Promise<PlainServer | TestServer> {
  const http = createServer(options.requestListener)
  const io = options.io ?? new Server(options.server)
  io.attach(http)
  let guarded: { guard: Guard; issuer: TestIssuer } | undefined
  if (options.guard === false) options.setup?.(io)
  else {
    const issuer = options.issuer ?? createIssuer()
    // With a `verifier` in the guard options, the issuer's secret is not used (createGuard refuses
    // verifier options beside a verifier).
    const guard = createGuard(
      options.guard?.verifier === undefined
        ? { secret: issuer.secret, algorithms: ['HS256'], ...options.guard }
        : (options.guard as unknown as GuardOptions),
    )
    options.prepare?.(io)
    if (options.middlewareOnly === true) io.use(guard.middleware)
    else guard.attach(io)
    options.setup?.(io, guard)
    guarded = { guard, issuer }
  }
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const clients = new Set<ClientSocket>()
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const client of clients) client.close()
      await guarded?.guard.close()
      await new Promise<void>((resolve) => {
        // io.close() closes the http server, which waits for kept-alive HTTP connections (fetch).
        void io.close(() => {
          resolve()
        })
        http.closeAllConnections()
      })
    })()
    return closing
  }
  return {
    io,
    http,
    url,
    ...guarded,
    connect: connector(url, clients),
    close,
    [Symbol.asyncDispose]: close,
  }
}

/**
 * Connects real clients to `url` (WebSocket only and no reconnection unless overridden) and
 * records them in `clients`, so the server resource closes them with itself.
 */
export function connector(
  url: string,
  clients: Set<ClientSocket>,
): (options?: Partial<ManagerOptions & SocketOptions>, namespace?: string) => ClientSocket {
  return (options = {}, namespace = '/') => {
    const client = connectClient(`${url}${namespace === '/' ? '' : namespace}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...options,
    })
    clients.add(client)
    return client
  }
}

/** Anything with `once` and `off`: client sockets, server sockets, namespaces. */
export interface Emitterish {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  once(event: string, listener: (...args: any[]) => void): unknown
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, listener: (...args: any[]) => void): unknown
}

/** Resolves with the first argument of the next `event` on `emitter`; rejects after `timeoutMs`. */
export function nextEvent<T = unknown>(
  emitter: Emitterish,
  event: string,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (value: T): void => {
      clearTimeout(timer)
      resolve(value)
    }
    const timer = setTimeout(() => {
      emitter.off(event, listener)
      reject(new Error(`no "${event}" within ${timeoutMs} ms`))
    }, timeoutMs)
    emitter.once(event, listener)
  })
}

/** The `connect_error` of a client that must be refused: its `data` (`{ code, message }`). */
export async function refusal(client: ClientSocket): Promise<{ code: string; message: string }> {
  const error = await Promise.race([
    nextEvent<Error & { data?: { code: string; message: string } }>(client, 'connect_error'),
    nextEvent(client, 'connect').then(() => {
      throw new Error('the client connected but should have been refused')
    }),
  ])
  if (error.data === undefined) throw new Error(`connect_error without data: ${error.message}`)
  return error.data
}
