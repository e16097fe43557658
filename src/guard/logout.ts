// Client-initiated logout: the event `auth:logout` on a live socket ends its session with
// `unauthorized` `{ code: 'logged_out' }` and a disconnect; with `revokeOnLogout` the token is
// first revoked everywhere (its provider session `sid` when it has one, else its `jti`).
import { AuthError } from '../errors.js'
import type { RevocationTarget } from '../revocation/revocation-store.js'
import { guardError } from './guard-errors.js'
import { rejectSocket } from './live-session.js'
import { authOf } from './socket-auth.js'
import type { AnySocket, SocketAuth } from './types.js'

/** The event a client emits to log out. */
export const LOGOUT_EVENT = 'auth:logout'

/**
 * The ack of `auth:logout`. `{ ok: true }`: the socket's session is ended (`unauthorized`
 * `logged_out` and the disconnect follow the ack). With `revokeOnLogout`, `revoked` says what was
 * revoked everywhere: `'sid'` (every token of the provider session), `'jti'` (this token), or
 * `null` (the token has neither claim: nothing beyond this socket could be revoked). `{ ok: false,
 * code: 'store_unavailable' }`: the session is ended all the same, and this node's sockets of the
 * token too, but the revocation could not be stored (other nodes were still told).
 */
export type LogoutAck =
  | { ok: true; revoked?: 'sid' | 'jti' | null }
  | { ok: false; code: 'store_unavailable' | 'server_error'; message: string }

/** What the logout handler needs from its guard. */
export interface LogoutOptions {
  readonly revokeOnLogout: boolean
  /** `guard.revoke()`. */
  readonly revoke: (target: RevocationTarget) => Promise<void>
  /** Reports a failed revocation (onFailure hook). */
  readonly reportFailure: (error: AuthError, socket: AnySocket) => void
}

/** The logout machinery of one guard. */
export interface Logout {
  /** Hears `auth:logout` on a socket whose live session starts. */
  readonly start: (socket: AnySocket) => void
  /**
   * True while the socket's own logout revokes its token: the revocation must not end it with
   * `token_revoked`, its end is `logged_out`.
   */
  readonly isLoggingOut: (socket: AnySocket) => boolean
}

// The latest time a Date can hold (year 275760). A verified `exp` may be far larger (`1e306` is a
// number; in ms it is Infinity), and a revocation must still be kept for as long as the token
// lives: capped here, it is kept for ever in any practical sense.
const LATEST_MS = 8.64e15

/** What a logout with `revokeOnLogout` revokes for this token, or undefined for nothing. */
function targetOf(auth: SocketAuth): RevocationTarget | undefined {
  const { sid, jti } = auth.claims
  // An empty `iss` names no issuer (and `revoke` refuses it): the id is revoked from any issuer,
  // which over-revokes on the safe side.
  const iss =
    typeof auth.claims.iss === 'string' && auth.claims.iss !== '' ? auth.claims.iss : undefined
  if (typeof sid === 'string' && sid !== '') return iss === undefined ? { sid } : { sid, iss }
  if (typeof jti === 'string' && jti !== '') {
    const expiresAt = auth.expiresAt === null ? undefined : Math.min(auth.expiresAt, LATEST_MS)
    return {
      jti,
      ...(iss === undefined ? {} : { iss }),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    }
  }
  return undefined
}

function loggedOut(): AuthError {
  return new AuthError('logged_out', 'The session has ended: logged out.')
}

/** Makes the logout handler of one guard. */
export function createLogout(options: LogoutOptions): Logout {
  const { revokeOnLogout, revoke, reportFailure } = options
  // The logout in progress of each socket: a second `auth:logout` gets the same answer.
  const running = new WeakMap<AnySocket, Promise<LogoutAck>>()
  // Marked before the revocation starts (it ends this node's matching sockets synchronously).
  const leaving = new WeakSet<AnySocket>()

  const logOut = async (socket: AnySocket, auth: SocketAuth | null): Promise<LogoutAck> => {
    if (!revokeOnLogout) return { ok: true }
    // A guest holds no token: its logout only ends the socket.
    if (auth === null) return { ok: true, revoked: null }
    const target = targetOf(auth)
    if (target === undefined) return { ok: true, revoked: null }
    try {
      await revoke(target)
      return { ok: true, revoked: typeof target.sid === 'string' ? 'sid' : 'jti' }
    } catch (error) {
      const coded = guardError(error)
      reportFailure(coded, socket)
      const code = coded.code === 'store_unavailable' ? 'store_unavailable' : 'server_error'
      return { ok: false, code, message: coded.message }
    }
  }

  const handle = (socket: AnySocket, args: readonly unknown[]): void => {
    const last = args[args.length - 1]
    const reply = typeof last === 'function' ? (last as (ack: LogoutAck) => void) : undefined
    const auth = authOf(socket)
    if (!socket.connected || auth === undefined) return
    let ending = running.get(socket)
    if (ending === undefined) {
      leaving.add(socket)
      ending = logOut(socket, auth)
      running.set(socket, ending)
      void ending.then(() => {
        // The ack (queued first, below) goes before `unauthorized`, then the disconnect.
        queueMicrotask(() => {
          rejectSocket(socket, loggedOut())
        })
      })
    }
    void ending.then((ack) => {
      if (socket.connected) reply?.(ack)
    })
  }
  // Shared by every socket (`this` is the socket).
  function onLogout(this: AnySocket, ...args: unknown[]): void {
    handle(this, args)
  }

  return {
    start(socket) {
      socket.on(LOGOUT_EVENT, onLogout)
    },
    isLoggingOut: (socket) => leaving.has(socket),
  }
}
