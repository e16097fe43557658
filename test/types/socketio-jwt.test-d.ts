// Type tests for the socketio-jwt drop-in: both of its shapes fit a typed Socket.IO server with
// no cast, and the options socketio-jwt had that sockguard refuses do not type-check.
// (Imported by path: tsconfig maps only `sockguard` to src/.)
import { Server, type Socket } from 'socket.io'
import { expectTypeOf } from 'vitest'
import socketioJwt, {
  authorize,
  UnauthorizedError,
  type ConnectionAuthorizer,
  type HandshakeAuthorizer,
  type SecretFunction,
  type UnauthorizedData,
} from 'sockguard/socketio-jwt'
import type { AuthSocketData, JwtClaims } from 'sockguard'

interface AppClaims extends JwtClaims {
  readonly sub: string
  readonly name: string
}
interface ClientToServer {
  message: (text: string) => void
}
interface ServerToClient {
  message: (text: string) => void
}
type SocketData = AuthSocketData<AppClaims>

const secret = 'x'.repeat(32)
const io = new Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>()

expectTypeOf(authorize({ secret, handshake: true })).toEqualTypeOf<HandshakeAuthorizer>()
expectTypeOf(authorize({ secret })).toEqualTypeOf<ConnectionAuthorizer>()
io.use(authorize({ secret, handshake: true }))
io.sockets.on('connection', authorize({ secret, timeout: 15_000 }))
io.on('connection', (socket) => {
  expectTypeOf(socket.data.auth.claims.name).toEqualTypeOf<string>()
})

// The seed's shape, on an untyped server: `.on('authenticated', ...)` is a namespace event.
const plain = new Server()
plain.sockets
  .on('connection', socketioJwt.authorize({ secret, timeout: 15_000 }))
  .on('authenticated', (socket: Socket) => socket.id)

authorize<AppClaims>({
  secret,
  customDecoded: (decoded) => decoded.name,
  additional_auth: (decoded, onSuccess, onError) => {
    expectTypeOf(decoded).toEqualTypeOf<AppClaims>()
    if (decoded.name === '') onError('no name', 'no_name')
    else onSuccess()
  },
})

// jwks-rsa's expressJwtSecret() shape fits the 4-argument form.
declare const expressJwtSecret: (
  req: { headers: Record<string, string> },
  header: { kid?: string },
  payload: unknown,
  cb: (err: Error | null, secret?: string) => void,
) => void
authorize({ secret: expressJwtSecret, algorithms: ['RS256'] })
authorize({
  secret: ((_request, decoded, callback) => {
    callback(null, String(decoded.sub))
  }) satisfies SecretFunction,
})

expectTypeOf(
  new UnauthorizedError('invalid_token', { message: 'jwt expired' }).data,
).toEqualTypeOf<UnauthorizedData>()

// @ts-expect-error cookie is not supported
authorize({ secret, cookie: 'token' })
// @ts-expect-error sockguard never switches the expiry check off
authorize({ secret, ignoreExpiration: true })
// @ts-expect-error `none` is not an algorithm
authorize({ secret, algorithms: ['none'] })
// @ts-expect-error callback is false or a number of ms
authorize({ secret, callback: true })
