// The check every token goes through, whatever brought it (a handshake, a post-connect
// `authenticate`, a refresh): verify, the revocation store, the app's `onAuthenticated`; and the
// commit point where an authenticated socket becomes reachable by revocation.
import { ClaimInvalidError, type AuthError } from '../errors.js'
import { isRevokedWithin } from '../revocation/is-revoked-within.js'
import type { RevocationLog } from '../revocation/revocation-log.js'
import { isThenable } from '../internal/is-thenable.js'
import { within } from '../internal/within.js'
import type { JwtClaims, VerifiedClaims } from '../verifier/types.js'
import { verifyNow } from '../verifier/verify-now.js'
import { guardError, revokedError, shuttingDownError, storeUnavailable } from './guard-errors.js'
import { sendUnauthorized, type Authenticated } from './live-session.js'
import type { NormalizedGuard } from './normalize-guard-options.js'
import type { SessionIndex } from './session-index.js'
import { authOf, sessionAuthOf } from './socket-auth.js'
import { bearerToken } from './extract-token.js'
import type { AnySocket, GuardSocket } from './types.js'

/** What the authenticator needs from its guard. */
export interface AuthenticatorOptions<TClaims extends JwtClaims> extends Pick<
  NormalizedGuard<TClaims>,
  'verifier' | 'store' | 'now' | 'revocationCheck' | 'onAuthenticated' | 'hookTimeoutMs'
> {
  /** True once the guard is closed. */
  readonly isClosed: () => boolean
  readonly log: RevocationLog
  readonly sessions: SessionIndex
}

/** The token check and commit point of one guard. */
export interface Authenticator {
  /**
   * Verifies a token, checks the store and runs `onAuthenticated`; for a refresh, `previous` are
   * the claims of the current token (same issuer and subject required).
   */
  readonly authenticate: (
    token: unknown,
    socket: AnySocket,
    previous?: JwtClaims,
  ) => Promise<Authenticated>
  /**
   * {@link Authenticator.authenticate}, answered in the calling tick when every step can be (a
   * key in memory, a synchronous revocation store, no `onAuthenticated`): the handshake then
   * needs no promise. Throws what the promise would reject with.
   */
  readonly authenticateNow: (
    token: unknown,
    socket: AnySocket,
    previous?: JwtClaims,
  ) => Authenticated | Promise<Authenticated>
  /**
   * The commit point of a socket whose `socket.data.auth` is set: it joins the session index
   * and is re-checked against the revocations learned since `mark`. False when it was revoked
   * meanwhile: it has then been told and disconnected.
   */
  readonly admit: (socket: AnySocket, mark: number) => boolean
  /**
   * The same authentication, still good after more awaiting (a `namespaces` rule): the guard
   * still open and nothing revoked since its mark.
   * @throws {AuthError} `token_revoked`, or `server_error` once the guard closed.
   */
  readonly recommit: (done: Authenticated) => Authenticated
  /** Tells a socket it is revoked and closes its connection. */
  readonly endRevoked: (socket: AnySocket) => void
  /**
   * At close: answers every authentication still pending with `server_error` at once, even one
   * whose `onAuthenticated` never settles (what that hook later returns is ignored).
   */
  readonly answerPending: () => void
}

function hookTimedOut(): never {
  throw new Error('onAuthenticated did not settle within hookTimeoutMs')
}

