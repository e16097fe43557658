// Test support for the socketio-jwt drop-in: a plain Socket.IO server (no guard: the drop-in is
// the only authentication) as an async-disposable resource, and tokens signed the way socketio-jwt
// apps sign them (jsonwebtoken, a string secret).
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import jwt from 'jsonwebtoken'
import { Server, type ServerOptions } from 'socket.io'
import type { ManagerOptions, Socket as ClientSocket, SocketOptions } from 'socket.io-client'
import { signJwt, unsignedJwt } from '../../support/sign.js'
import { connector } from '../../support/socket-server.js'

/** A 41-byte HS256 secret: sockguard refuses secrets shorter than 32 bytes. */
export const SECRET = 'a-socketio-jwt-secret-of-at-least-32-bytes'

/** Signs claims as a socketio-jwt app did: jsonwebtoken, HS256, `iat` added, no `exp` unless given. */
export function sign(claims: Record<string, unknown> = {}, secret: string = SECRET): string {
  const payload: Record<string, unknown> = { sub: 'alice', name: 'Alice', ...claims }
  return jwt.sign(payload, secret)
}

/** An unsigned token (`alg: none`, empty signature). */
export function unsigned(claims: Record<string, unknown> = {}): string {
  return unsignedJwt({ sub: 'alice', name: 'Alice', ...claims })
}

/** An HS256 token signed by hand, with any header. */
export function signWithHeader(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  return signJwt('HS256', SECRET, claims, header)
}

/** A running plain server. */
export interface PlainServer extends AsyncDisposable {
  readonly io: Server
  readonly url: string
  /** Connects a client (WebSocket only unless `transports` is given); closed with the server. */
  connect(options?: Partial<ManagerOptions & SocketOptions>, namespace?: string): ClientSocket
  close(): Promise<void>
}

/** Starts a Socket.IO server on an ephemeral loopback port; `setup` registers its handlers. */
export async function startPlainServer(
  setup: (io: Server) => void,
  options: Partial<ServerOptions> = {},
  io: Server = new Server(options),
): Promise<PlainServer> {
  const http = createServer()
  io.attach(http)
  setup(io)
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const clients = new Set<ClientSocket>()
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    for (const client of clients) client.close()
    await new Promise<void>((resolve) => {
      void io.close(() => {
        resolve()
      })
    })
  }
  return {
    io,
    url,
    connect: connector(url, clients),
    close,
    [Symbol.asyncDispose]: close,
  }
}
