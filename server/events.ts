// The chat's typed Socket.IO events and socket data. Payloads from clients are `unknown`: they
// are whatever a client chose to send, and each handler checks them.
import type { Server, Socket } from 'socket.io'
import type {
  AuthSocketData,
  AuthenticateAck,
  JwtClaims,
  RoomAck,
  RoomRemoved,
  WireError,
} from '../src/index.js'

/** The claims the chat relies on (`sub` is required by the verifier). */
export interface ChatClaims extends JwtClaims {
  readonly sub: string
  readonly name?: string
  readonly scope?: string
  /** Rooms the issuer grants (`team:<name>`, `team:*`): the guard's `grantsClaim`. */
  readonly rooms?: readonly string[]
}

/** The ack of `message` and `admin:kick`. */
export type ChatAck =
  | { readonly ok: true }
  | {
      readonly ok: false
      readonly code: string
      readonly message: string
      /** With `rate_limited`: how long until the next attempt may succeed. */
      readonly retryAfterMs?: number
    }

/** A chat message, sent to the members of one room. */
export interface ChatMessage {
  /** The room it was sent to: `lobby`, `team:<name>`, `admin`, or `user:<sub>` for a direct one. */
  readonly room: string
  readonly from: string
  /** A direct message's recipient (its room is `user:<to>`; the sender gets a copy). */
  readonly to?: string
  readonly text: string
  /** ms since the epoch. */
  readonly at: number
}

/** Events a client sends. */
export interface ClientToServer {
  /** A chat message to `lobby` (1-500 characters after trimming); scope `chat`, in `lobby`. */
  message: (text: unknown, ack?: (response: ChatAck) => void) => void
  /** `{ room, text }`: a message to a room; scope `chat`, and the socket must be in the room. */
  post: (message: unknown, ack?: (response: ChatAck) => void) => void
  /** `{ to, text }`: a direct message to the room `user:<to>`; scope `chat`. */
  dm: (message: unknown, ack?: (response: ChatAck) => void) => void
  /** `{ sub }`: revokes that user everywhere; needs scope `admin`. */
  'admin:kick': (target: unknown, ack?: (response: ChatAck) => void) => void
  /** The guard's in-band refresh `{ token }` (handled by sockguard, observed for metrics). */
  authenticate: (payload: unknown, ack?: (response: AuthenticateAck) => void) => void
  /** The guard's room protocol `{ room }` (handled by sockguard). */
  'room:join': (payload: unknown, ack?: (response: RoomAck) => void) => void
  'room:leave': (payload: unknown, ack?: (response: RoomAck) => void) => void
}

/** Events the server sends. */
export interface ServerToClient {
  message: (message: ChatMessage) => void
  presence: (presence: { readonly users: readonly string[] }) => void
  // The guard's own events, listed so the server's types describe the whole wire.
  unauthorized: (error: WireError) => void
  forbidden: (payload: WireError & { readonly event: string }) => void
  'auth:expiring': (payload: { readonly expiresAt: number }) => void
  authenticated: (payload: { readonly expiresAt: number | null }) => void
  'room:removed': (payload: RoomRemoved) => void
}

/** Events between nodes: none of the chat's own (the guard's travel untyped). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an event map with no events
export interface InterServer {}

/** What each socket carries: the guard's `auth`. */
export type SocketData = AuthSocketData<ChatClaims>

/** The chat's Socket.IO server. */
export type ChatServer = Server<ClientToServer, ServerToClient, InterServer, SocketData>

/** One socket of {@link ChatServer}. */
export type ChatSocket = Socket<ClientToServer, ServerToClient, InterServer, SocketData>
