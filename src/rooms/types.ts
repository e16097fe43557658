// The public types of room authorization: the `rooms` option of createGuard and its rules.
import type { JwtClaims } from '../verifier/types.js'

/**
 * A room rule: the socket's current claims, the room's name and the parameters its pattern
 * captured (`{id}` of `doc:{id}`). Only `true` (or a promise of `true`) allows; `false`, anything
 * else, a throw or a rejection denies. `requireScope` and `requireClaim` are room rules too.
 * (Claims are `null` for a guest, once guests exist: a rule must allow them explicitly.)
 */
export type RoomRule<TClaims extends JwtClaims = JwtClaims> = (
  claims: TClaims,
  room: string,
  params: Readonly<Record<string, string>>,
) => boolean | Promise<boolean>

/** Room name pattern -> rule. `{name}` matches one segment (no ':'), a final `*` the rest. */
export type RoomPolicy<TClaims extends JwtClaims = JwtClaims> = Readonly<
  Record<string, RoomRule<TClaims>>
>

/** The `rooms` option of `createGuard`. */
export interface RoomsOptions<TClaims extends JwtClaims = JwtClaims> {
  /** Room name patterns -> rules. Every pattern a room matches must allow it. */
  readonly policy: RoomPolicy<TClaims>
  /** A claim listing room names, or `prefix:*`, that the token grants (e.g. `'rooms'`). */
  readonly grantsClaim?: string
  /**
   * Server-side joins (`socket.join`, `socketsJoin`, recovery) of a room no pattern matches and
   * no grant names: `'allow'` leaves them to the app, `'deny'` refuses them. A client's
   * `room:join` of such a room is always refused.
   * @defaultValue 'allow'
   */
  readonly unlistedRooms?: 'allow' | 'deny'
  /** The most rooms (besides its own) a socket may be in for a client `room:join` to be accepted. @defaultValue 100 */
  readonly maxRoomsPerSocket?: number
}

/** The ack of `room:join` and `room:leave`. */
export type RoomAck = { ok: true } | { ok: false; code: 'forbidden'; message: string }

/** The payload of `room:removed`: a room the socket was taken out of by a re-check. */
export interface RoomRemoved {
  readonly room: string
  readonly code: 'forbidden'
  readonly message: string
}

/** The events a client sends to the room protocol, for a typed `socket.io-client` socket. */
export interface RoomClientToServerEvents {
  'room:join': (payload: { room: string }, ack?: (response: RoomAck) => void) => void
  'room:leave': (payload: { room: string }, ack?: (response: RoomAck) => void) => void
}

/** The events the room protocol sends to a client. */
export interface RoomServerToClientEvents {
  'room:removed': (payload: RoomRemoved) => void
  /** A `room:join` / `room:leave` refused without an ack. */
  forbidden: (payload: { event: string; code: 'forbidden'; message: string }) => void
}
