// Type tests of the guard: its hooks receive a socket whose `data.auth` carries the app's claims
// (never `any`), its middleware and `attach` take a typed server without casts, and the internal
// `Any*` aliases are not exported. Checked by `npm run typecheck` (tsc).
import type { KeyObject } from 'node:crypto'
import { Server, type Socket } from 'socket.io'
import { expectTypeOf } from 'vitest'
import {
  createGuard,
  createVerifier,
  type AuthError,
  type AuthSocketData,
  type GuardMiddleware,
  type GuardSocket,
  type JwtClaims,
  type SocketAuth,
} from 'sockguard'

interface AppClaims extends JwtClaims {
  readonly sub: string
  readonly scope: string
}

declare const key: KeyObject
const verifier = createVerifier<AppClaims>({ publicKey: key, algorithms: ['ES256'] })

const guard = createGuard({
  verifier,
  onAuthenticated: (claims, socket) => {
    expectTypeOf(claims).toEqualTypeOf<AppClaims>()
    expectTypeOf(socket).toEqualTypeOf<GuardSocket<AppClaims>>()
    expectTypeOf(socket).not.toBeAny()
    expectTypeOf(socket.data).not.toBeAny()
    // Absent in a handshake (the guard sets it after this hook), the previous token's on a refresh.
    expectTypeOf(socket.data.auth).toEqualTypeOf<SocketAuth<AppClaims> | undefined>()
    expectTypeOf(socket.data.auth?.claims.scope).toEqualTypeOf<string | undefined>()
    // @ts-expect-error data.auth may be absent: the hook must check
    expectTypeOf(socket.data.auth.claims).toEqualTypeOf<AppClaims>()
    // @ts-expect-error not a claim of the app's
    expectTypeOf(socket.data.auth?.claims.role).toBeString()
  },
  onFailure: (error, socket) => {
    expectTypeOf(error).toEqualTypeOf<AuthError>()
    expectTypeOf(socket).toEqualTypeOf<GuardSocket<AppClaims>>()
    expectTypeOf(socket.handshake.address).toBeString()
  },
  rateLimit: {
    key: (socket) => {
      expectTypeOf(socket).toEqualTypeOf<GuardSocket<AppClaims>>()
      return socket.handshake.address
    },
  },
})

// Inline verifier options: the hooks get the claims type given to createGuard.
createGuard<AppClaims>({
  secret: 'x'.repeat(32),
  algorithms: ['HS256'],
  onAuthenticated: (claims, socket) => {
    expectTypeOf(claims.scope).toBeString()
    expectTypeOf(socket.data.auth?.claims).toEqualTypeOf<AppClaims | undefined>()
  },
})

// A server typed with the app's events and data takes the guard without casts.
interface ClientToServer {
  message: (text: string, ack: (ok: boolean) => void) => void
}
interface ServerToClient {
  message: (from: string, text: string) => void
}
interface InterServer {
  ping: () => void
}
interface SocketData extends AuthSocketData<AppClaims> {
  room?: string
}
const io = new Server<ClientToServer, ServerToClient, InterServer, SocketData>()
io.use(guard.middleware)
io.of('/admin').use(guard.middleware)
expectTypeOf(guard.attach(io)).toEqualTypeOf<typeof io>()
expectTypeOf(guard.attach(new Server())).toEqualTypeOf<Server>()
io.on('connection', (socket) => {
  expectTypeOf(socket.data.auth.claims.sub).toBeString()
})

// The middleware's socket is a Socket.IO socket, not `any`.
expectTypeOf<Parameters<GuardMiddleware>[0]>().not.toBeAny()
expectTypeOf<Parameters<GuardMiddleware>[0]>().toExtend<Socket>()
// @ts-expect-error not a Socket.IO server
guard.attach('io')

// @ts-expect-error internal: the package does not export AnySocket
export type { AnySocket } from 'sockguard'
// @ts-expect-error internal: the package does not export AnyNamespace
export type { AnyNamespace } from 'sockguard'
// @ts-expect-error internal: the package does not export AnyServer
export type { AnyServer } from 'sockguard'

// Session revocation and logout.
{
  const guard = createGuard({ secret: 'k'.repeat(32), algorithms: ['HS256'], revokeOnLogout: true })
  void guard.revoke({ sid: 's-1' })
  void guard.revoke({ sid: 's-1', iss: 'https://idp.example' })
  // @ts-expect-error: one target at a time
  void guard.revoke({ sid: 's-1', sub: 'alice' })
  // @ts-expect-error: a session has no expiresAt of its own (kept for revocationTtlMs)
  void guard.revoke({ sid: 's-1', expiresAt: 1 })
  // @ts-expect-error: a boolean
  createGuard({ secret: 'k'.repeat(32), algorithms: ['HS256'], revokeOnLogout: 'yes' })
  expectTypeOf<import('sockguard').LogoutAck>().toExtend<{ ok: boolean }>()
}
