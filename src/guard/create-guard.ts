// createGuard: the Socket.IO side of sockguard, composed of its parts: the handshake middleware
// (handshake-middleware.ts), the `connection` listener that commits each socket and starts its
// live session or the post-connect flow (connection-listener.ts, live-session.ts,
// post-connect.ts), the re-check of recovered sessions (recovery.ts), and revocation that
// reaches live sockets on every node (revocation-fanout.ts, revocation-sweep.ts).
import type { AuthError } from '../errors.js'
import { onAdapterReplaced } from '../internal/socket-io-private.js'
import { createTimerHeap } from '../internal/timer-heap.js'
import { createRevocationLog } from '../revocation/revocation-log.js'
import { createRoomEngine } from '../rooms/room-engine.js'
import type { JwtClaims } from '../verifier/types.js'
import { attachGuard } from './attach.js'
import { createAttachedServers } from './attached-servers.js'
import { createAuthenticator } from './authenticate.js'
import { createConnectionListener } from './connection-listener.js'
import { createGuardedNamespaces } from './guarded-namespaces.js'
import { createHandshakeMiddleware } from './handshake-middleware.js'
import { createLiveSessions, type SessionContext } from './live-session.js'
import { createLogout } from './logout.js'
import { normalizeGuardOptions } from './normalize-guard-options.js'
import { startPostConnect, type PostConnectContext } from './post-connect.js'
import { createRateLimitCheck } from './rate-limit-check.js'
import { createRecovery } from './recovery.js'
import { markReceiving, markRoomsChanged, watchAway } from './recovery-offsets.js'
import { createRevocationFanout } from './revocation-fanout.js'
import { createRoomRecheck } from './room-recheck.js'
import { startRevocationSweep } from './revocation-sweep.js'
import { createSessionIndex } from './session-index.js'
import { authOf } from './socket-auth.js'
import type { AnyNamespace, AnySocket, Guard, GuardOptions, GuardSocket } from './types.js'

/**
 * Creates a guard. Give it a `verifier` (shared with HTTP routes), or verifier options inline.
 *
 * @throws {InvalidOptionError} for a bad option, including every verifier option error.
 *
 * @example
 * const guard = createGuard({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] })
 * guard.attach(io)
 * io.on('connection', (socket) => console.log(socket.data.auth.claims.sub))
 */
