// socket.io-client's `emitReserved`, the one protected member of its API that sockguard/client
// relies on, behind one seam. Browser-safe: it imports nothing but types. A release that removes
// or changes it fails test/unit/socket-io-private.test.ts by name.
import type { Socket } from 'socket.io-client'

/** `emitReserved` as socket.io-client's Emitter defines it. */
export type EmitReserved = (this: Socket, event: string, ...args: unknown[]) => unknown

/**
 * Emits a reserved event (`connect`, `connect_error`, `disconnect`) to the app's listeners, as
 * the socket does itself: `socket.emit` would send it to the server instead. sockguard uses it
 * to report a connection attempt it stopped before the handshake (no token) the way every
 * failed attempt is reported.
 */
export function emitReserved(socket: Socket, event: string, ...args: unknown[]): void {
  ;(socket as unknown as { emitReserved: EmitReserved }).emitReserved.call(socket, event, ...args)
}

/**
 * Replaces the socket's `emitReserved` by `wrap(original)`: the only place every reserved
 * event passes through, e.g. to give `connect` listeners an argument socket.io-client does not
 * pass.
 */
export function wrapEmitReserved(
  socket: Socket,
  wrap: (original: EmitReserved) => EmitReserved,
): void {
  const target = socket as unknown as { emitReserved: EmitReserved }
  target.emitReserved = wrap(target.emitReserved)
}
