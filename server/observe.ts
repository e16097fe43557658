// Logs and metrics of the guard's work: refusals through its `onFailure` hook, accepted sockets
// and refreshes through connection events. It logs ids and codes, never a token or a handshake.
import type { Logger } from 'pino'
import type { AuthError, GuardSocket } from '../src/index.js'
import type { ChatSocket } from './events.js'
import type { ServerMetrics } from './metrics.js'

/** The observer made by {@link observeGuard}. */
export interface GuardObserver {
  /** The guard's `onFailure` hook. */
  readonly onFailure: (error: AuthError, socket: GuardSocket) => void
  /** Call from a `connection` listener for each accepted socket. */
  readonly onConnection: (socket: ChatSocket) => void
}

/**
 * Observes a guard for logs and metrics.
 *
 * @example
 * const observer = observeGuard(logger, metrics)
 * const guard = createGuard({ verifier, onFailure: observer.onFailure })
 * io.on('connection', observer.onConnection)
 */
export function observeGuard(
  logger: Logger,
  metrics: ServerMetrics,
  /** The client's address (behind `TRUST_PROXY`, not the proxy's). @defaultValue the peer's */
  addressOf: (socket: GuardSocket) => string = (socket) => socket.handshake.address,
): GuardObserver {
  // Sockets with an `authenticate` (refresh) in flight, to tell a failed refresh from an expiry.
  const refreshing = new WeakSet<object>()

  return {
    onFailure: (error, socket) => {
      if (error.room !== undefined) {
        // A room refused or taken away (the room policy): the session goes on; not an
        // authentication failure, and no sign of a failed refresh (a refresh re-checks rooms).
        logger.info(
          {
            code: error.code,
            room: error.room.slice(0, 64),
            socketId: socket.id,
            reason: error.message,
          },
          'room refused',
        )
        return
      }
      // The guard refuses handshakes before the socket connects; later failures end a session.
      const stage = socket.connected ? 'session' : 'handshake'
      metrics.failure(error.code, stage)
      if (stage === 'handshake') metrics.handshake('refused')
      if (refreshing.has(socket)) {
        refreshing.delete(socket)
        metrics.refresh('failed')
      }
      logger.warn(
        {
          code: error.code,
          claim: error.claim,
          stage,
          socketId: socket.id,
          address: addressOf(socket),
        },
        'authentication refused',
      )
    },
    onConnection: (socket) => {
      const { sub } = socket.data.auth.claims
      metrics.handshake('accepted')
      logger.info({ sub, socketId: socket.id }, 'socket connected')
      socket.on('authenticate', () => {
        refreshing.add(socket)
      })
      // The guard emits `authenticated` only after a refresh succeeded.
      socket.onAnyOutgoing((event: string) => {
        if (event !== 'authenticated') return
        refreshing.delete(socket)
        metrics.refresh('ok')
        // Debug, not info: a client may refresh every refreshIntervalMs, and each is routine.
        logger.debug({ sub, socketId: socket.id }, 'token refreshed')
      })
      socket.on('disconnect', (reason) => {
        logger.info({ sub, socketId: socket.id, reason }, 'socket disconnected')
      })
    },
  }
}