export function createGuard<TClaims extends JwtClaims = JwtClaims>(
  options: GuardOptions<TClaims>,
): Guard<TClaims> {
  const config = normalizeGuardOptions(options)
  const { verifier, store, now, onFailure, revocationSweepMs } = config
  let closed = false
  // A call, so that a check after an `await` is not narrowed away by the one before it.
  const isClosed = (): boolean => closed
  const namespaces = createGuardedNamespaces()
  const timers = createTimerHeap(now)
  // Revocation finds this node's sockets here; authentications in flight are re-checked against
  // the log when they commit (docs/guard.md, "Revocation and authentications in flight").
  const sessions = createSessionIndex()
  const log = createRevocationLog()
  // Handshakes between the middleware and the `connection` event: the mark of each.
  const marks = new WeakMap<AnySocket, number>()

  const reportFailure = (error: AuthError, socket: AnySocket): void => {
    try {
      // An async hook (an audit log written to a database that is down) returns a promise that
      // may reject: handled here, or one anonymous bad token would crash the process.
      const returned: unknown = onFailure?.(error, socket as GuardSocket<TClaims>)
      if (typeof (returned as PromiseLike<unknown> | undefined)?.then === 'function')
        Promise.resolve(returned).catch(() => undefined)
    } catch {
      // A logging hook must not turn a refusal into a crash.
    }
  }

  const { authenticate, authenticateNow, recommit, admit, endRevoked, answerPending } =
    createAuthenticator({
      ...config,
      isClosed,
      log,
      sessions,
    })
  const rateLimit = createRateLimitCheck(config.limiter)
  // Room authorization (docs/rooms.md): every join checked, memberships kept true.
  const rooms =
    config.rooms === undefined
      ? undefined
      : createRoomEngine({
          rooms: config.rooms,
          now,
          authOf,
          reportFailure,
          hookTimeoutMs: config.hookTimeoutMs,
          onRoomsChanged: markRoomsChanged,
        })
  const recovery = createRecovery({
    ...config,
    isClosed,
    reportFailure,
    rooms,
    // Asked when a session is restored, long after roomRecheck below exists. A fresh-token
    // deadline applies with or without rooms; only a room policy has packets to keep from a
    // session a re-check may have denied a room.
    overdue: (data: unknown, claims: JwtClaims) => roomRecheck.overdue(data, claims),
    ...(rooms === undefined
      ? {}
      : {
          recheckedSince: (claims: JwtClaims, since: number) =>
            roomRecheck.recheckedSince(claims, since),
        }),
  })
  // Set below: a socket's own logout (revokeOnLogout) ends it with `logged_out`, not
  // `token_revoked`, though its revocation matches it.
  let isLoggingOut: (socket: AnySocket) => boolean = () => false
  const fanout = createRevocationFanout({
    ...config,
    isClosed,
    log,
    sessions,
    namespaces,
    endRevoked: (socket) => {
      if (!isLoggingOut(socket)) endRevoked(socket)
    },
  })
  const logout = createLogout({
    revokeOnLogout: config.revokeOnLogout,
    revoke: fanout.revoke,
    reportFailure,
  })
  isLoggingOut = logout.isLoggingOut
  const context: SessionContext = {
    now,
    expiringWarningMs: config.expiringWarningMs,
    clockToleranceMs: config.clockToleranceMs,
    refreshIntervalMs: config.refreshIntervalMs,
    authenticate,
    admit,
    reportFailure,
    expiry: config.expiry,
    guestMayStay: (nsp) => config.namespacePolicy.guestMayStay(nsp),
    checkNamespace: (claims, nsp) => config.namespacePolicy.check(claims, nsp),
    forget: (socket) => {
      sessions.remove(socket)
    },
    ...(rateLimit.limited ? { guestLimit: rateLimit } : {}),
    // No registry of sessions (it would cost every socket a map entry and a listener): after
    // close() a session's timer still fires once, and does nothing.
    isClosed,
    timers,
    ...(rooms === undefined
      ? {}
      : {
          onRefreshed: (socket: AnySocket) => {
            rooms.recheck(socket).catch(() => undefined)
          },
        }),
  }
  const roomRecheck = createRoomRecheck({
    now,
    timers,
    isClosed,
    sessions,
    namespaces,
    engine: rooms,
    reportFailure,
    clockToleranceMs: config.clockToleranceMs,
  })
  const liveSessions = createLiveSessions(context)
  // A socket's session begins here, and with it the broadcasts it may be replayed on recovery.
  const beginSession = (socket: AnySocket): void => {
    markReceiving(socket)
    watchAway(socket)
    liveSessions.start(socket)
    // A fresh-token request the recovered session carried keeps its deadline.
    roomRecheck.restore(socket)
    logout.start(socket)
    if (rooms !== undefined) {
      rooms.listen(socket)
      // Rooms a recovered session brought back, held until now: checked with its claims.
      rooms.restore(socket)
    }
  }
  const postConnect: PostConnectContext = {
    ...context,
    timeoutMs: config.timeoutMs,
    checkLimit: rateLimit.checkLimit,
    countFailure: rateLimit.countFailure,
    releaseLimit: rateLimit.release,
    onAuthenticated: beginSession,
    takeHeldRooms: (socket) => rooms?.takeHeld(socket) ?? [],
  }
  const onConnection = createConnectionListener({
    ...config,
    isClosed,
    log,
    marks,
    admit,
    recovery,
    startSession: beginSession,
    guestsAllowed: (nsp) => config.namespacePolicy.guestsAllowed(nsp),
    startPostConnect: (socket) => {
      startPostConnect(socket, postConnect)
    },
  })

  // Started with the first namespace the guard protects, so a guard that is never used runs no
  // timer and holds no connection.
  let unsubscribe: (() => void) | undefined
  let stopSweep: (() => void) | undefined
  const start = (): void => {
    if (closed || unsubscribe !== undefined || stopSweep !== undefined) return
    // The store's change feed: revocations stored by any node (this one included) end the
    // matching sockets here at once, whatever became of the adapter's message.
    unsubscribe = store.subscribe?.(fanout.onStoredRevocation) ?? (() => undefined)
    stopSweep =
      revocationSweepMs > 0
        ? startRevocationSweep({
            intervalMs: revocationSweepMs,
            store,
            now,
            namespaces,
            onRevoked: endRevoked,
          })
        : () => undefined
  }

  /** The checks that live on a namespace's adapter (each idempotent per adapter object). */
  const guardAdapter = (nsp: AnyNamespace): void => {
    // Before any socket of the namespace exists: recovery joins rooms in the Socket constructor.
    rooms?.guard(nsp)
    recovery.guard(nsp)
  }

  const hook = (nsp: AnyNamespace): void => {
    if (!namespaces.add(nsp)) {
      // Known already; its adapter may have been replaced since without the seam below.
      guardAdapter(nsp)
      return
    }
    start()
    guardAdapter(nsp)
    // `io.adapter(...)` after attach gives the namespace a new adapter: guard it at once.
    onAdapterReplaced(nsp, guardAdapter)
    roomRecheck.listen(nsp)
    // Runs before the app's own `connection` listeners.
    nsp.prependListener('connection', onConnection)
    fanout.listen(nsp)
  }

  const attached = createAttachedServers()
  const middleware = createHandshakeMiddleware({
    ...config,
    hook,
    assertSafe: (server) => {
      attached.assertSafe(server)
    },
    isClosed,
    authenticateNow,
    recommit,
    rateLimit,
    reportFailure,
    marks,
  })

  return Object.freeze({
    verifier,
    middleware,
    attach: (io) => {
      attached.add(io)
      return attachGuard(io, middleware, hook)
    },
    revoke: fanout.revoke,
    recheck: roomRecheck.recheck,
    async close() {
      closed = true
      answerPending()
      timers.close()
      stopSweep?.()
      unsubscribe?.()
      for (const nsp of namespaces) {
        nsp.off('connection', onConnection)
        fanout.unlisten(nsp)
        roomRecheck.unlisten(nsp)
      }
      sessions.clear()
      log.clear()
      namespaces.clear()
      verifier.close()
      await store.close?.()
    },
  } satisfies Guard<TClaims>)
}
