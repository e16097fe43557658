// `guard.recheck(target, options)`: re-runs the room rules for a subject's (or a token id's)
// sockets on this node and, by the revocation channel (revocation-fanout.ts, tellNodes), on the
// other nodes; with `refreshWithinMs` it also asks them for a fresh token by a deadline.
import { AuthError, InvalidOptionError } from '../errors.js'
import { integerOption } from '../internal/integer-option.js'
import type { DeadlineKind, TimerHeap } from '../internal/timer-heap.js'
import { matchesToken } from '../revocation/revocation-store.js'
import type { RevocationTarget } from '../revocation/revocation-store.js'
import type { RoomEngine } from '../rooms/room-engine.js'
import type { JwtClaims } from '../verifier/types.js'
import { rejectSocket } from './live-session.js'
import { tellNodes } from './revocation-fanout.js'
import type { SessionIndex } from './session-index.js'
import { authOf } from './socket-auth.js'
import type { AnyNamespace, AnySocket, RecheckOptions } from './types.js'

const RECHECK_EVENT = 'sockguard:recheck'

// How long, and how many, re-checks with a deadline are kept for sessions restored later: past
// any connection-state recovery window a deployment would set (Socket.IO's default is 2 min).
const RECHECK_LOG_MS = 10 * 60_000
const RECHECK_LOG_MAX = 10_000

/** What the re-check needs from its guard. */
export interface RoomRecheckOptions {
  readonly now: () => number
  readonly timers: TimerHeap
  readonly isClosed: () => boolean
  readonly sessions: SessionIndex
  readonly namespaces: Iterable<AnyNamespace>
  /** Undefined without the `rooms` option (only the refresh deadline then applies). */
  readonly engine: RoomEngine | undefined
  readonly reportFailure: (error: AuthError, socket: AnySocket) => void
  /** The leeway for `iat` (a fresh token's may be this much behind the request). */
  readonly clockToleranceMs: number
}

/** `guard.recheck` of one guard. */
export interface RoomRecheck {
  readonly recheck: (target: RevocationTarget, options?: RecheckOptions) => Promise<void>
  /**
   * Re-arms the fresh-token deadline a recovered socket's session carried (connection-state
   * recovery makes a new socket object: without this, dropping the transport would escape it).
   */
  readonly restore: (socket: AnySocket) => void
  /**
   * True when a re-check (this node's or another's, learned lately) matching `claims` was made
   * at or after `since` (ms; offsets have no finer time, so the same millisecond counts): a
   * session away since then may have been denied rooms meanwhile.
   */
  readonly recheckedSince: (claims: JwtClaims, since: number) => boolean
  /**
   * True when a stored session (its `socket.data`, and the claims it keeps) was asked for a fresh
   * token (before it went away, or while it was away) whose deadline has passed without one: it
   * must not be restored, as a session whose token expired.
   */
  readonly overdue: (data: unknown, claims: JwtClaims) => boolean
  /** Hears the other nodes' re-check messages of a namespace. */
  readonly listen: (nsp: AnyNamespace) => void
  readonly unlisten: (nsp: AnyNamespace) => void
}

/** The fresh-token request a session carries in `socket.data.sockguard` (recovery keeps it). */
interface ReauthMark {
  /** When the request was made (ms): a fresh token is one issued since. */
  readonly reauthAskedAt: number
  /** The deadline (ms). */
  readonly reauthBy: number
}

function reauthMarkOf(socket: AnySocket): Partial<ReauthMark> | undefined {
  return (socket.data as { sockguard?: Partial<ReauthMark> } | undefined)?.sockguard
}

function setReauthMark(socket: AnySocket, mark: ReauthMark | undefined): void {
  const data = socket.data as { sockguard?: Record<string, unknown> }
  const { reauthAskedAt: _at, reauthBy: _by, ...rest } = data.sockguard ?? {}
  data.sockguard = mark === undefined ? rest : { ...rest, ...mark }
}

interface Message {
  readonly sub?: string
  readonly jti?: string
  readonly iss?: string
  readonly refreshWithinMs?: number
}

