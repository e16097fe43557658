// Connection-state recovery under the guard. Socket.IO skips the middlewares when it restores a
// session, so the token kept in it is checked again here, once, by one rule: not expired, not
// revoked (a store that cannot answer: `revocationCheck`). It is applied twice: before the
// adapter hands a stored session back, and to the recovered socket when it connects.
import type { AuthError } from '../errors.js'
import { filterRestoredSessions, type StoredSession } from '../internal/socket-io-private.js'
import { isRevokedWithin } from '../revocation/is-revoked-within.js'
import type { RoomEngine } from '../rooms/room-engine.js'
import type { JwtClaims } from '../verifier/types.js'
import { expiredError, revokedError, storeUnavailable } from './guard-errors.js'
import { rejectSocket } from './live-session.js'
import { awaySinceOf, limitReplay, offsetTime } from './recovery-offsets.js'
import type { NormalizedGuard } from './normalize-guard-options.js'
import { authOfData } from './socket-auth.js'
import type { AnyNamespace, AnySocket, SocketAuth } from './types.js'

/** What recovery needs from its guard. */
export interface RecoveryOptions extends Pick<
  NormalizedGuard<JwtClaims>,
  'now' | 'clockToleranceMs' | 'store' | 'revocationCheck' | 'namespacePolicy'
> {
  /** True once the guard is closed. */
  readonly isClosed: () => boolean
  /** Reports a refusal (onFailure hook). */
  readonly reportFailure: (error: AuthError, socket: AnySocket) => void
  /** Room authorization, when the guard has it: the restored rooms are checked too. */
  readonly rooms?: RoomEngine | undefined
  /**
   * True when a `guard.recheck` matching `claims` was made after `since` (ms, the real clock): the
   * rules may have denied the session rooms while it was away.
   */
  readonly recheckedSince?: (claims: JwtClaims, since: number) => boolean
  /** True when the session's fresh-token deadline (`guard.recheck`) passed without one. */
  readonly overdue?: (data: unknown, claims: JwtClaims) => boolean
}

/** The recovery checks of one guard. */
export interface Recovery {
  /** Makes the namespace's adapter refuse to restore sessions whose token may not be used. */
  guard(nsp: AnyNamespace): void
  /**
   * Re-checks the token of a recovered socket. False when it was refused at once (told and
   * disconnected); with a store that answers asynchronously it may be refused a moment later.
   */
  recheck(socket: AnySocket, auth: SocketAuth): boolean
}

/**
 * The session without its missed packets when the claims it keeps no longer allow one of its
 * rooms: the adapter picked those packets by the session's old rooms, and a packet does not say
 * which room it was sent to. Its rooms are left as they are: the Socket constructor joins them
 * before any middleware, the guard holds them until the socket authenticated, then checks each
 * (a refused one is reported to onFailure with the room).
 */
async function withoutLeakedPackets(
  session: StoredSession,
  rooms: RoomEngine,
): Promise<StoredSession> {
  const { sid, rooms: joined } = session
  if (!Array.isArray(joined) || typeof sid !== 'string') return session
  const { refused } = await rooms.allowedRooms(
    joined.filter((room): room is string => typeof room === 'string'),
    sid,
    authOfData(session.data)?.claims,
  )
  return refused ? { ...session, missedPackets: [] } : session
}

/** Makes the recovery checks of one guard. */
export function createRecovery(options: RecoveryOptions): Recovery {
  const {
    now,
    clockToleranceMs,
    store,
    revocationCheck,
    namespacePolicy,
    isClosed,
    reportFailure,
  } = options

  /**
   * Why a restored token may no longer be used, or undefined when it may; a promise when the
   * store answers asynchronously (a synchronous store answers in the calling tick).
   */
  const refusalOf = (auth: SocketAuth): AuthError | undefined | Promise<AuthError | undefined> => {
    if (auth.expiresAt !== null && auth.expiresAt + clockToleranceMs <= now()) return expiredError()
    const failed = (error: unknown): AuthError | undefined =>
      revocationCheck === 'fail-closed' ? storeUnavailable(error) : undefined
    let revoked: boolean | Promise<boolean>
    try {
      revoked = isRevokedWithin(store, auth.claims, now())
    } catch (error) {
      return failed(error)
    }
    if (typeof revoked === 'boolean') return revoked ? revokedError() : undefined
    return Promise.resolve(revoked).then((yes) => (yes ? revokedError() : undefined), failed)
  }

  /**
   * True when a session stored for connection-state recovery may be restored. Socket.IO replays
   * the packets a socket missed while it was away as soon as it restores the session, before any
   * `connection` listener runs, so a user revoked (or expired) meanwhile must not get the
   * session back at all: the client then makes a plain handshake, which the middleware refuses
   * with the code.
   */
  const mayRestore = async (data: unknown, nsp: AnyNamespace): Promise<boolean> => {
    if (isClosed()) return true
    const auth = authOfData(data)
    if (auth === undefined) return false
    // A guest's session: restored where guests are (still) allowed.
    if (auth === null) return namespacePolicy.guestsAllowed(nsp)
    if (options.overdue?.(data, auth.claims) === true) return false
    return (await refusalOf(auth)) === undefined
  }

  // Adapters whose restoreSession this guard wraps (once each; another guard wraps its own).
  const restoredBy = new WeakSet<object>()

  return {
    guard(nsp) {
      const { adapter } = nsp
      if (restoredBy.has(adapter)) return
      const admitSession = async (
        session: StoredSession,
        offset: string,
      ): Promise<StoredSession | null> => {
        // Nothing older than the session itself is replayed (recovery-offsets.ts).
        const limited = limitReplay(session, offset, nsp.name)
        if (limited === null) return null
        if (!(await mayRestore(limited.data, nsp))) return null
        const restored =
          options.rooms === undefined ? limited : await withoutLeakedPackets(limited, options.rooms)
        // Re-checked while away (after the last packet the client got): a room may have been
        // denied meanwhile and allowed again since, and a packet does not say which room it was
        // sent to, so none of what it missed is replayed.
        // The earlier of the offset and when the session went away: a client may name a later
        // offset than its own (another tab's), which would hide a recheck made in between.
        const named = offsetTime(offset)
        const away = awaySinceOf(restored.data)
        const since = named === undefined || away === undefined ? named : Math.min(named, away)
        const claims = authOfData(restored.data)?.claims
        if (
          since !== undefined &&
          claims !== undefined &&
          options.recheckedSince?.(claims, since) === true
        )
          return { ...restored, missedPackets: [] }
        return restored
      }
      if (filterRestoredSessions(adapter, admitSession)) restoredBy.add(adapter)
    },
    recheck(socket, auth) {
      const refuse = (error: AuthError): void => {
        reportFailure(error, socket)
        rejectSocket(socket, error)
      }
      const refusal = refusalOf(auth)
      // A synchronous answer (the memory store) refuses the socket before the app's own
      // `connection` listeners run, so they never talk to a revoked user; an async store can
      // only refuse it a moment later.
      if (refusal instanceof Promise) {
        refusal
          .then((error) => {
            if (error !== undefined) refuse(error)
          })
          .catch(() => undefined)
        return true
      }
      if (refusal === undefined) return true
      refuse(refusal)
      return false
    },
  }
}
