// Connection-state recovery replays what a socket missed from the offset its client names.
// Socket.IO checks that the offset exists, not that it was ever sent to that session: a client
// naming an older offset (kept from a session that was revoked, or guessed) would be sent every
// broadcast since, including those from before its own session began. The guard records when
// each session began to receive broadcasts and replays nothing older.
import { recoveryEnabled } from '../internal/socket-io-private.js'
import type { AnySocket } from './types.js'

/** What the guard keeps in `socket.data.sockguard` (it travels with a recovery session). */
export interface RecoveryMark {
  /** When the session began to receive broadcasts, in ms since the epoch (the real clock). */
  readonly receivingSince: number
  /**
   * The namespace the session belongs to: an adapter that keeps sessions by `pid` alone (the
   * Redis Streams adapter) would restore it into any namespace, past that namespace's rule.
   */
  readonly nsp: string
  /**
   * When the socket last joined or left a room through the guard (ms, the real clock): the
   * adapter replays what was sent to the session's rooms at the time it went away, whenever the
   * socket joined them, so nothing sent before this is replayed (it may have gone to a room the
   * socket was not allowed in yet, or excluded a room it was still in: `except('muted')`).
   */
  roomsChangedAt?: number
  /** When the session went away (ms, the real clock): rechecks after it did not reach it. */
  awaySince?: number
}

/** The guard's mark in a socket's (or a stored session's) data, if any. */
function markOf(data: unknown): Partial<RecoveryMark> | undefined {
  const mark = (data as { sockguard?: unknown } | undefined)?.sockguard
  return typeof mark === 'object' && mark !== null ? mark : undefined
}

const YEAST_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_'
const YEAST = /^([0-9A-Za-z_-]{1,11})(?:\.[0-9A-Za-z_-]{1,11})?$/
const STREAM_ID = /^(\d{1,16})-\d{1,16}$/

/**
 * The time (ms) an offset was made, for the offsets of Socket.IO's own session-aware adapters:
 * the in-memory adapter's yeast ids (the time in base 64, then `.n` within one millisecond) and the
 * Redis Streams adapter's stream ids (`<ms>-<seq>`). `undefined` for any other form: the guard
 * then refuses the replay rather than guess.
 */
export function offsetTime(offset: unknown): number | undefined {
  if (typeof offset !== 'string') return undefined
  const stream = STREAM_ID.exec(offset)
  if (stream !== null) return Number(stream[1])
  const yeast = YEAST.exec(offset)
  if (yeast === null) return undefined
  let ms = 0
  for (const char of yeast[1] ?? '') ms = ms * 64 + YEAST_ALPHABET.indexOf(char)
  return Number.isSafeInteger(ms) ? ms : undefined
}

/**
 * Marks a socket that starts to receive broadcasts now (a handshake, or a post-connect socket
 * released): kept in `socket.data`, so that a recovery session carries it to any node. A restored
 * socket keeps the mark of the session it continues.
 */
export function markReceiving(socket: AnySocket): void {
  if (socket.recovered || !recoveryEnabled(socket.nsp.server)) return
  const data = socket.data as { sockguard?: RecoveryMark }
  data.sockguard = { receivingSince: Date.now(), nsp: socket.nsp.name }
}

/** Notes that `socket` joined or left a room now (see {@link RecoveryMark.roomsChangedAt}). */
export function markRoomsChanged(socket: AnySocket): void {
  const mark = markOf(socket.data)
  if (mark !== undefined) mark.roomsChangedAt = Date.now()
}

/**
 * Notes when `socket`'s session goes away: at `disconnecting`, which Socket.IO emits just before
 * it stores the session with its data. Only for sockets whose session carries a mark.
 */
export function watchAway(socket: AnySocket): void {
  if (markOf(socket.data) === undefined) return
  socket.once('disconnecting', () => {
    // The mark of now: a fresh-token request replaces the object (room-recheck.ts).
    const mark = markOf(socket.data)
    if (mark !== undefined) mark.awaySince = Date.now()
  })
}

/** When the stored session went away, if it says. */
export function awaySinceOf(data: unknown): number | undefined {
  const away = markOf(data)?.awaySince
  return typeof away === 'number' ? away : undefined
}

/**
 * A session about to be restored into namespace `nsp` from `offset`, with the packets its session
 * could not have been sent removed; `null` when it was stored from another namespace, or the
 * offset is older than the session itself (or of a form the guard cannot date): no replay, and the
 * client makes a plain handshake that the guard checks.
 */
export function limitReplay<TSession extends { data?: unknown; missedPackets?: unknown }>(
  session: TSession,
  offset: unknown,
  nsp: string,
): TSession | null {
  const mark = markOf(session.data)
  // Only into the namespace it was stored from (a session of `/lobby` is no session of `/admin`).
  if (mark?.nsp !== nsp) return null
  const since = mark.receivingSince
  const at = offsetTime(offset)
  // The same millisecond counts as the session's own: a greeting sent at `connection` shares it.
  // (So does a broadcast to everyone in the millisecond before: offsets carry no finer time.)
  if (typeof since !== 'number' || at === undefined || at < since) return null
  // A packet in the millisecond of the last join or leave may have come before it: not replayed.
  const joined = typeof mark.roomsChangedAt === 'number' ? mark.roomsChangedAt : -Infinity
  if (Array.isArray(session.missedPackets)) {
    const missed = (session.missedPackets as unknown[]).filter((packet) => {
      const packetAt = Array.isArray(packet) ? offsetTime(packet.at(-1)) : undefined
      return packetAt !== undefined && packetAt >= since && packetAt > joined
    })
    return { ...session, missedPackets: missed }
  }
  return session
}
