// The guard's Socket.IO middleware: in handshake mode it verifies the handshake's token before
// the socket connects; in post-connect mode it only takes any token off the handshake (the token
// comes later, by `authenticate`).
import { isAuthError, type AuthError } from '../errors.js'
import { connectError } from '../internal/wire-error.js'
import type { JwtClaims } from '../verifier/types.js'
import type { Authenticator } from './authenticate.js'
import {
  credentialSent,
  extractToken,
  stripToken,
  type FoundToken,
  type HandshakeLike,
} from './extract-token.js'
import { guardError, shuttingDownError } from './guard-errors.js'
import type { NormalizedGuard } from './normalize-guard-options.js'
import type { RateLimitCheck } from './rate-limit-check.js'
import { setAuth } from './socket-auth.js'
import type { AnyNamespace, AnySocket, GuardMiddleware } from './types.js'

/** What the middleware needs from its guard. */
export interface HandshakeMiddlewareOptions extends Pick<
  NormalizedGuard<JwtClaims>,
  'mode' | 'extract' | 'namespacePolicy'
> {
  /** Hooks the socket's namespace (connection listener, recovery), once per namespace. */
  readonly hook: (nsp: AnyNamespace) => void
  readonly isClosed: () => boolean
  readonly authenticate: Authenticator['authenticate']
  readonly rateLimit: RateLimitCheck
  readonly reportFailure: (error: AuthError, socket: AnySocket) => void
  /** Each authenticated handshake's revocation-log mark, for its `connection` commit point. */
  readonly marks: WeakMap<AnySocket, number>
}

/** Makes the guard's middleware. */
export function createHandshakeMiddleware(options: HandshakeMiddlewareOptions): GuardMiddleware {
  const {
    mode,
    extract,
    namespacePolicy: namespaces,
    hook,
    isClosed,
    authenticate,
    rateLimit,
    reportFailure,
    marks,
  } = options

  /**
   * The handshake's token, or null for a guest: no token and nothing in a token's place, where
   * guests are allowed. A token that is sent is never downgraded to a guest.
   */
  const tokenOf = (socket: AnySocket, handshake: HandshakeLike): FoundToken | null => {
    try {
      return extractToken(handshake, extract)
    } catch (error) {
      if (
        isAuthError(error) &&
        error.code === 'token_missing' &&
        namespaces.guestsAllowed(socket.nsp) &&
        !credentialSent(handshake, extract)
      )
        return null
      throw error
    }
  }

  return (socket, next) => {
    let settled = false
    const done = (error?: unknown): void => {
      if (settled) return
      settled = true
      if (error === undefined) {
        rateLimit.release(socket)
        next()
        return
      }
      const coded = guardError(error)
      try {
        // A refused token is still a credential (another audience, a refresh later): the hook,
        // which apps use to log the socket, must not see it.
        stripToken(socket.handshake, extract)
        reportFailure(coded, socket)
        rateLimit.countFailure(socket, coded)
      } catch {
        // Nothing here may turn a refusal into a hang and a crash.
      }
      next(connectError(coded))
    }
    try {
      hook(socket.nsp)
      if (isClosed()) throw shuttingDownError()
      if (mode === 'post-connect') {
        // The token comes later, by `authenticate`; one sent in the handshake anyway must not
        // stay there (it would travel in fetchSockets()).
        stripToken(socket.handshake, extract)
        done()
        return
      }
      const handshake = socket.handshake as unknown as HandshakeLike
      const run = async (): Promise<void> => {
        await rateLimit.checkLimit(socket)
        const found = tokenOf(socket, handshake)
        if (found === null) {
          // A guest: nothing to verify or revoke; the namespace's rule sees null claims.
          await namespaces.check(null, socket.nsp)
          setAuth(socket, null)
          return
        }
        // Before `onAuthenticated` (and any log line of the app's) sees the socket.
        stripToken(handshake, extract)
        const { auth, mark } = await authenticate(found.token, socket)
        await namespaces.check(auth.claims, socket.nsp)
        setAuth(socket, auth)
        // Socket.IO connects it a tick later: the connection listener re-checks from the mark.
        marks.set(socket, mark)
      }
      run().then(() => {
        done()
      }, done)
    } catch (error) {
      done(error)
    }
  }
}
