// Test support for `sockguard/fastify`: a real Fastify 5 app and a Socket.IO server on its http
// server, on 127.0.0.1:0, as an async-disposable resource with real fetch and real clients.
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import { Server } from 'socket.io'
import type { ManagerOptions, Socket as ClientSocket, SocketOptions } from 'socket.io-client'
import { sockguardPlugin, type SockguardFastifyOptions } from '../../../src/fastify/index.js'
import { connector } from '../../support/socket-server.js'

/** A running Fastify app with the sockguard plugin and a guarded Socket.IO server. */
export interface FastifyTestApp extends AsyncDisposable {
  readonly app: FastifyInstance
  readonly io: Server
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `fetch(url + path)`, with `Authorization: Bearer <token>` when a token is given. */
  get(path: string, token?: string): Promise<Response>
  /** A real client (WebSocket, no reconnection), closed with the app. */
  connect(options?: Partial<ManagerOptions & SocketOptions>, namespace?: string): ClientSocket
  close(): Promise<void>
}

/** Plugin options; `io` is added by {@link startFastify} unless the plugin must find `fastify.io`. */
export type TestPluginOptions = SockguardFastifyOptions

/**
 * Starts Fastify with a Socket.IO server on `app.server`, registers the plugin with `options`
 * (and `io` unless `decorateIo`: then the server is decorated as `fastify.io`, as
 * fastify-socket.io does, before the plugin or `'after'` it, and the plugin must find it), then
 * `setup` adds routes.
 */
export async function startFastify(
  options: TestPluginOptions,
  setup: (app: FastifyInstance) => void | Promise<void>,
  { decorateIo = false }: { decorateIo?: boolean | 'after' } = {},
): Promise<FastifyTestApp> {
  const app = Fastify()
  const io = new Server(app.server)
  if (decorateIo === true) app.decorate('io', io)
  await app.register(sockguardPlugin, decorateIo === false ? { ...options, io } : options)
  if (decorateIo === 'after') app.decorate('io', io)
  await setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const clients = new Set<ClientSocket>()
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const client of clients) client.disconnect()
      // io.close() closes app.server too; app.close() then runs the plugin's onClose (guard).
      await io.close()
      await app.close()
    })()
    return closing
  }
  return {
    app,
    io,
    url,
    get(path, token) {
      const headers = new Headers()
      if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
      return fetch(`${url}${path}`, { headers })
    },
    connect: connector(url, clients),
    close,
    [Symbol.asyncDispose]: close,
  }
}
