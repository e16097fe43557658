// Type tests for the guard on a typed server and for per-event policies: checked by
// `npm run typecheck` (tsc), importing the package by name.
import { Server } from 'socket.io'
import { expectTypeOf } from 'vitest'
import {
  authorizeEvents,
  createGuard,
  requireClaim,
  requireScope,
  type AuthSocketData,
  type ClaimsRule,
  type EventParams,
  type EventPolicy,
  type EventRule,
  type JwtClaims,
  type SocketAuth,
} from 'sockguard'

interface ClientToServer {
  'chat:send': (text: string, ack: (reply: { ok: boolean }) => void) => void
  'room:join': (room: string, options?: { quiet: boolean }) => void
  'admin:kick': (userId: string, reason?: string) => void
  'file:upload': (name: string, bytes: Uint8Array, ack?: (id: string) => void) => void
  ping: () => void
}
interface ServerToClient {
  message: (text: string) => void
}
interface InterServer {
  sync: (at: number) => void
}
interface AppClaims extends JwtClaims {
  readonly sub: string
  readonly scope: string
  readonly role: 'admin' | 'member'
}
interface SocketData extends AuthSocketData<AppClaims> {
  room?: string
}

const io = new Server<ClientToServer, ServerToClient, InterServer, SocketData>()
const guard = createGuard<AppClaims>({ secret: 'x'.repeat(32), algorithms: ['HS256'] })

// The middleware fits a fully typed server and namespace, with no cast.
io.use(guard.middleware)
io.of('/admin').use(guard.middleware)
expectTypeOf(guard.attach(io)).toEqualTypeOf(io)

io.on('connection', (socket) => {
  expectTypeOf(socket.data.auth).toEqualTypeOf<SocketAuth<AppClaims>>()
  expectTypeOf(socket.data.auth.claims).toEqualTypeOf<AppClaims>()
  expectTypeOf(socket.data.auth.claims.role).toEqualTypeOf<'admin' | 'member'>()
  expectTypeOf(socket.data.auth.expiresAt).toEqualTypeOf<number | null>()
  // Installs on a socket inside a handler, too.
  authorizeEvents<ClientToServer, AppClaims>({ ping: () => true })(socket)
})

// Policy keys are event names; each rule gets the claims type and that event's arguments,
// without the trailing acknowledgement (required or optional).
io.on(
  'connection',
  authorizeEvents<ClientToServer, AppClaims>({
    'chat:send': (claims, text, ...rest) => {
      expectTypeOf(claims).toEqualTypeOf<AppClaims>()
      expectTypeOf(text).toEqualTypeOf<string>()
      expectTypeOf(rest).toEqualTypeOf<[]>()
      return text.length <= 500
    },
    'room:join': async (claims, room, options) => {
      expectTypeOf(options).toEqualTypeOf<{ quiet: boolean } | undefined>()
      await Promise.resolve()
      return room === `private:${claims.sub}`
    },
    'file:upload': (claims, name, bytes, ...rest) => {
      expectTypeOf(bytes).toEqualTypeOf<Uint8Array>()
      expectTypeOf(rest).toEqualTypeOf<[]>()
      return claims.role === 'admin' && name.length > 0
    },
    'admin:kick': requireScope('admin'),
    ping: requireClaim('role', 'admin'),
  }),
)

expectTypeOf<EventParams<ClientToServer, 'room:join'>>().toEqualTypeOf<
  Parameters<ClientToServer['room:join']>
>()
expectTypeOf(requireScope('admin')).toEqualTypeOf<ClaimsRule>()
// It serves as an event rule of any claims type (and as a namespace or room rule: null claims).
expectTypeOf(requireScope('admin')).toExtend<EventRule<JwtClaims & { role: string }>>()

authorizeEvents<ClientToServer>({
  // @ts-expect-error policy keys must be event names of ClientToServer
  'chat:sned': requireScope('chat'),
})
authorizeEvents<ClientToServer>({
  // @ts-expect-error the argument of room:join is a string
  'room:join': (_claims, room: number) => room > 0,
})
authorizeEvents<ClientToServer>({
  // @ts-expect-error a rule returns a boolean (or a promise of one)
  ping: () => 'yes',
})
authorizeEvents<ClientToServer, AppClaims>({
  // @ts-expect-error claims are AppClaims, whose role is never 'owner'
  'admin:kick': (claims) => claims.role === 'owner',
})

// A policy can be declared on its own and reused.
const policy: EventPolicy<ClientToServer, AppClaims> = { 'admin:kick': requireScope('admin') }
authorizeEvents(policy)
// @ts-expect-error requireScope needs at least one scope
requireScope()
