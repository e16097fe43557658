// @Claims(): the verified claims (or one of them) as a handler parameter, on sockets and HTTP.
import { createParamDecorator, type ExecutionContext } from '@nestjs/common'
import { captureRefusal } from '../express/run-middleware.js'
import type { SocketAuth } from '../guard/types.js'
import type { JwtClaims } from '../verifier/types.js'
import { SockguardRefusalException } from './refusal-exception.js'

/** The claims of the call: the socket's current ones, or those requireAuth left on the request. */
function claimsOf(execution: ExecutionContext): JwtClaims | undefined {
  if (execution.getType() === 'ws')
    return execution.switchToWs().getClient<{ data?: { auth?: SocketAuth } }>().data?.auth?.claims
  const request = execution.switchToHttp().getRequest<{ auth?: SocketAuth; raw?: unknown }>()
  const raw = request.raw as { auth?: SocketAuth } | undefined
  return (request.auth ?? raw?.auth)?.claims
}

const unauthenticated = captureRefusal({
  status: 401,
  body: { error: 'token_missing', message: 'No token was sent.' },
  challenge: {},
})

const claimsParameter = createParamDecorator(
  (name: string | undefined, execution: ExecutionContext): unknown => {
    const claims = claimsOf(execution)
    // Not authenticated (an HTTP route without @RequireAuth, a socket outside the adapter):
    // refused rather than a handler running with `undefined` claims.
    if (claims === undefined)
      throw new SockguardRefusalException(
        execution.getType() === 'ws' ? undefined : unauthenticated,
      )
    if (name === undefined) return claims
    // Own members only: `claims.toString` is no claim.
    return Object.hasOwn(claims, name) ? claims[name] : undefined
  },
)

/**
 * The verified claims of the caller as a parameter: `@Claims() claims: AppClaims`, or one claim,
 * `@Claims('sub') sub: string`. On a gateway handler they are the socket's current claims (after
 * an in-band refresh, the new token's); on a controller route, those of the request's bearer
 * token, which needs `@RequireAuth()` (or `@RequireScope`, `@RequireClaim`) on the route or its
 * class. Without claims the call is refused (`forbidden` on a socket, 401 on HTTP when the
 * route has one of those decorators, whose filter answers it).
 *
 * @example
 * @SubscribeMessage('whoami') whoami(@Claims('sub') sub: string) { return sub }
 */
export function Claims(name?: string): ParameterDecorator {
  return name === undefined ? claimsParameter() : claimsParameter(name)
}
