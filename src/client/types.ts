// The public types of sockguard/client: the options of `connect()` and the event-map shapes of
// socket.io-client (declared here so the published types need no import from its dependencies).
import type { ManagerOptions, SocketOptions } from 'socket.io-client'
import type { AuthErrorData } from './auth-error-codes.js'
import type { RetryOptions } from './backoff.js'
import type { RoomRemoved } from './rooms.js'

/** An event map: event names to listener signatures (socket.io-client's `EventsMap`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type EventsMap = Record<string, any>

/** The untyped event map socket.io-client uses when none is given. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DefaultEventsMap = Record<string, (...args: any[]) => void>

/** socket.io-client's options (`io(url, options)`). */
export type SocketIoOptions = Partial<ManagerOptions & SocketOptions>

/** What {@link GetToken} is told. */
export interface GetTokenContext {
  /**
   * `true` when the server said the last token expired (a refused handshake with
   * `token_expired`, or `auth:expiring` on a live socket): skip any cache and get a new token.
   */
  readonly forceRefresh: boolean
}

/**
 * Supplies the token, synchronously or not. `null`, `undefined` or an empty string means there
 * is no token: nothing is sent and the client stops with `token_missing`.
 */
export type GetToken = (
  context: GetTokenContext,
) => string | null | undefined | PromiseLike<string | null | undefined>

/** Options of `connect()`: socket.io-client's own options (but `auth`), and these. */
export interface ConnectOptions extends Omit<SocketIoOptions, 'auth'> {
  /**
   * Asked for a token before every connection attempt: the first connect, each reconnect, the one
   * retry after `token_expired`, and each in-band refresh.
   */
  readonly getToken: GetToken
  /**
   * Called once per terminal auth failure: a refused handshake that will not be retried, a
   * failed in-band refresh, `unauthorized` from the server, or `getToken` failing
   * (`token_missing`). The socket's own `connect_error` and `unauthorized` listeners still fire.
   * It may be `async`: a rejection of the promise it returns is ignored, never unhandled.
   */
  readonly onAuthError?: (error: AuthErrorData) => unknown
  /**
   * Called when the server takes the socket out of a room (`room:removed`: a refresh or
   * `guard.recheck` found the room no longer allowed; docs/rooms.md).
   */
  readonly onRoomRemoved?: (removed: RoomRemoved) => void
  /**
   * How long to wait for the server's ack of an in-band refresh (`authenticate`), in ms.
   * @defaultValue 10000
   */
  readonly refreshTimeoutMs?: number
  /**
   * The backoff after `server_error` (the server failed, not the token) and between refreshes the
   * server refused for now (`rate_limited`, `server_error`): exponential with jitter, bounded.
   * @defaultValue `{ initialDelayMs: 1000, maxDelayMs: 30000, factor: 2, maxAttempts: 10 }`
   */
  readonly retry?: RetryOptions
}
