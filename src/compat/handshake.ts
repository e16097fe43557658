// The drop-in's handshake mode (`handshake: true`, for `io.use()`): socketio-jwt's token sources
// (`Authorization: Bearer`, the `token` query parameter) plus `auth.token`, the v3+ place.
import { bearerToken, stripToken, type ExtractOptions } from '../guard/extract-token.js'
import type { AnySocket } from '../guard/types.js'
import type { CompatSettings } from './options.js'
import { admit, type Admission } from './admit.js'
import type { TokenCheck } from './token-check.js'
import type { HandshakeAuthorizer } from './types.js'
import { UnauthorizedError, toUnauthorizedError } from './unauthorized-error.js'

interface Found {
  readonly token: unknown
  /** Removes the token from the handshake once used. */
  readonly strip: () => void
}

function bearer(socket: AnySocket): Found | undefined {
  const headers = socket.handshake.headers
  const header = headers.authorization
  if (typeof header !== 'string' || header === '') return undefined
  const parts = header.split(' ')
  if (parts.length !== 2) {
    throw new UnauthorizedError('credentials_bad_format', {
      message: 'Format is Authorization: Bearer [token]',
    })
  }
  // Another scheme (Basic...) is not ours: socketio-jwt ignored it.
  if (parts[0]?.toLowerCase() !== 'bearer') return undefined
  return { token: parts[1], strip: () => delete headers.authorization }
}

// How the guard strips a query token: from a copy of `query`, and from `url`, which repeats the
// query string and travels with the handshake too (fetchSockets(), cluster adapters).
const QUERY_TOKEN: ExtractOptions = Object.freeze({
  tokenFrom: Object.freeze(['query'] as const),
  cookieName: 'token',
  allowedOrigins: new Set<string>(),
})

/** Where the token is, in socketio-jwt's order with `auth.token` first. */
function findToken(socket: AnySocket, settings: CompatSettings): Found | undefined {
  const header = bearer(socket)
  if (settings.authHeaderRequired) {
    if (header === undefined)
      throw new UnauthorizedError('missing_authorization_header', {
        message: 'Server requires Authorization Header',
      })
    return header
  }
  const auth = socket.handshake.auth as Record<string, unknown>
  if (auth.token !== undefined && auth.token !== null && auth.token !== '') {
    const token =
      typeof auth.token === 'string' ? (bearerToken(auth.token) ?? auth.token) : auth.token
    return { token, strip: () => delete auth.token }
  }
  const query = socket.handshake.query as Record<string, unknown>
  if (query.token !== undefined && query.token !== '') {
    const strip = (): void => {
      stripToken(socket.handshake, QUERY_TOKEN)
    }
    return { token: query.token, strip }
  }
  return header
}

/** Makes the handshake middleware. */
export function handshakeAuthorizer(
  settings: CompatSettings,
  check: TokenCheck,
): HandshakeAuthorizer {
  return (socket, next) => {
    let settled = false
    const done = (error?: unknown): void => {
      if (settled) return
      settled = true
      next(error === undefined ? undefined : toUnauthorizedError(error))
    }
    let found: Found | undefined
    try {
      found = findToken(socket, settings)
    } catch (error) {
      done(error)
      return
    }
    if (found === undefined) {
      done(new UnauthorizedError('credentials_required', { message: 'no token provided' }))
      return
    }
    const { token, strip } = found
    if (typeof token !== 'string') {
      // A repeated query parameter arrives as an array; `auth` can carry any JSON.
      done(new UnauthorizedError('invalid_token', { message: 'jwt must be a string' }))
      return
    }
    const admission: Admission = {
      onAdmitted: () => {
        // The token must not travel on: fetchSockets() ships handshakes through cluster adapters.
        strip()
        done()
      },
      onRefused: done,
    }
    admit(socket, token, settings, check, admission)
  }
}
