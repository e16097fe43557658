// A workaround for connection-state recovery on a cluster adapter. With recovery on, Socket.IO
// sends every `socket.emit()` through the adapter (to keep it for replay), and a cluster adapter
// delivers it only after publishing it to Redis. The guard emits `unauthorized` and disconnects
// the socket in the same tick, so the disconnect arrives first and the client never learns why
// (or, with Redis away, the emit is lost). Remove once the guard sends `unauthorized` directly.
import type { WireError } from '../src/index.js'
import type { ChatServer, ChatSocket } from './events.js'

/**
 * Makes each socket of the default namespace send `unauthorized` through a local-only broadcast
 * to itself: delivered at once, before the disconnect that follows. Nothing is lost for recovery:
 * a session the server ends is not recovered. Call after `guard.attach(io)`: it must run before
 * the guard's own `connection` listener, which may refuse a restored session at once.
 *
 * @example
 * guard.attach(io)
 * sendUnauthorizedDirectly(io)
 */
export function sendUnauthorizedDirectly(io: ChatServer): void {
  const nsp = io.of('/')
  nsp.prependListener('connection', (socket: ChatSocket) => {
    const emit = socket.emit.bind(socket) as Emit
    const direct: Emit = (event, ...args) => {
      if (event !== 'unauthorized') return emit(event, ...args)
      nsp.local.to(socket.id).emit('unauthorized', args[0] as WireError)
      return true
    }
    socket.emit = direct
  })
}

type Emit = (event: string, ...args: unknown[]) => boolean
