// Type tests for `sockguard/express`: checked by `npm run typecheck` (tsc), importing the package
// by name. In an Express 5 app, a handler mounted behind requireAuth sees a typed `req.auth`
// without a cast; the middleware itself is typed over node:http only.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import express, { Router, type NextFunction, type Request, type Response } from 'express'
import { expectTypeOf } from 'vitest'
import { createGuard, createVerifier, type JwtClaims, type Verifier } from 'sockguard'
import {
  requireAuth,
  requireScope,
  type AuthenticatedRequest,
  type HttpMiddleware,
  type RegisteredClaims,
  type RequestAuth,
  type RequireAuthMiddleware,
} from 'sockguard/express'

const verifier = createVerifier({ secret: 'x'.repeat(32), algorithms: ['HS256'] })
const app = express()

// The line of the issue, as it is.
app.get('/api/me', requireAuth({ verifier }), (req, res) => res.json(req.auth.claims))

app.get('/api/typed', requireAuth({ verifier, realm: 'api' }), (req, res) => {
  expectTypeOf(req.auth).toEqualTypeOf<RequestAuth>()
  expectTypeOf(req.auth.claims).toEqualTypeOf<JwtClaims>()
  expectTypeOf(req.auth.claims.sub).toEqualTypeOf<string | undefined>()
  expectTypeOf(req.auth.expiresAt).toEqualTypeOf<number | null>()
  res.json(req.auth.claims.sub)
})

// Route parameters are still inferred from the path, with the middleware before the handler.
app.delete('/api/users/:id', requireAuth({ verifier }), requireScope('admin'), (req, res) => {
  expectTypeOf(req.params.id).toEqualTypeOf<string>()
  res.json({ by: req.auth.claims.sub, id: req.params.id })
})

// app.use, routers, and handlers written apart with Express's own types.
app.use('/api', requireAuth({ verifier }))
const router = Router()
router.use(requireAuth({ verifier }), requireScope('read', 'write'))
const handler = (req: Request, res: Response, next: NextFunction): void => {
  if (req.auth.expiresAt === null) {
    next()
    return
  }
  res.json(req.auth.claims)
}
router.get('/items', handler)
app.use(router)

// RequestAuth is readonly: a handler cannot swap the claims.
app.get('/api/readonly', requireAuth({ verifier }), (req) => {
  // @ts-expect-error claims are readonly
  req.auth.claims = {}
})

// The middleware: node:http types only, with the verifier to share.
const middleware = requireAuth({ verifier })
expectTypeOf(middleware).toEqualTypeOf<RequireAuthMiddleware>()
expectTypeOf(middleware).toExtend<HttpMiddleware>()
expectTypeOf(middleware).parameters.toEqualTypeOf<
  [IncomingMessage, ServerResponse, (error?: unknown) => void]
>()
expectTypeOf(middleware.verifier).toEqualTypeOf<Verifier>()
createGuard({ verifier: middleware.verifier })
expectTypeOf(requireScope('read')).toEqualTypeOf<HttpMiddleware>()

// Typed claims flow from the verifier to the middleware's verifier.
interface AppClaims extends JwtClaims {
  readonly sub: string
  readonly tenant: string
}
const typed = requireAuth({
  verifier: createVerifier<AppClaims>({ secret: 'x'.repeat(32), algorithms: ['HS256'] }),
})
expectTypeOf(typed.verifier).toEqualTypeOf<Verifier<AppClaims>>()
expectTypeOf<RegisteredClaims>().toEqualTypeOf<JwtClaims>()

// Outside Express: plain node:http with AuthenticatedRequest for the handler after it.
const show = (req: AuthenticatedRequest, res: ServerResponse): void => {
  expectTypeOf(req.auth.claims).toEqualTypeOf<JwtClaims>()
  res.end(JSON.stringify(req.auth.claims))
}
createServer((req, res) => {
  middleware(req, res, () => {
    show(req as AuthenticatedRequest, res)
  })
})
expectTypeOf<AuthenticatedRequest<AppClaims>['auth']['claims']>().toEqualTypeOf<AppClaims>()

// Options: like createGuard, a verifier or verifier options inline, never both.
requireAuth({ secret: 'x'.repeat(32), algorithms: ['HS256'], realm: 'api', retryAfterMs: 5_000 })
requireAuth({
  verifier,
  revocationStore: { isRevoked: () => false, revokeSubject() {}, revokeToken() {} },
  onFailure: (error, req) => {
    expectTypeOf(error.code).toEqualTypeOf<import('sockguard').AuthErrorCode>()
    expectTypeOf(req).toEqualTypeOf<IncomingMessage>()
  },
})
// @ts-expect-error a verifier and verifier options together
requireAuth({ verifier, secret: 'x'.repeat(32), algorithms: ['HS256'] })
// @ts-expect-error an HMAC secret needs its algorithms
requireAuth({ secret: 'x'.repeat(32) })
// @ts-expect-error no key source at all
requireAuth({ realm: 'api' })
// @ts-expect-error the realm is a string
requireAuth({ verifier, realm: 1 })
// @ts-expect-error at least one scope
requireScope()
// @ts-expect-error scopes are strings
requireScope('read', 2)
