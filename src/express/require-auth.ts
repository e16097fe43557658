// requireAuth: the HTTP side of sockguard. Verifies the bearer token of each request with the
// same verifier as the Socket.IO guard, sets `req.auth`, and answers refusals per RFC 6750 §3.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { AuthError, isAuthError } from '../errors.js'
import { ignoreRejection } from '../internal/ignore-rejection.js'
import { toAuthError } from '../internal/wire-error.js'
import { isRevokedWithin } from '../revocation/is-revoked-within.js'
import type { JwtClaims } from '../verifier/types.js'
import { normalizeAuthOptions } from './normalize-auth-options.js'
import { readBearer, stripAuthorization } from './read-bearer.js'
import { sendRefusal, type Refusal } from './send-refusal.js'
import type {
  NextFunctionLike,
  RequestAuth,
  RequireAuthMiddleware,
  RequireAuthOptions,
} from './types.js'

/**
 * Creates the middleware that requires a valid `Authorization: Bearer <token>` header: it sets
 * `req.auth = { claims, expiresAt }` and calls `next()`, or ends the request with a refusal
 * and a JSON body `{ error: code, message }`: 401 with a Bearer challenge (`error="invalid_token"`
 * when a token was refused; none when there was no token), 400 `invalid_request` for a malformed
 * header, 503 with `Retry-After` for `keys_unavailable`, `store_unavailable` and `server_error`. It never passes a refused request on.
 *
 * Works in Express 4 and 5, `connect` and plain `node:http`: it only uses `req.headers`,
 * `res.statusCode`, `res.setHeader` and `res.end`.
 *
 * @throws {InvalidOptionError} for a bad option, including every verifier option error.
 *
 * @example
 * const verifier = createVerifier({ jwksUri, issuer, audience, algorithms: ['RS256'] })
 * app.get('/api/me', requireAuth({ verifier }), (req, res) => res.json(req.auth.claims))
 */
export function requireAuth<TClaims extends JwtClaims = JwtClaims>(
  options: RequireAuthOptions<TClaims>,
): RequireAuthMiddleware<TClaims> {
  const { verifier, realm, store, revocationCheck, onFailure, retryAfterSeconds, now } =
    normalizeAuthOptions(options)

  const isRevoked = async (claims: JwtClaims): Promise<boolean> => {
    if (store === undefined) return false
    try {
      return await isRevokedWithin(store, claims, now())
    } catch (error) {
      if (revocationCheck === 'fail-open') return false
      // The guard's code and message for the same failure.
      if (isAuthError(error) && error.code === 'store_unavailable') throw error
      throw new AuthError('store_unavailable', 'The revocation store could not be reached.', {
        cause: error,
      })
    }
  }

  const authenticate = async (token: string): Promise<RequestAuth<TClaims>> => {
    const { claims, expiresAt } = await verifier.verify(token)
    if (await isRevoked(claims)) throw new AuthError('token_revoked', 'The token has been revoked.')
    return Object.freeze({ claims, expiresAt })
  }

  const refusalOf = (error: AuthError, malformedHeader: boolean): Refusal => {
    const body = { error: error.code, message: error.message }
    if (malformedHeader) {
      // RFC 6750 §3.1: a malformed request (here: not one Bearer token in one header) is
      // `invalid_request`, 400; retrying with a fresh token would not help.
      return {
        status: 400,
        body,
        challenge: { realm, error: 'invalid_request', errorDescription: error.message },
      }
    }
    // §3.1: a request without credentials gets the challenge alone, no error attribute.
    if (error.code === 'token_missing') return { status: 401, body, challenge: { realm } }
    // The identity provider's keys or the revocation store could not be had, or the server failed
    // (a getKey that threw): not the client's fault, and a 401 would make it throw away a good
    // token.
    if (
      error.code === 'keys_unavailable' ||
      error.code === 'store_unavailable' ||
      error.code === 'server_error'
    )
      return { status: 503, body, retryAfterSeconds }
    return {
      status: 401,
      body,
      challenge: { realm, error: 'invalid_token', errorDescription: error.message },
    }
  }

  const refuse = (
    req: IncomingMessage,
    res: ServerResponse,
    error: unknown,
    malformedHeader = false,
  ): void => {
    // Anything uncoded (a bug) is refused as `token_invalid` with a fixed message.
    const coded = toAuthError(error)
    try {
      stripAuthorization(req)
      // An async hook (a log sink that is down) rejects instead of throwing: handled alike.
      ignoreRejection(onFailure?.(coded, req))
    } catch {
      // A logging hook must not turn a refusal into a crash or a hung request.
    }
    try {
      sendRefusal(res, refusalOf(coded, malformedHeader))
    } catch {
      res.destroy()
    }
  }

  const middleware = function sockguardRequireAuth(
    req: IncomingMessage,
    res: ServerResponse,
    next: NextFunctionLike,
  ): void {
    const header = readBearer(req)
    if (header.kind === 'missing') {
      refuse(req, res, new AuthError('token_missing', 'No token was sent.'))
      return
    }
    if (header.kind === 'malformed') {
      const message = 'The Authorization header must carry exactly one Bearer token.'
      refuse(req, res, new AuthError('token_malformed', message), true)
      return
    }
    authenticate(header.token)
      .then(
        (auth) => {
          ;(req as IncomingMessage & { auth?: RequestAuth<TClaims> }).auth = auth
          next()
        },
        (error: unknown) => {
          refuse(req, res, error)
        },
      )
      .catch(rethrowOutsidePromise)
  }

  return Object.freeze(Object.assign(middleware, { verifier }))
}

// Only `next()` can throw here (`refuse` never does): a stack that does not catch its own
// handlers' errors. Thrown from a microtask, the error surfaces exactly as it would from a
// synchronous middleware, instead of as an unhandled rejection that seems to be sockguard's.
function rethrowOutsidePromise(error: unknown): void {
  queueMicrotask(() => {
    throw error
  })
}
