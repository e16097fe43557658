// logout(): ends a sockguard session from the client: emits `auth:logout`, waits for its ack, and
// leaves the socket disconnected (the server ends it with `unauthorized` `logged_out`; the socket
// does not reconnect afterwards).
import type { Socket } from 'socket.io-client'
import { invalidOption } from './invalid-option.js'

const DEFAULT_TIMEOUT_MS = 10_000

/**
 * The ack of `auth:logout`: `{ ok: true }` (with the server's `revokeOnLogout`, `revoked` says what
 * was revoked everywhere: `'sid'`, `'jti'`, or `null` for a token with neither), or `{ ok: false,
 * code: 'store_unavailable' | 'server_error' }` when the revocation could not be stored (the
 * session is ended all the same).
 */
export type LogoutAck =
  | { readonly ok: true; readonly revoked?: 'sid' | 'jti' | null }
  | {
      readonly ok: false
      readonly code: 'store_unavailable' | 'server_error'
      readonly message: string
    }

/** Options of {@link logout}. */
export interface LogoutOptions {
  /** How long to wait for the server's ack, in ms; the socket is disconnected either way. @defaultValue 10000 */
  readonly timeoutMs?: number
}

/**
 * Logs the socket out: emits `auth:logout` and resolves with the server's ack; the socket is then
 * disconnected and stays so (call `socket.connect()` to log in again). A socket that is not
 * connected resolves `{ ok: true }` at once. Rejects only when no ack came within `timeoutMs` (the
 * socket is disconnected all the same, so the session ends on the server's side too).
 *
 * @example
 * const socket = connect(url, { getToken })
 * logoutButton.onclick = async () => {
 *   await logout(socket)
 *   showLogin()
 * }
 */
export async function logout(
  socket: Pick<Socket, 'connected' | 'timeout' | 'disconnect'>,
  options: LogoutOptions = {},
): Promise<LogoutAck> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 2_147_483_647)
    throw invalidOption('timeoutMs', 'must be an integer from 1 to 2147483647')
  if (!socket.connected) {
    socket.disconnect()
    return { ok: true }
  }
  try {
    return (await socket.timeout(timeoutMs).emitWithAck('auth:logout')) as LogoutAck
  } finally {
    // The server disconnects it right after the ack; this makes sure, and stops any reconnection.
    socket.disconnect()
  }
}
