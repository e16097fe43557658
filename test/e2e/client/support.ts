// Test support for sockguard/client: client sockets that are closed after each test,
// and a count of the handshakes (CONNECT packets) a server receives, read off the wire.
import type { Server } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { connect, type ConnectOptions, type GetTokenContext } from '../../../src/client/index.js'

const open = new Set<ClientSocket>()

/** Closes every socket made by {@link connectClient}; for `afterEach`. */
export function closeClients(): void {
  for (const socket of open) socket.close()
  open.clear()
}

/** Has {@link closeClients} close `socket` (one not made by {@link connectClient}). */
export function trackClient<TSocket extends ClientSocket>(socket: TSocket): TSocket {
  open.add(socket)
  return socket
}

/**
 * `connect()` with test defaults: WebSocket only, a new connection, quick reconnection. The socket
 * is closed by {@link closeClients}.
 */
export function connectClient(url: string, options: ConnectOptions): ClientSocket {
  const socket = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 20,
    reconnectionDelayMax: 40,
    ...options,
  })
  open.add(socket)
  return socket
}

/** A `getToken` that hands out `tokens` in order and records what it was asked. */
export function tokenSequence(...tokens: string[]): {
  readonly getToken: (context: GetTokenContext) => Promise<string>
  /** `forceRefresh` of each call, in order. */
  readonly calls: boolean[]
} {
  const calls: boolean[] = []
  return {
    calls,
    getToken: async ({ forceRefresh }) => {
      calls.push(forceRefresh)
      const token = tokens[calls.length - 1]
      if (token === undefined) throw new Error(`getToken called ${calls.length} times`)
      return Promise.resolve(token)
    },
  }
}

/**
 * Counts the Socket.IO CONNECT packets (handshakes on the main namespace) the server receives:
 * every attempt, accepted or refused. Call in `setup`, before the server listens.
 */
export function countHandshakes(io: Server): { readonly count: number } {
  const counter = { count: 0 }
  io.engine.on(
    'connection',
    (conn: {
      on(event: 'packet', listener: (packet: { type: string; data?: unknown }) => void): void
    }) => {
      conn.on('packet', (packet) => {
        // socket.io-parser: a CONNECT packet to `/` is the type digit 0 and its JSON payload.
        if (
          packet.type === 'message' &&
          typeof packet.data === 'string' &&
          /^0(\{|$)/.test(packet.data)
        )
          counter.count += 1
      })
    },
  )
  return counter
}

/** Records the payloads `onAuthError` gets. */
export function authErrors(): {
  readonly seen: { code: string; message: string; cause?: unknown }[]
  readonly onAuthError: (error: { code: string; message: string; cause?: unknown }) => void
} {
  const seen: { code: string; message: string; cause?: unknown }[] = []
  return {
    seen,
    onAuthError: (error) => {
      seen.push(error)
    },
  }
}

/**
 * A `retry.random` that counts its calls: connect() draws one for every retry it schedules (the
 * backoff's jitter), so `draws` proves, without waiting, how many timed retries were scheduled.
 * With `client.active === false` (no immediate reconnect), `draws` unchanged proves no retry comes.
 */
export function retryDraws(): { readonly random: () => number; readonly draws: () => number } {
  let draws = 0
  return {
    random: () => {
      draws += 1
      return 0.5
    },
    draws: () => draws,
  }
}
