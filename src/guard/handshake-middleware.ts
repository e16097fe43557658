// The guard's Socket.IO middleware: in handshake mode it verifies the handshake's token before
// the socket connects (or admits a guest where guests are allowed) and checks the namespace's
// rule; in post-connect mode it only takes any token off the handshake (the token comes later,
// by `authenticate`).
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
import type { Authenticated } from './live-session.js'
import type { NormalizedGuard } from './normalize-guard-options.js'
import type { RateLimitCheck } from './rate-limit-check.js'
import { authOf, setAuth } from './socket-auth.js'
import type { AnyNamespace, AnyServer, AnySocket, GuardMiddleware } from './types.js'

type Next = Parameters<GuardMiddleware>[1]

/** A handshake's outcome: an authenticated token, or null for a guest. */
type Admitted = Authenticated | null

/** What the middleware needs from its guard. */
export interface HandshakeMiddlewareOptions extends Pick<
  NormalizedGuard<JwtClaims>,
  'mode' | 'extract' | 'namespacePolicy'
> {
  /** Hooks the socket's namespace (connection listener, recovery), once per namespace. */
  readonly hook: (nsp: AnyNamespace) => void
  /** Throws where the middleware alone cannot guard the server (recovery without attach). */
  readonly assertSafe: (server: AnyServer) => void
  readonly isClosed: () => boolean
  readonly authenticateNow: Authenticator['authenticateNow']
  readonly recommit: Authenticator['recommit']
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
    assertSafe,
    isClosed,
    authenticateNow,
    recommit,
    rateLimit,
    reportFailure,
    marks,
  } = options
  // Without a limiter nothing is awaited before the token is checked.
  const limited = rateLimit.limited

  /** Refuses the handshake: every failure ends here, once. */
  const refuse = (socket: AnySocket, next: Next, error: unknown): void => {
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

  /** `admitted` once the namespace's rule allows its claims (null for a guest). */
  const inNamespace = (socket: AnySocket, admitted: Admitted): Admitted | Promise<Admitted> => {
    const rule = namespaces.check(admitted === null ? null : admitted.auth.claims, socket.nsp)
    // A revocation learned while the rule ran refuses the handshake here, before the socket
    // connects and the app's `connection` listeners run.
    return rule === undefined
      ? admitted
      : rule.then(() => (admitted === null ? null : recommit(admitted)))
  }

  /** Reads and removes the token, and checks it: at once when nothing needs waiting for. */
  const check = (socket: AnySocket): Admitted | Promise<Admitted> => {
    const handshake = socket.handshake as unknown as HandshakeLike
    const found = tokenOf(socket, handshake)
    // A guest: nothing to verify or revoke; the namespace's rule sees null claims.
    if (found === null) return inNamespace(socket, null)
    // Before `onAuthenticated` (and any log line of the app's) sees the socket.
    stripToken(handshake, extract)
    const authenticated = authenticateNow(found.token, socket)
    return authenticated instanceof Promise
      ? authenticated.then((done) => inNamespace(socket, done))
      : inNamespace(socket, authenticated)
  }

  /** Sets `socket.data.auth`; Socket.IO connects the socket a tick later, at the commit point. */
  const accept = (socket: AnySocket, admitted: Admitted): void => {
    // Only an attempt the limiter admitted holds a slot to free.
    if (limited) rateLimit.release(socket)
    if (admitted === null) {
      setAuth(socket, null)
      return
    }
    setAuth(socket, admitted.auth)
    // The connection listener re-checks from the mark.
    marks.set(socket, admitted.mark)
  }

  return (socket, next) => {
    let result: Admitted | Promise<Admitted> | undefined
    try {
      assertSafe(socket.nsp.server)
      hook(socket.nsp)
      if (isClosed()) throw shuttingDownError()
      if (mode === 'post-connect') {
        // The token comes later, by `authenticate`; one sent in the handshake anyway must not
        // stay there (it would travel in fetchSockets()).
        stripToken(socket.handshake, extract)
      } else if (socket.recovered && authOf(socket) !== undefined) {
        // A restored session (`skipMiddlewares: false`) keeps the token it had, checked when the
        // adapter restored it and again at `connection`, as when the middlewares are skipped:
        // the reconnect's token must not swap the identity (a refresh insists on the same one).
        stripToken(socket.handshake, extract)
      } else if (limited) {
        result = rateLimit.checkLimit(socket).then(() => check(socket))
      } else {
        result = check(socket)
      }
    } catch (error) {
      refuse(socket, next, error)
      return
    }
    if (result === undefined) {
      next()
    } else if (result instanceof Promise) {
      result.then(
        (admitted) => {
          accept(socket, admitted)
          next()
        },
        (error: unknown) => {
          refuse(socket, next, error)
        },
      )
    } else {
      // `next` runs the app's own middlewares at once: outside the try, so that a throw of
      // theirs is not taken for a refusal of the token.
      accept(socket, result)
      next()
    }
  }
}
