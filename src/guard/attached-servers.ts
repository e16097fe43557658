// The servers a guard was attached to, and the refusal of `io.use(guard.middleware)` where that
// cannot be safe. With connection-state recovery, Socket.IO restores a session (its rooms,
// `socket.data`, the packets it missed) in the Socket constructor, before any middleware runs,
// whatever `skipMiddlewares` says; the guard checks a stored session only on a namespace it has
// hooked, and `io.use` shows it a namespace only when the middleware first runs there. A node
// that restarts (the Redis Streams adapter keeps sessions across restarts) would restore sessions
// unchecked until then. Refusing every such handshake means no socket connects, so no session
// is ever stored that a node could restore without the guard.
import { recoveryEnabled } from '../internal/socket-io-private.js'
import type { AnyServer } from './types.js'

/** The warning's code, for `process.on('warning')` filters. */
const WARNING_CODE = 'SOCKGUARD_RECOVERY_NEEDS_ATTACH'

const MESSAGE =
  'connectionStateRecovery is on: use guard.attach(io), not io.use(guard.middleware) or ' +
  'nsp.use(guard.middleware). The middleware sees a namespace only at its first handshake, and ' +
  'sessions restored before that would skip the guard, so every handshake is refused.'

/** What the guard knows of the servers it protects. */
export interface AttachedServers {
  /** Records that `guard.attach(server)` hooked every namespace of `server`. */
  add(server: AnyServer): void
  /**
   * Throws when the middleware runs on a server with connection-state recovery that the guard
   * was not attached to (a process warning the first time per server).
   */
  assertSafe(server: AnyServer): void
}

/** Makes an empty record. */
export function createAttachedServers(): AttachedServers {
  const attached = new WeakSet<AnyServer>()
  const warned = new WeakSet<AnyServer>()
  return {
    add(server) {
      attached.add(server)
    },
    assertSafe(server) {
      if (attached.has(server) || !recoveryEnabled(server)) return
      if (!warned.has(server)) {
        warned.add(server)
        // onFailure gets every refusal; the warning reaches a developer who has no onFailure.
        process.emitWarning(MESSAGE, { code: WARNING_CODE })
      }
      throw new Error(MESSAGE)
    },
  }
}