/** Makes `guard.recheck` of one guard. */
export function createRoomRecheck(options: RoomRecheckOptions): RoomRecheck {
  const { now, timers, isClosed, sessions, namespaces, engine, reportFailure, clockToleranceMs } =
    options
  // The deadline of each asked socket and when it was asked. Only a token issued since (by `iat`)
  // answers the request: sending back the token held before (or any older one) does not.
  const asked = new WeakMap<AnySocket, { readonly askedAt: number; readonly at: number }>()

  /**
   * True when the socket now holds a token issued since `askedAt`: in that second or later (`iat`
   * has second precision), within the tolerance. A token without `iat` cannot show it is fresh.
   */
  const freshSince = (socket: AnySocket, askedAt: number): boolean =>
    freshClaims(authOf(socket)?.claims, askedAt)
  const freshClaims = (claims: JwtClaims | undefined, askedAt: number): boolean => {
    const iat = claims?.iat
    return typeof iat === 'number' && (iat + 1) * 1000 + clockToleranceMs > askedAt
  }

  const reauth: DeadlineKind<AnySocket> = {
    isLive(socket, at) {
      const entry = asked.get(socket)
      if (isClosed() || !socket.connected || entry?.at !== at) return false
      if (!freshSince(socket, entry.askedAt)) return true
      // Answered: the request is over (and leaves the session, so recovery does not re-arm it).
      asked.delete(socket)
      setReauthMark(socket, undefined)
      return false
    },
    fire(socket) {
      asked.delete(socket)
      setReauthMark(socket, undefined)
      const error = new AuthError(
        'reauth_required',
        'A fresh token was required and none came in time.',
      )
      reportFailure(error, socket)
      rejectSocket(socket, error)
    },
  }

  // The re-checks with a refresh deadline learned lately (this node's and the others'): a session
  // away at the time, restored later by connection-state recovery (here or on this node after
  // another), gets the deadline it missed.
  const logged: {
    readonly message: Message
    readonly askedAt: number
    readonly learnedAt: number
  }[] = []
  // When the newest re-check dropped from the log was learned: a session away since before then
  // may have missed one the log no longer shows (and is taken as re-checked, or overdue).
  let forgottenUntil = -Infinity
  const log = (message: Message, askedAt: number): void => {
    const oldest = Date.now() - RECHECK_LOG_MS
    while (
      logged.length > 0 &&
      ((logged[0]?.learnedAt ?? 0) < oldest || logged.length >= RECHECK_LOG_MAX)
    ) {
      const dropped = logged.shift()
      if (dropped !== undefined) forgottenUntil = Math.max(forgottenUntil, dropped.learnedAt)
    }
    logged.push({ message, askedAt, learnedAt: Date.now() })
  }

  const askForRefresh = (socket: AnySocket, withinMs: number, askedAt = now()): void => {
    const auth = authOf(socket)
    // A guest has no token to refresh.
    if (auth === undefined || auth === null || !socket.connected) return
    const deadline = askedAt + withinMs
    let previous = asked.get(socket)
    // One already answered (its entry stays until its deadline) is over: this one is new.
    if (previous !== undefined && freshSince(socket, previous.askedAt)) previous = undefined
    // An earlier, sooner request still open stands, now asking for a token issued since this one
    // (a token fresh for the later request answers the earlier too); its deadline and timer stay.
    if (previous !== undefined && previous.at <= deadline) {
      asked.set(socket, { askedAt, at: previous.at })
      setReauthMark(socket, { reauthAskedAt: askedAt, reauthBy: previous.at })
      return
    }
    asked.set(socket, { askedAt, at: deadline })
    setReauthMark(socket, { reauthAskedAt: askedAt, reauthBy: deadline })
    timers.schedule(reauth, deadline, socket)
    const expiresAt = auth.expiresAt === null ? deadline : Math.min(auth.expiresAt, deadline)
    socket.emit('auth:expiring', { expiresAt })
  }

  /** This node's sockets of the target (of `nsp` when given). */
  const localSockets = (message: Message, nsp?: AnyNamespace): AnySocket[] => {
    const found: AnySocket[] = []
    const pool = message.sub !== undefined ? sessions.withSubject(message.sub) : sessions.all()
    for (const socket of pool) {
      const claims = authOf(socket)?.claims
      if (claims === undefined || (nsp !== undefined && socket.nsp !== nsp)) continue
      if (message.jti !== undefined && !matchesToken(claims, message.iss, message.jti)) continue
      found.push(socket)
    }
    return found
  }

  const runLocal = async (message: Message, nsp?: AnyNamespace): Promise<void> => {
    const sockets = localSockets(message, nsp)
    const { refreshWithinMs } = message
    const askedAt = now()
    // Every re-check is logged: one with a deadline for the sessions restored later, any for the
    // packets a session away meanwhile must not be replayed (recovery.ts).
    log(message, askedAt)
    if (refreshWithinMs !== undefined)
      for (const socket of sockets) askForRefresh(socket, refreshWithinMs, askedAt)
    if (engine !== undefined) await Promise.all(sockets.map((socket) => engine.recheck(socket)))
  }

  const onMessage = function (this: AnyNamespace, raw: unknown): void {
    if (isClosed()) return
    const message = parse(raw)
    if (message !== undefined) void runLocal(message, this).catch(() => undefined)
  }

  // The real clock, as the offsets `recheckedSince` is asked about.
  const startedAt = Date.now()

  const matchesMessage = (claims: JwtClaims, message: Message): boolean =>
    message.sub !== undefined
      ? claims.sub === message.sub
      : message.jti !== undefined && matchesToken(claims, message.iss, message.jti)

  return {
    recheckedSince(claims, since) {
      // Re-checks travel between the nodes that are up: one made before this node started never
      // reached it. A session away since then may have missed one, so it is taken as re-checked.
      if (since < startedAt || since <= forgottenUntil) return true
      return logged.some(
        ({ message, learnedAt }) => learnedAt >= since && matchesMessage(claims, message),
      )
    },
    overdue(data, claims) {
      const mark = ((data as { sockguard?: unknown } | undefined)?.sockguard ?? {}) as Partial<
        ReauthMark & { receivingSince: number }
      >
      const at = now()
      const { reauthAskedAt, reauthBy, receivingSince } = mark
      // Its own request, carried by the session.
      if (
        typeof reauthAskedAt === 'number' &&
        typeof reauthBy === 'number' &&
        reauthBy <= at &&
        !freshClaims(claims, reauthAskedAt)
      )
        return true
      if (typeof receivingSince !== 'number') return false
      // A request made while it was away (or one this node no longer remembers).
      if (receivingSince <= forgottenUntil) return true
      return logged.some(
        ({ message, askedAt, learnedAt }) =>
          learnedAt >= receivingSince &&
          message.refreshWithinMs !== undefined &&
          askedAt + message.refreshWithinMs <= at &&
          matchesMessage(claims, message) &&
          !freshClaims(claims, askedAt),
      )
    },
    restore(socket) {
      if (!socket.recovered) return
      const mark = reauthMarkOf(socket) ?? {}
      const { reauthAskedAt, reauthBy } = mark
      if (typeof reauthAskedAt === 'number' && typeof reauthBy === 'number') {
        asked.set(socket, { askedAt: reauthAskedAt, at: reauthBy })
        // A deadline already past fires at the heap's next turn.
        timers.schedule(reauth, reauthBy, socket)
      }
      // Re-checks made while the session was away (the socket was found nowhere then).
      const claims = authOf(socket)?.claims
      const since = (mark as { receivingSince?: unknown }).receivingSince
      if (claims === undefined || typeof since !== 'number') return
      for (const { message, askedAt, learnedAt } of logged) {
        if (learnedAt < since || message.refreshWithinMs === undefined) continue
        if (matchesMessage(claims, message)) askForRefresh(socket, message.refreshWithinMs, askedAt)
      }
    },
    async recheck(target, options = {}) {
      const message = parse({ ...target, ...options }, true)
      if (message === undefined)
        throw new InvalidOptionError('target', 'must be { sub } or { jti, iss? }')
      if (isClosed()) return
      await runLocal(message)
      await tellNodes(namespaces, RECHECK_EVENT, message)
    },
    listen(nsp) {
      ;(nsp as unknown as NodeJS.EventEmitter).on(RECHECK_EVENT, onMessage)
    },
    unlisten(nsp) {
      ;(nsp as unknown as NodeJS.EventEmitter).off(RECHECK_EVENT, onMessage)
    },
  }
}

/** The checked message (or target and options), or undefined when it is not one. */
function parse(raw: unknown, strict = false): Message | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const { sub, jti, iss, refreshWithinMs } = raw as Record<string, unknown>
  let withinPart: { refreshWithinMs?: number } = {}
  try {
    if (refreshWithinMs !== undefined)
      withinPart = {
        refreshWithinMs: integerOption(refreshWithinMs, 'refreshWithinMs', 0, 1, 2 ** 31 - 1),
      }
  } catch (error) {
    if (strict) throw error
    return undefined
  }
  if (typeof sub === 'string' && sub !== '') return { sub, ...withinPart }
  if (typeof jti === 'string' && jti !== '' && (iss === undefined || typeof iss === 'string'))
    return iss === undefined ? { jti, ...withinPart } : { jti, iss, ...withinPart }
  return undefined
}
