// The client side of room authorization (docs/rooms.md): `room:join` / `room:leave` as promises of
// the server's ack, and the shape of `room:removed`. Types are copied, not imported: this folder
// is served to browsers and imports nothing of the server side at run time.
import type { Socket } from 'socket.io-client'
import type { EventsMap } from './types.js'

/** The server's answer to `room:join` / `room:leave`. */
export type RoomAck = { ok: true } | { ok: false; code: 'forbidden'; message: string }

/** `room:removed`: a re-check (a refresh, `guard.recheck`) took the socket out of a room. */
export interface RoomRemoved {
  readonly room: string
  readonly code: 'forbidden'
  readonly message: string
}

/** Options of {@link joinRoom} and {@link leaveRoom}. */
export interface RoomRequestOptions {
  /** How long to wait for the server's answer, in ms. @defaultValue 10000 */
  readonly timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 10_000

async function request(
  socket: Socket,
  event: 'room:join' | 'room:leave',
  room: string,
  options: RoomRequestOptions,
): Promise<RoomAck> {
  const answer: unknown = await socket
    .timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
    .emitWithAck(event, { room })
  if (typeof answer === 'object' && answer !== null && (answer as { ok?: unknown }).ok === true)
    return { ok: true }
  const { message } = (answer ?? {}) as { message?: unknown }
  return {
    ok: false,
    code: 'forbidden',
    message: typeof message === 'string' ? message : 'The server refused.',
  }
}

/**
 * Asks the server to put the socket in `room`: resolves with its ack, `{ ok: true }` or
 * `{ ok: false, code: 'forbidden', message }`. Rejects when no answer comes within `timeoutMs`
 * (or the socket is not connected). Rooms do not survive a new connection (a reconnect without
 * recovery): join again on `connect`.
 *
 * @example
 * const ack = await joinRoom(socket, 'team:red')
 * if (!ack.ok) showError(ack.message)
 */
export function joinRoom<TListen extends EventsMap, TEmit extends EventsMap>(
  socket: Socket<TListen, TEmit>,
  room: string,
  options: RoomRequestOptions = {},
): Promise<RoomAck> {
  // The room events are sockguard's, whatever the app's own maps say.
  return request(socket, 'room:join', room, options)
}

/** Asks the server to take the socket out of `room`; resolves with its ack (see {@link joinRoom}). */
export function leaveRoom<TListen extends EventsMap, TEmit extends EventsMap>(
  socket: Socket<TListen, TEmit>,
  room: string,
  options: RoomRequestOptions = {},
): Promise<RoomAck> {
  return request(socket, 'room:leave', room, options)
}

/** The `room:removed` payload, or undefined for anything else. */
export function roomRemovedOf(payload: unknown): RoomRemoved | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined
  const { room, message } = payload as { room?: unknown; message?: unknown }
  if (typeof room !== 'string') return undefined
  return {
    room,
    code: 'forbidden',
    message: typeof message === 'string' ? message : 'Removed from the room.',
  }
}
