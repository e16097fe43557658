// requireScope: the HTTP per-route scope check behind requireAuth, answering 403
// `insufficient_scope` with the scopes needed (RFC 6750 §3.1).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { scopesOf } from '../authorize/rules.js'
import { InvalidOptionError } from '../errors.js'
import type { JwtClaims } from '../verifier/types.js'
import { stripAuthorization } from './read-bearer.js'
import { sendRefusal } from './send-refusal.js'
import type { HttpMiddleware, NextFunctionLike } from './types.js'

// RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and `\`, so that the list can be
// written into the challenge's `scope` attribute as it is.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/** The verified claims `requireAuth` left on `req`, or undefined when it did not run. */
function claimsOf(req: IncomingMessage): JwtClaims | undefined {
  const auth: unknown = (req as IncomingMessage & { auth?: unknown }).auth
  if (typeof auth !== 'object' || auth === null) return undefined
  const claims: unknown = (auth as { claims?: unknown }).claims
  return typeof claims === 'object' && claims !== null ? (claims as JwtClaims) : undefined
}

/**
 * Creates the middleware that lets a request through when its token grants every one of
 * `scopes` (from the `scope` claim, space-separated, or `scp`, an array). Mount it after
 * {@link requireAuth}. Otherwise it answers 403 with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="<scopes>"` and the body
 * `{ error: 'insufficient_scope', message }`; without `req.auth` (no `requireAuth` before it)
 * it answers 401 `token_missing`.
 *
 * @throws {InvalidOptionError} (`scopes`) when no scope is given or one is not a scope token.
 *
 * @example
 * app.delete('/api/users/:id', requireAuth({ verifier }), requireScope('admin'), handler)
 */
export function requireScope(...scopes: [string, ...string[]]): HttpMiddleware {
  const needed: readonly string[] = Object.freeze([...(scopes as unknown[])]) as readonly string[]
  if (needed.length === 0 || !needed.every((s) => typeof s === 'string' && SCOPE_TOKEN.test(s)))
    throw new InvalidOptionError('scopes', 'must be one or more scope names (RFC 6749 §3.3)')
  const scopeAttribute = needed.join(' ')

  return function sockguardRequireScope(
    req: IncomingMessage,
    res: ServerResponse,
    next: NextFunctionLike,
  ): void {
    try {
      const claims = claimsOf(req)
      if (claims === undefined) {
        // Mounted without requireAuth (or after a failed one that did not end the request):
        // refuse as unauthenticated rather than crash or let it through.
        stripAuthorization(req)
        sendRefusal(res, {
          status: 401,
          body: { error: 'token_missing', message: 'No token was sent.' },
          challenge: {},
        })
        return
      }
      const granted = scopesOf(claims)
      if (!needed.every((scope) => granted.has(scope))) {
        sendRefusal(res, {
          status: 403,
          body: {
            error: 'insufficient_scope',
            message: 'The token does not grant the scopes this resource requires.',
          },
          challenge: { error: 'insufficient_scope', scope: scopeAttribute },
        })
        return
      }
    } catch {
      res.destroy()
      return
    }
    next()
  }
}
