// The one accessor of what the guard keeps on a socket: `socket.data.auth`. Socket.IO types
// `socket.data` by the app's `SocketData`, which the guard cannot know; every read and write of
// the field goes through here instead of a cast at each use.
import type { AnySocket, SocketAuth } from './types.js'

/**
 * The auth of a socket's (or a stored session's) data: undefined before it is set, null for a
 * guest.
 */
export function authOfData(data: unknown): SocketAuth | null | undefined {
  return typeof data === 'object' && data !== null
    ? (data as { auth?: SocketAuth | null }).auth
    : undefined
}

/** The socket's `socket.data.auth`: undefined when the guard has not set it, null for a guest. */
export function authOf(socket: AnySocket): SocketAuth | null | undefined {
  return authOfData(socket.data)
}

/**
 * The auth of a socket the guard has admitted (its session runs only once it is set): null for a
 * guest.
 */
export function sessionAuthOf(socket: AnySocket): SocketAuth | null {
  return authOf(socket) ?? null
}

/**
 * Sets the socket's `socket.data.auth`: the commit of a verified token to the socket, or null
 * for a guest.
 */
export function setAuth(socket: AnySocket, auth: SocketAuth | null): void {
  ;(socket.data as { auth?: SocketAuth | null }).auth = auth
}
