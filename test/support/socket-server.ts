// A real Socket.IO server on 127.0.0.1:0 with a guard, as an async-disposable resource, and real
// socket.io-client sockets that are closed with it: `await using server = await startServer()`.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
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

/** A running test server. */
export interface TestServer extends AsyncDisposable {
  readonly io: Server
  readonly guard: Guard
  readonly issuer: TestIssuer
  readonly url: string
  /** Connects a client (WebSocket only unless `transports` is given); closed with the server. */
  connect(options?: Partial<ManagerOptions & SocketOptions>, namespace?: string): ClientSocket
  close(): Promise<void>
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** Guard options besides the key (an HS256 secret from `issuer` is used). */
  readonly guard?: GuardBaseOptions & Record<string, unknown>
  readonly server?: Partial<ServerOptions>
  /** Use `io.use(guard.middleware)` instead of `guard.attach(io)`. */
  readonly middlewareOnly?: boolean
  /** Runs before the guard is attached (e.g. to create a namespace that exists at attach time). */
  readonly prepare?: (io: Server) => void
  /** Runs before the server listens: register handlers here. */
  readonly setup?: (io: Server, guard: Guard) => void
}

/** Starts a guarded Socket.IO server on an ephemeral loopback port. */
export async function startServer(options: StartServerOptions = {}): Promise<TestServer> {
  const issuer = createIssuer()
  const http = createServer()
  const io = new Server(http, options.server)
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
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const clients = new Set<ClientSocket>()
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    for (const client of clients) client.close()
    await guard.close()
    await new Promise<void>((resolve) => {
      void io.close(() => {
        resolve()
      })
    })
  }
  return {
    io,
    guard,
    issuer,
    url,
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
