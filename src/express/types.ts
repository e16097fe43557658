// The public types of `sockguard/express`: what the middleware puts on `req.auth`, its options,
// and the typing of `req.auth` in Express apps. Structural over node:http, so neither `express`
// nor `@types/express` is needed to use or to type-check the middleware.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthError, AuthErrorCode } from '../errors.js'
import type { RevocationStore } from '../revocation/revocation-store.js'
import type { JwtClaims, Verifier, VerifierOptions } from '../verifier/types.js'

/** What {@link requireAuth} puts on `req.auth` (the same shape as `socket.data.auth`). */
export interface RequestAuth<TClaims extends JwtClaims = JwtClaims> {
  /** The verified claims of the request's token. */
  readonly claims: TClaims
  /** When the token expires (ms since the epoch), or `null` when it has no `exp`. */
  readonly expiresAt: number | null
}

/**
 * Merge a `claims` member into this interface to type `req.auth.claims` in every Express
 * handler of the app; without it they are {@link JwtClaims}.
 *
 * @example
 * declare module 'sockguard/express' {
 *   interface RequestAuthRegistry {
 *     claims: { sub: string; scope: string; tenant: string }
 *   }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface RequestAuthRegistry {}

/** The claims type of `req.auth` in Express handlers: the registered one, or {@link JwtClaims}. */
export type RegisteredClaims = RequestAuthRegistry extends {
  readonly claims: infer TClaims extends JwtClaims
}
  ? TClaims
  : JwtClaims

declare global {
  // Express types a route handler's `req` as its own `Request`, whatever the middlewares before
  // it are typed as, and that `Request` extends this global interface: merging into it is the
  // only way `app.get(path, requireAuth(...), (req, res) => req.auth.claims)` sees `auth`
  // without a cast. `auth` is declared present because every handler mounted behind
  // `requireAuth` gets it; on a route without it, it is `undefined` at run time (docs/express.md).
  // This block needs no express types: without them it merges into nothing and is inert.
  // eslint-disable-next-line @typescript-eslint/no-namespace -- the global Express namespace
  namespace Express {
    interface Request {
      // Not the default: it is whatever the app merged into RequestAuthRegistry.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-arguments
      auth: RequestAuth<RegisteredClaims>
    }
  }
}

/**
 * A request that went through {@link requireAuth}, for handlers typed outside Express (plain
 * `node:http`, `connect`): `(req: AuthenticatedRequest, res) => req.auth.claims.sub`.
 */
export type AuthenticatedRequest<
  TClaims extends JwtClaims = RegisteredClaims,
  TRequest extends IncomingMessage = IncomingMessage,
> = TRequest & { readonly auth: RequestAuth<TClaims> }

/** The `next` of a connect-style stack (Express's `NextFunction` is one). */
export type NextFunctionLike = (error?: unknown) => void

/** A connect-style middleware over `node:http`; Express 4/5 and `connect` accept it as it is. */
export type HttpMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: NextFunctionLike,
) => void

/** The middleware made by {@link requireAuth}. */
export interface RequireAuthMiddleware<
  TClaims extends JwtClaims = JwtClaims,
> extends HttpMiddleware {
  /** The verifier behind the middleware; share it with `createGuard({ verifier })`. */
  readonly verifier: Verifier<TClaims>
}

/** The JSON body of every refusal: the sockguard code and its fixed message. */
export interface HttpAuthErrorBody {
  /** The sockguard code, or RFC 6750's `insufficient_scope` from {@link requireScope}. */
  readonly error: AuthErrorCode | 'insufficient_scope'
  /** Fixed human text; never the token. */
  readonly message: string
}

/** Options of {@link requireAuth} besides the verifier. */
export interface RequireAuthBaseOptions {
  /** The `realm` of the `WWW-Authenticate` challenge (printable ASCII); none when omitted. */
  readonly realm?: string
  /**
   * Where revocations are looked up: a revoked token is refused with `token_revoked`. Give it
   * the guard's store (`createGuard({ verifier, revocationStore })`) so that `guard.revoke()`
   * reaches HTTP routes too.
   */
  readonly revocationStore?: RevocationStore
  /**
   * What a request gets when the revocation store cannot answer (Redis down): `'fail-closed'`
   * refuses it with 503 `store_unavailable`; `'fail-open'` lets the token through without the
   * revocation check. The same choice as the guard's option of this name.
   * @defaultValue 'fail-closed'
   */
  readonly revocationCheck?: 'fail-closed' | 'fail-open'
  /**
   * Called for every refusal, to log it. It never sees the token: the `Authorization` header
   * has been removed from `req` by then. A throw from it is ignored.
   */
  readonly onFailure?: (error: AuthError, req: IncomingMessage) => void
  /**
   * The `Retry-After` of a 503 (`keys_unavailable`, `store_unavailable`), in ms, sent rounded up
   * to seconds.
   * @defaultValue 30000 (the default `cooldownMs` of a remote key set)
   */
  readonly retryAfterMs?: number
  /** Clock in ms since the epoch, for revocation checks (a test seam). @defaultValue Date.now */
  readonly now?: () => number
}

/** Options of {@link requireAuth}: a verifier (shared with the guard), or verifier options inline. */
export type RequireAuthOptions<TClaims extends JwtClaims = JwtClaims> = RequireAuthBaseOptions &
  ({ readonly verifier: Verifier<TClaims> } | (VerifierOptions & { readonly verifier?: never }))