/** Makes the authenticator of one guard. */
export function createAuthenticator<TClaims extends JwtClaims>(
  options: AuthenticatorOptions<TClaims>,
): Authenticator {
  const {
    verifier,
    store,
    now,
    revocationCheck,
    onAuthenticated,
    hookTimeoutMs,
    isClosed,
    log,
    sessions,
  } = options

  /**
   * The revocation check: undefined when the store answered at once that the token is not
   * revoked, a promise when it answers asynchronously.
   * @throws {AuthError} `token_revoked`, or `store_unavailable` (fail-closed) at once.
   */
  const checkRevoked = (claims: JwtClaims): Promise<void> | undefined => {
    const failed = (error: unknown): void => {
      if (revocationCheck === 'fail-open') return
      throw storeUnavailable(error)
    }
    let revoked: boolean | Promise<boolean>
    try {
      revoked = isRevokedWithin(store, claims, now())
    } catch (error) {
      failed(error)
      return undefined
    }
    if (typeof revoked === 'boolean') {
      if (revoked) throw revokedError()
      return undefined
    }
    return Promise.resolve(revoked).then((yes) => {
      if (yes) throw revokedError()
    }, failed)
  }

  const endRevoked = (socket: AnySocket): void => {
    if (!socket.connected) return
    const { code, message } = revokedError()
    sendUnauthorized(socket, { code, message })
    socket.disconnect(true)
  }

  // The pending authentications' reject functions, each removed when it settles (not a race with
  // one long-lived `closing` promise: every race would leave a reaction on it, pinning the socket
  // and its namespace for the guard's lifetime).
  const pending = new Set<(error: AuthError) => void>()

  /** `work`, answered with `server_error` at once should the guard close first. */
  const pend = <T>(work: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      pending.add(reject)
      work.then(resolve, reject).finally(() => pending.delete(reject))
    })

  // A verifier closed under a handshake is the shutdown, not a forged token.
  const closedOr = (error: unknown): never => {
    throw isClosed() ? shuttingDownError() : error
  }

  /** The last step: the guard still open, and no revocation learned since `mark`. */
  const commit = (claims: JwtClaims, expiresAt: number | null, mark: number): Authenticated => {
    if (isClosed()) throw shuttingDownError()
    if (log.revokedSince(claims, mark) === true) throw revokedError()
    return { auth: Object.freeze({ claims, expiresAt }), mark }
  }

  const afterVerify = (
    verified: VerifiedClaims<TClaims>,
    socket: AnySocket,
    previous: JwtClaims | undefined,
    mark: number,
  ): Authenticated | Promise<Authenticated> => {
    const { claims, expiresAt } = verified
    // A refresh renews the same identity, an issuer's subject: another's token is refused
    // before the store is asked and before `onAuthenticated` could load another user onto
    // this socket. Without a subject on either side there is no identity to compare.
    if (previous !== undefined) {
      // An empty `sub` is no subject either (the verifier refuses it already).
      if (
        typeof previous.sub !== 'string' ||
        typeof claims.sub !== 'string' ||
        previous.sub === '' ||
        claims.sub === ''
      )
        throw new ClaimInvalidError('sub', 'A refresh needs tokens with a subject.')
      if (claims.sub !== previous.sub || claims.iss !== previous.iss)
        throw new ClaimInvalidError('sub', 'A refreshed token must be for the same subject.')
    }
    const revocation = checkRevoked(claims)
    // Nothing to wait for (a synchronous store, no hook): done in this tick.
    if (revocation === undefined && onAuthenticated === undefined)
      return commit(claims, expiresAt, mark)
    return (async () => {
      await revocation
      try {
        const loading: unknown = onAuthenticated?.(claims, socket as GuardSocket<TClaims>)
        // Bounded: a hook whose database never answers must not hold the handshake open.
        if (isThenable(loading)) await within(loading, hookTimeoutMs, () => hookTimedOut())
      } catch (error) {
        // An AuthError is the app's refusal and keeps its code; anything else is its bug or its
        // database, and its message stays off the wire.
        throw guardError(error)
      }
      return commit(claims, expiresAt, mark)
    })()
  }

  const authenticateNow = (
    token: unknown,
    socket: AnySocket,
    previous?: JwtClaims,
  ): Authenticated | Promise<Authenticated> => {
    // Before the store is asked: what it cannot answer yet, the log will (see `admit`).
    const mark = log.mark()
    if (typeof token === 'string') token = bearerToken(token) ?? token
    if (isClosed()) throw shuttingDownError()
    let verified: VerifiedClaims<TClaims> | Promise<VerifiedClaims<TClaims>>
    try {
      verified = verifyNow(verifier, token)
    } catch (error) {
      return closedOr(error)
    }
    if (verified instanceof Promise) {
      return pend(verified.then((result) => afterVerify(result, socket, previous, mark), closedOr))
    }
    const done = afterVerify(verified, socket, previous, mark)
    return done instanceof Promise ? pend(done) : done
  }

  return {
    authenticateNow,

    recommit: (done) => commit(done.auth.claims, done.auth.expiresAt, done.mark),

    authenticate: (token, socket, previous) => {
      try {
        const result = authenticateNow(token, socket, previous)
        return result instanceof Promise ? result : Promise.resolve(result)
      } catch (error) {
        return Promise.reject(guardError(error))
      }
    },

    answerPending() {
      for (const reject of pending) reject(shuttingDownError())
      pending.clear()
    },

    admit(socket, mark) {
      const auth = sessionAuthOf(socket)
      // A guest holds no token: nothing to revoke, nothing to index.
      if (auth === null) return true
      sessions.add(socket)
      const revoked = log.revokedSince(auth.claims, mark)
      if (revoked === true) {
        endRevoked(socket)
        return false
      }
      if (revoked === undefined) {
        // In flight longer than the log reaches back: the store answers instead (rare).
        Promise.resolve(store.isRevoked(auth.claims, now())).then(
          (yes) => {
            if (yes && authOf(socket) === auth) endRevoked(socket)
          },
          () => undefined,
        )
      }
      return true
    },

    endRevoked,
  }
}
