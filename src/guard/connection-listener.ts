// The guard's `connection` listener, prepended before the app's own: the commit point of a
// handshake (the socket becomes reachable by revocation), the re-check of a recovered socket,
// and the start of its live session, or of the post-connect flow.
import { AuthError } from '../errors.js'
import type { RevocationLog } from '../revocation/revocation-log.js'
import type { JwtClaims } from '../verifier/types.js'
import type { Authenticator } from './authenticate.js'
import { stripToken } from './extract-token.js'
import { guardError } from './guard-errors.js'
import { rejectSocket } from './live-session.js'
import type { NormalizedGuard } from './normalize-guard-options.js'
import type { Recovery } from './recovery.js'
import { authOf } from './socket-auth.js'
import type { AnySocket } from './types.js'

/** What the listener needs from its guard. */
export interface ConnectionListenerOptions extends Pick<
  NormalizedGuard<JwtClaims>,
  'mode' | 'extract'
> {
  readonly isClosed: () => boolean
  readonly log: RevocationLog
  /** Each authenticated handshake's revocation-log mark (set by the middleware). */
  readonly marks: WeakMap<AnySocket, number>
  readonly admit: Authenticator['admit']
  readonly recovery: Recovery
  /** Starts the live session of an authenticated socket. */
  readonly startSession: (socket: AnySocket) => void
  /** Starts the post-connect flow of a socket that has not authenticated yet. */
  readonly startPostConnect: (socket: AnySocket) => void
  /** True when sockets of `nsp` may be guests. */
  readonly guestsAllowed: (nsp: AnySocket['nsp']) => boolean
}

/** Makes the guard's `connection` listener. */
export function createConnectionListener(
  options: ConnectionListenerOptions,
): (socket: AnySocket) => void {
  const {
    mode,
    extract,
    isClosed,
    log,
    marks,
    admit,
    recovery,
    startSession,
    startPostConnect,
    guestsAllowed,
  } = options

  return (socket) => {
    if (isClosed()) return
    try {
      const auth = authOf(socket)
      // A recovered post-connect socket already authenticated: it is re-checked like any other
      // recovered socket below instead of having to authenticate again.
      if (mode === 'post-connect' && !(socket.recovered && auth !== undefined)) {
        startPostConnect(socket)
        return
      }
      if (auth === undefined || (auth === null && !guestsAllowed(socket.nsp))) {
        // Only a socket that skipped the middleware gets here (e.g. registered after connect),
        // or a guest's session recovered where guests are no longer allowed.
        rejectSocket(socket, new AuthError('token_missing', 'No token was sent.'))
        return
      }
      if (auth === null) {
        // A guest: nothing to revoke; its session waits for an `authenticate`.
        if (socket.recovered) stripToken(socket.handshake, extract)
        startSession(socket)
        return
      }
      // The commit point of a handshake: from here revocation finds the socket. A recovered
      // socket is reachable from its mark on, and re-checked against the store below.
      const mark = marks.get(socket) ?? log.mark()
      marks.delete(socket)
      if (!admit(socket, mark)) return
      if (socket.recovered) {
        // connectionStateRecovery skips middlewares on reconnect: re-check what was restored.
        stripToken(socket.handshake, extract)
        if (!recovery.recheck(socket, auth)) return
      }
      startSession(socket)
    } catch (error) {
      rejectSocket(socket, guardError(error))
    }
  }
}
