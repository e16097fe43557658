// Type tests for `sockguard/fastify` and `sockguard/nestjs`: checked by `npm run typecheck` (tsc),
// importing the package by name. Fastify handlers behind the hook see a typed `request.auth`; the
// Nest class tokens carry every member of the guard and the verifier; @RequireClaim takes only
// the claim names of the claims type it is given; @Claims is a parameter decorator.
import Fastify from 'fastify'
import { Server } from 'socket.io'
import { expectTypeOf } from 'vitest'
import type { Guard, JwtClaims, RevocationTarget, VerifiedClaims } from 'sockguard'
import type { RequestAuth } from 'sockguard/express'
import {
  requireScope,
  sockguardPlugin,
  type SockguardFastify,
  type SockguardHook,
} from 'sockguard/fastify'
import {
  Claims,
  RequireClaim,
  RequireScope,
  Sockguard,
  SockguardIoAdapter,
  SockguardModule,
  SockguardVerifier,
  type ClassOrMethodDecorator,
} from 'sockguard/nestjs'

const app = Fastify()
await app.register(sockguardPlugin, {
  secret: 'x'.repeat(32),
  algorithms: ['HS256'],
  io: new Server(app.server),
})
expectTypeOf(app.sockguard).toEqualTypeOf<SockguardFastify>()
expectTypeOf(app.sockguard.requireAuth).toEqualTypeOf<SockguardHook>()
expectTypeOf(requireScope('admin')).toEqualTypeOf<SockguardHook>()
app.get('/me', { onRequest: [app.sockguard.requireAuth, requireScope('read')] }, (request) => {
  expectTypeOf(request.auth).toEqualTypeOf<RequestAuth>()
  expectTypeOf(request.auth.claims.sub).toEqualTypeOf<string | undefined>()
  return request.auth.claims
})
// @ts-expect-error the plugin's options are the guard's: HMAC algorithms only with a secret
void app.register(sockguardPlugin, { secret: 'x'.repeat(32), algorithms: ['RS256'] })
// @ts-expect-error requireScope takes scope names
requireScope(42)

declare const sockguard: Sockguard
expectTypeOf(sockguard).toHaveProperty('revoke').parameter(0).toEqualTypeOf<RevocationTarget>()
expectTypeOf(sockguard).toExtend<Guard>()
declare const verifier: SockguardVerifier<{ sub: string; tenant: string }>
expectTypeOf(verifier)
  .toHaveProperty('verify')
  .returns.resolves.toEqualTypeOf<VerifiedClaims<{ sub: string; tenant: string }>>()

interface AppClaims extends JwtClaims {
  role: string
}
expectTypeOf(RequireScope('a', 'b')).toEqualTypeOf<ClassOrMethodDecorator>()
RequireClaim<AppClaims>('role', 'admin')
// JwtClaims has an index signature (any name is a claim of AppClaims); a closed claims type
// refuses names it does not have.
// @ts-expect-error 'rolle' is not a claim of { role: string }
RequireClaim<{ role: string }>('rolle', 'admin')
expectTypeOf(Claims('sub')).toEqualTypeOf<ParameterDecorator>()
expectTypeOf(
  SockguardModule.forRoot({ secret: 'x'.repeat(32), algorithms: ['HS256'] }),
).toHaveProperty('module')
// An http server (then a guard) or a Nest application, as IoAdapter takes.
declare const guard: Guard
expectTypeOf(new SockguardIoAdapter(app.server, guard)).toHaveProperty('createIOServer')
