// Type tests for sockguard/client: connect() carries the app's event maps like socket.io-client's
// io<L, E>(), getToken's signature, the options it refuses, and the compat `io` that accepts the
// seed's `connect` listener with a socket parameter.
import type { Socket } from 'socket.io-client'
import { expectTypeOf } from 'vitest'
import {
  AUTH_ERROR_CODES,
  connect,
  io,
  joinRoom,
  leaveRoom,
  type AuthErrorCode,
  type AuthErrorData,
  type CompatSocket,
  type GetToken,
  type GetTokenContext,
  type RetryOptions,
  type RoomAck,
} from 'sockguard/client'
import {
  AUTH_ERROR_CODES as SERVER_AUTH_ERROR_CODES,
  type AuthErrorCode as ServerAuthErrorCode,
} from 'sockguard'

interface ServerToClient {
  message: (text: string, from: string) => void
  count: (n: number) => void
}
interface ClientToServer {
  send: (text: string) => void
  ask: (question: string, ack: (answer: number) => void) => void
}

const url = 'https://chat.example'

// Typed events pass through.
const socket = connect<ServerToClient, ClientToServer>(url, { getToken: () => 'token' })
expectTypeOf(socket).toEqualTypeOf<Socket<ServerToClient, ClientToServer>>()
socket.on('message', (text, from) => {
  expectTypeOf(text).toEqualTypeOf<string>()
  expectTypeOf(from).toEqualTypeOf<string>()
})
socket.emit('send', 'hello')
socket.emit('ask', 'how many?', (answer) => {
  expectTypeOf(answer).toEqualTypeOf<number>()
})
// @ts-expect-error `send` takes a string
socket.emit('send', 42)
// @ts-expect-error not a client-to-server event
socket.emit('message', 'hi', 'me')
// @ts-expect-error `count` gives a number
socket.on('count', (n: string) => n)
// Reserved events keep their socket.io-client types.
socket.on('connect_error', (error) => {
  expectTypeOf(error).toExtend<Error>()
})

// Without event maps, the socket is untyped like socket.io-client's.
expectTypeOf(connect(url, { getToken: () => 'token' })).toEqualTypeOf<Socket>()

// getToken: sync or async, told whether to refresh; null/undefined mean "no token".
expectTypeOf<GetToken>().parameters.toEqualTypeOf<[GetTokenContext]>()
expectTypeOf<GetTokenContext>().toEqualTypeOf<{ readonly forceRefresh: boolean }>()
connect(url, {
  getToken: ({ forceRefresh }) => {
    expectTypeOf(forceRefresh).toEqualTypeOf<boolean>()
    return forceRefresh ? 'fresh' : 'cached'
  },
})
connect(url, { getToken: async () => Promise.resolve('token') })
connect(url, { getToken: () => null })
connect(url, { getToken: async () => Promise.resolve(undefined) })
// @ts-expect-error getToken is required
connect(url, {})
// @ts-expect-error a token is a string
connect(url, { getToken: () => 42 })
// @ts-expect-error the token is sent from getToken, never from `auth`
connect(url, { getToken: () => 'token', auth: { token: 'x' } })

// socket.io-client's own options pass through.
connect(url, {
  getToken: () => 'token',
  transports: ['websocket'],
  reconnectionDelay: 500,
  autoConnect: false,
  refreshTimeoutMs: 5_000,
  onAuthError: (error) => {
    expectTypeOf(error).toEqualTypeOf<AuthErrorData>()
    expectTypeOf(error.code).toEqualTypeOf<AuthErrorCode>()
  },
})

// The client's codes are the server's.
expectTypeOf<AuthErrorCode>().toEqualTypeOf<ServerAuthErrorCode>()
expectTypeOf(AUTH_ERROR_CODES).toEqualTypeOf<typeof SERVER_AUTH_ERROR_CODES>()

// The compat `io`: `io()` and `io.connect()`, whose `connect` listeners get the socket. The
// seed's client snippet type-checks as written (socket.io-client's `io` rejects its listener).
const compat = io.connect(url)
expectTypeOf(compat).toEqualTypeOf<CompatSocket>()
expectTypeOf(io(url, { forceNew: true })).toEqualTypeOf<CompatSocket>()
expectTypeOf(io({ autoConnect: false })).toEqualTypeOf<CompatSocket>()
const token = 'token'
compat.on('connect', function (socket) {
  expectTypeOf(socket).toEqualTypeOf<CompatSocket>()
  socket
    .on('authenticated', function () {
      //do other things
    })
    .emit('authenticate', { token })
})
compat.once('connect', (socket) => {
  expectTypeOf(socket).toEqualTypeOf<CompatSocket>()
})
compat.on('connect', () => undefined)
const typedCompat = io.connect<ServerToClient, ClientToServer>(url)
typedCompat.on('message', (text) => {
  expectTypeOf(text).toEqualTypeOf<string>()
})
// @ts-expect-error `send` takes a string
typedCompat.emit('send', 1)

// The backoff after server_error is typed; its fields are numbers and an injectable random().
connect(url, {
  getToken: () => 't',
  retry: {
    initialDelayMs: 10,
    maxDelayMs: 100,
    factor: 2,
    maxAttempts: Infinity,
    random: () => 0.5,
  },
})
expectTypeOf<RetryOptions['random']>().toEqualTypeOf<(() => number) | undefined>()
// @ts-expect-error delays are numbers of ms
connect(url, { getToken: () => 't', retry: { initialDelayMs: '1s' } })

// logout(): the ack of `auth:logout`, discriminated by `ok`.
{
  const socket = connect('https://chat.example', { getToken: () => 'token' })
  const { logout } = await import('sockguard/client')
  const ack = await logout(socket)
  expectTypeOf(ack).toEqualTypeOf<import('sockguard/client').LogoutAck>()
  if (ack.ok) expectTypeOf(ack.revoked).toEqualTypeOf<'sid' | 'jti' | null | undefined>()
  else expectTypeOf(ack.code).toEqualTypeOf<'store_unavailable' | 'server_error'>()
  // @ts-expect-error: the timeout is a number of ms
  void logout(socket, { timeoutMs: '5s' })
}
// joinRoom / leaveRoom take a socket of any event maps and resolve with the room ack.
expectTypeOf(joinRoom(socket, 'team:red')).toEqualTypeOf<Promise<RoomAck>>()
expectTypeOf(leaveRoom(connect(url, { getToken: () => 'token' }), 'team:red')).toEqualTypeOf<
  Promise<RoomAck>
>()
