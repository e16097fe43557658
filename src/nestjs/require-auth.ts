// @RequireAuth: authenticated, nothing more.
import { requirementDecorator, type ClassOrMethodDecorator } from './requirement-decorator.js'

/**
 * Requires an authenticated caller, on a controller route or class (HTTP: the bearer token is
 * verified as sockguard/express's requireAuth does, refusals per RFC 6750, and `@Claims()` gets
 * its claims) or a gateway handler (sockets are authenticated at the handshake already; a socket
 * without claims is answered `forbidden`).
 *
 * @example
 * @Controller('me') @RequireAuth()
 * class MeController { @Get() me(@Claims('sub') sub: string) { return { sub } } }
 */
export function RequireAuth(): ClassOrMethodDecorator {
  return requirementDecorator({ kind: 'auth' })
}
