// The one accessor of what the guard keeps on a socket: `socket.data.auth`. Socket.IO types
// `socket.data` by the app's `SocketData`, which the guard cannot know; every read and write of
// the field goes through here instead of a cast at each use.
import type { AnySocket, SocketAuth } from './types.js'

/** The auth of a socket's (or a stored session's) data, or undefined before it is set. */
export function authOfData(data: unknown): SocketAuth | undefined {
  return typeof data === 'object' && data !== null
    ? (data as { auth?: SocketAuth }).auth
    : undefined
}

/** The socket's `socket.data.auth`, or undefined when the guard has not set it. */
export function authOf(socket: AnySocket): SocketAuth | undefined {
  return authOfData(socket.data)
}

/** The auth of a socket the guard has admitted (its session runs only once it is set). */
export function sessionAuthOf(socket: AnySocket): SocketAuth {
  return authOf(socket) as SocketAuth
}

/** Sets the socket's `socket.data.auth`: the commit of a verified token to the socket. */
export function setAuth(socket: AnySocket, auth: SocketAuth): void {
  ;(socket.data as { auth?: SocketAuth }).auth = auth
}
