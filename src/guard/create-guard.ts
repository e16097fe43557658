// createGuard: the Socket.IO side of sockguard. A handshake middleware that verifies the token,
// a per-namespace connection hook that starts each socket's live session (or the post-connect
// flow), re-checks recovered sessions, and revocation that reaches live sockets on every node.
import { AuthError, ClaimInvalidError, InvalidOptionError, isAuthError } from '../errors.js'
import { connectError } from '../internal/wire-error.js'
import type { JwtClaims } from '../verifier/types.js'
import { extractToken, stripToken, type HandshakeLike } from './extract-token.js'
import {
  guardError,
  rejectSocket,
  sendUnauthorized,
  startSession,
  type Authenticated,
  type SessionContext,
} from './live-session.js'
import { createTimerHeap } from '../internal/timer-heap.js'
import { normalizeGuardOptions } from './normalize-guard-options.js'
import { startPostConnect } from './post-connect.js'
import { createRevocationLog } from './revocation-log.js'
import { issuedBefore, matchesToken, type RevocationTarget } from './revocation-store.js'
import { startRevocationSweep } from './revocation-sweep.js'
import { createSessionIndex } from './session-index.js'
import type {
  AnyNamespace,
  AnyServer,
  AnySocket,
  Guard,
  GuardMiddleware,
  GuardOptions,
  SocketAuth,
} from './types.js'

// The cluster messages that revoke one token id, and a subject: each node ends its own matching
// sockets from its session index (and records the revocation for authentications in flight).
const REVOKE_TOKEN_EVENT = 'sockguard:revoke-token'
const REVOKE_SUBJECT_EVENT = 'sockguard:revoke-subject'

interface TokenTarget {
  readonly iss: string | undefined
  readonly jti: string
}

// How long to wait for a cluster adapter's count of nodes (a Redis round trip). An adapter whose
// Redis is away may hold the question until it is back: past this, other nodes are assumed, and
// the message waits in the adapter's queue with the rest.
const SERVER_COUNT_TIMEOUT_MS = 1_000

/** The number of nodes an adapter knows of: 1 when it cannot tell, 2 when it does not answer. */
async function serverCount(nsp: AnyNamespace): Promise<number> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      resolve(2)
    }, SERVER_COUNT_TIMEOUT_MS)
  })
  try {
    return await Promise.race([Promise.resolve(nsp.adapter.serverCount()).catch(() => 1), late])
  } finally {
    clearTimeout(timer)
  }
}

/** A store failure as the coded error a client or `revoke()`'s caller gets. */
function storeUnavailable(error: unknown): AuthError {
  if (isAuthError(error) && error.code === 'store_unavailable') return error
  return new AuthError('store_unavailable', 'The revocation store could not be reached.', {
    cause: error,
  })
}

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
  const {
    verifier,
    extract,
    mode,
    timeoutMs,
    now,
    store,
    revocationTtlMs,
    revocationCheck,
    revocationSweepMs,
    expiringWarningMs,
    clockToleranceMs,
    refreshIntervalMs,
    onAuthenticated,
    onFailure,
    limiter,
  } = normalizeGuardOptions(options)
  // The servers whose namespaces the guard protects, and which of those namespaces it hooked: a
  // weak set, so that the child namespaces Socket.IO drops (`cleanupEmptyChildNamespaces`) are
  // not kept alive by the guard. Walking `server._nsps` finds the ones still there.
  const servers = new Set<AnyServer>()
  const hooked = new WeakSet<AnyNamespace>()
  function* guarded(): Generator<AnyNamespace> {
    for (const server of servers)
      for (const nsp of server._nsps.values()) if (hooked.has(nsp)) yield nsp
  }
  const namespaces: Iterable<AnyNamespace> = { [Symbol.iterator]: guarded }
  let closed = false
  // A call, so that a check after an `await` is not narrowed away by the one before it.
  const isClosed = (): boolean => closed
  const timers = createTimerHeap(now)
  // Revocation finds this node's sockets here; authentications in flight are re-checked against
  // the log when they commit (docs/guard.md, "Revocation and authentications in flight").
  const sessions = createSessionIndex()
  const log = createRevocationLog()
  // Handshakes between the middleware and the `connection` event: the mark of each.
  const marks = new WeakMap<AnySocket, number>()

  const reportFailure = (error: AuthError, socket: AnySocket): void => {
    try {
      onFailure?.(error, socket)
    } catch {
      // A logging hook must not turn a refusal into a crash.
    }
  }

  const revokedError = (): AuthError =>
    new AuthError('token_revoked', 'The token has been revoked.')
  const shuttingDown = (): AuthError =>
    new AuthError('server_error', 'The server is shutting down.')

  const checkRevoked = async (claims: JwtClaims): Promise<void> => {
    let revoked: boolean
    try {
      revoked = await store.isRevoked(claims, now())
    } catch (error) {
      if (revocationCheck === 'fail-open') return
      throw storeUnavailable(error)
    }
    if (revoked) throw revokedError()
  }

  // Issue 10: close() answers every authentication still pending (a handshake, a post-connect
  // `authenticate`, a refresh) with `server_error` at once, even one whose `onAuthenticated`
  // never settles; whatever that hook later returns is ignored.
  // A set of the pending ones' reject functions, each removed when it settles (not a race with
  // one long-lived `closing` promise: every race would leave a reaction on it, pinning the
  // socket and its namespace for the guard's lifetime).
  const pending = new Set<(error: AuthError) => void>()
  const answerPending = (): void => {
    for (const reject of pending) reject(shuttingDown())
    pending.clear()
  }
  const authenticate = (
    token: unknown,
    socket: AnySocket,
    previous?: JwtClaims,
  ): Promise<Authenticated> =>
    new Promise<Authenticated>((resolve, reject) => {
      pending.add(reject)
      authenticateNow(token, socket, previous)
        .then(resolve, reject)
        .finally(() => pending.delete(reject))
    })

  const authenticateNow = async (
    token: unknown,
    socket: AnySocket,
    previous?: JwtClaims,
  ): Promise<Authenticated> => {
    // Before the store is asked: what it cannot answer yet, the log will (see `admit`).
    const mark = log.mark()
    if (typeof token === 'string') token = token.replace(/^Bearer +/i, '')
    if (closed) throw shuttingDown()
    const { claims, expiresAt } = await verifier.verify(token).catch((error: unknown) => {
      // A verifier closed under a handshake is the shutdown, not a forged token.
      throw isClosed() ? shuttingDown() : error
    })
    // A refresh renews the same identity, an issuer's subject: another's token is refused
    // before the store is asked and before `onAuthenticated` could load another user onto this
    // socket. Without a subject on either side there is no identity to compare.
    if (previous !== undefined) {
      // (issue 10, B5: an empty `sub` is no subject either; the verifier refuses it already.)
      if (
        typeof previous.sub !== 'string' ||
        typeof claims.sub !== 'string' ||
        previous.sub === '' ||
        claims.sub === ''
      )
        throw new ClaimInvalidError('sub', 'A refresh needs tokens with a subject.')
      if (claims.sub !== previous.sub || claims.iss !== previous.iss)
        throw new ClaimInvalidError('sub', 'A refreshed token must be for the same subject.')
    }
    await checkRevoked(claims)
    try {
      await onAuthenticated?.(claims, socket)
    } catch (error) {
      // An AuthError is the app's refusal and keeps its code; anything else is its bug or its
      // database, and its message stays off the wire.
      throw guardError(error)
    }
    if (isClosed()) throw shuttingDown()
    if (log.revokedSince(claims, mark) === true) throw revokedError()
    return { auth: Object.freeze({ claims, expiresAt }), mark }
  }

  /** Tells a socket it is revoked and closes its connection, as the cluster-wide path does. */
  const endRevoked = (socket: AnySocket): void => {
    if (!socket.connected) return
    const { code, message } = revokedError()
    sendUnauthorized(socket, { code, message })
    socket.disconnect(true)
  }

  const admit = (socket: AnySocket, mark: number): boolean => {
    sessions.add(socket)
    const auth = (socket.data as { auth: SocketAuth }).auth
    const revoked = log.revokedSince(auth.claims, mark)
    if (revoked === true) {
      endRevoked(socket)
      return false
    }
    if (revoked === undefined) {
      // In flight longer than the log reaches back: the store answers instead (rare).
      Promise.resolve(store.isRevoked(auth.claims, now())).then(
        (yes) => {
          if (yes && (socket.data as { auth: SocketAuth }).auth === auth) endRevoked(socket)
        },
        () => undefined,
      )
    }
    return true
  }

  /** The socket's rate-limit key; a key function that throws is the server's fault. */
  const limitKey = (socket: AnySocket): string => {
    try {
      return (limiter as NonNullable<typeof limiter>).key(socket)
    } catch (error) {
      throw guardError(error)
    }
  }

  const checkLimit = async (socket: AnySocket): Promise<void> => {
    if (limiter === undefined) return
    const state = await limiter.limiter.get(limitKey(socket)).catch(() => null)
    if (state !== null && state.consumedPoints >= limiter.points)
      throw new AuthError('rate_limited', 'Too many failed attempts; try again later.')
  }

  const countFailure = (socket: AnySocket, error: AuthError): void => {
    // A store outage or a server fault is not the client's doing: counting it would lock every
    // client out once it ends.
    if (
      limiter === undefined ||
      error.code === 'store_unavailable' ||
      error.code === 'server_error'
    )
      return
    try {
      limiter.limiter.consume(limiter.key(socket)).catch(() => undefined)
    } catch {
      // A throwing rate-limit key must not turn a refusal into a crash.
    }
  }

  const context: SessionContext = {
    now,
    expiringWarningMs,
    clockToleranceMs,
    refreshIntervalMs,
    authenticate,
    admit,
    reportFailure,
    // No registry of sessions (it would cost every socket a map entry and a listener): after
    // close() a session's timer still fires once, and does nothing.
    isClosed,
    timers,
  }

  const begin = (socket: AnySocket): void => {
    startSession(socket, context)
  }

  // Runs before the app's own `connection` listeners (it is prepended).
  const onConnection = (socket: AnySocket): void => {
    if (closed) return
    try {
      const auth = (socket.data as { auth?: SocketAuth } | undefined)?.auth
      // A recovered post-connect socket already authenticated: it is re-checked like any other
      // recovered socket below instead of having to authenticate again.
      if (mode === 'post-connect' && !(socket.recovered && auth !== undefined)) {
        startPostConnect(socket, {
          ...context,
          timeoutMs,
          checkLimit,
          countFailure,
          onAuthenticated: begin,
        })
        return
      }
      if (auth === undefined) {
        // Only a socket that skipped the middleware gets here (e.g. registered after connect).
        rejectSocket(socket, new AuthError('token_missing', 'No token was sent.'))
        return
      }
      // The commit point of a handshake: from here revocation finds the socket. A recovered
      // socket is reachable from its mark on, and re-checked against the store below.
      const mark = marks.get(socket) ?? log.mark()
      marks.delete(socket)
      if (!admit(socket, mark)) return
      if (socket.recovered) {
        // connectionStateRecovery skips middlewares on reconnect: re-check what was restored.
        stripToken(socket.handshake, extract)
        const refuse = (error: AuthError): void => {
          reportFailure(error, socket)
          rejectSocket(socket, error)
        }
        if (auth.expiresAt !== null && auth.expiresAt + context.clockToleranceMs <= now()) {
          refuse(new AuthError('token_expired', 'The token has expired.', { claim: 'exp' }))
          return
        }
        let revoked: boolean | Promise<boolean> = false
        try {
          revoked = store.isRevoked(auth.claims, now())
        } catch (error) {
          if (revocationCheck === 'fail-closed') {
            refuse(storeUnavailable(error))
            return
          }
        }
        // A synchronous answer (the memory store) refuses the socket before the app's own
        // `connection` listeners run, so they never talk to a revoked user; an async store can
        // only refuse it a moment later.
        if (revoked === true) {
          refuse(revokedError())
          return
        }
        if (typeof revoked !== 'boolean') {
          Promise.resolve(revoked).then(
            (yes) => {
              if (yes) refuse(revokedError())
            },
            (error: unknown) => {
              if (revocationCheck === 'fail-closed') refuse(storeUnavailable(error))
            },
          )
        }
      }
      begin(socket)
    } catch (error) {
      rejectSocket(socket, guardError(error))
    }
  }

  /**
   * True when a session stored for connection-state recovery may be restored: its token has not
   * expired and is not revoked. Socket.IO replays the packets a socket missed while it was away
   * as soon as it restores the session, before any `connection` listener runs, so a user revoked
   * (or expired) meanwhile must not get the session back at all: the client then makes a plain
   * handshake, which the middleware refuses with the code.
   */
  const mayRestore = async (data: unknown): Promise<boolean> => {
    if (closed) return true
    const auth = (data as { auth?: SocketAuth } | undefined)?.auth
    if (auth === undefined) return false
    if (auth.expiresAt !== null && auth.expiresAt + clockToleranceMs <= now()) return false
    try {
      return !(await store.isRevoked(auth.claims, now()))
    } catch {
      return revocationCheck === 'fail-open'
    }
  }

  // Adapters whose restoreSession this guard wraps (once each; another guard wraps its own).
  const restoredBy = new WeakSet<object>()
  const guardRecovery = (nsp: AnyNamespace): void => {
    const adapter = nsp.adapter as unknown as {
      restoreSession?: (
        pid: string,
        offset: string,
      ) => Promise<{ data?: unknown } | null | undefined>
    }
    const restore = adapter.restoreSession
    if (typeof restore !== 'function' || restoredBy.has(adapter)) return
    restoredBy.add(adapter)
    adapter.restoreSession = async function (pid, offset) {
      const session = await restore.call(this, pid, offset)
      if (session === null || session === undefined) return null
      return (await mayRestore(session.data)) ? session : null
    }
  }

  /** Ends this node's sockets (of `nsp` when given) that hold the token `(iss, jti)`. */
  const endLocalToken = (target: TokenTarget, nsp?: AnyNamespace): void => {
    for (const socket of [...sessions.all()]) {
      const claims = (socket.data as { auth?: SocketAuth } | undefined)?.auth?.claims
      if (
        claims !== undefined &&
        (nsp === undefined || socket.nsp === nsp) &&
        matchesToken(claims, target.iss, target.jti)
      )
        endRevoked(socket)
    }
  }

  /**
   * Ends this node's sockets (of `nsp` when given) whose subject is `sub`; with `at`, only those
   * whose token was issued up to then (a user who logged in again since keeps the new session).
   */
  const endLocalSubject = (sub: string, at?: number, nsp?: AnyNamespace): void => {
    for (const socket of [...sessions.withSubject(sub)]) {
      const claims = (socket.data as { auth?: SocketAuth } | undefined)?.auth?.claims
      if (
        claims?.sub === sub &&
        (nsp === undefined || socket.nsp === nsp) &&
        (at === undefined || issuedBefore(claims, at))
      )
        endRevoked(socket)
    }
  }

  // The store's change feed: revocations stored by any node (this one included) end the
  // matching sockets here at once, whatever became of the adapter's message.
  const onStoredRevocation = (target: RevocationTarget, revokedAt: number): void => {
    if (closed) return
    log.record(target, revokedAt)
    if (typeof target.sub === 'string') endLocalSubject(target.sub, revokedAt)
    else if (typeof target.jti === 'string') endLocalToken({ iss: target.iss, jti: target.jti })
  }

  const onRevokeToken = function (this: AnyNamespace, target: unknown): void {
    if (closed || typeof target !== 'object' || target === null) return
    const { iss, jti, at } = target as Partial<TokenTarget> & { at?: unknown }
    if (typeof jti !== 'string' || !(iss === undefined || typeof iss === 'string')) return
    log.record(iss === undefined ? { jti } : { jti, iss }, typeof at === 'number' ? at : now())
    endLocalToken({ iss, jti }, this)
  }

  const onRevokeSubject = function (this: AnyNamespace, target: unknown): void {
    if (closed || typeof target !== 'object' || target === null) return
    const { sub, at } = target as { sub?: unknown; at?: unknown }
    if (typeof sub !== 'string' || typeof at !== 'number') return
    log.record({ sub }, at)
    // Every socket of the subject here, as the revoking node ends its own (clocks differ).
    endLocalSubject(sub, undefined, this)
  }

  // Started with the first namespace the guard protects, so a guard that is never used runs no
  // timer and holds no connection.
  let unsubscribe: (() => void) | undefined
  let stopSweep: (() => void) | undefined
  const start = (): void => {
    if (closed || unsubscribe !== undefined || stopSweep !== undefined) return
    unsubscribe = store.subscribe?.(onStoredRevocation) ?? (() => undefined)
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

  const hook = (nsp: AnyNamespace): void => {
    if (hooked.has(nsp)) return
    start()
    hooked.add(nsp)
    servers.add(nsp.server)
    guardRecovery(nsp)
    nsp.prependListener('connection', onConnection)
    // Messages from the other nodes of a cluster adapter (serverSideEmit).
    ;(nsp as unknown as NodeJS.EventEmitter).on(REVOKE_TOKEN_EVENT, onRevokeToken)
    ;(nsp as unknown as NodeJS.EventEmitter).on(REVOKE_SUBJECT_EVENT, onRevokeSubject)
  }

  const middleware: GuardMiddleware = (socket, next) => {
    let settled = false
    const done = (error?: unknown): void => {
      if (settled) return
      settled = true
      if (error === undefined) {
        next()
        return
      }
      const coded = guardError(error)
      try {
        // A refused token is still a credential (another audience, a refresh later): the hook,
        // which apps use to log the socket, must not see it.
        stripToken(socket.handshake, extract)
        reportFailure(coded, socket)
        countFailure(socket, coded)
      } catch {
        // Nothing here may turn a refusal into a hang and a crash.
      }
      next(connectError(coded))
    }
    try {
      hook(socket.nsp)
      if (closed) throw shuttingDown()
      if (mode === 'post-connect') {
        // The token comes later, by `authenticate`; one sent in the handshake anyway must not
        // stay there (it would travel in fetchSockets()).
        stripToken(socket.handshake, extract)
        done()
        return
      }
      const handshake = socket.handshake as unknown as HandshakeLike
      const run = async (): Promise<void> => {
        await checkLimit(socket)
        const { token } = extractToken(handshake, extract)
        // Before `onAuthenticated` (and any log line of the app's) sees the socket.
        stripToken(handshake, extract)
        const { auth, mark } = await authenticate(token, socket)
        ;(socket.data as { auth: SocketAuth }).auth = auth
        // Socket.IO connects it a tick later: `onConnection` re-checks from the same mark.
        marks.set(socket, mark)
      }
      run().then(() => {
        done()
      }, done)
    } catch (error) {
      done(error)
    }
  }

  /** Tells the other nodes of each namespace's cluster adapter (the in-memory one has none). */
  const tellOtherNodes = async (event: string, message: object): Promise<void> => {
    await Promise.all(
      [...guarded()].map(async (nsp) => {
        // Only a cluster adapter has other nodes to tell (the in-memory one warns on
        // serverSideEmit).
        if ((await serverCount(nsp)) > 1) nsp.serverSideEmit(event, message)
      }),
    )
  }

  /** Awaits a store write; its failure as `store_unavailable`, or undefined when it worked. */
  const write = async (stored: () => void | Promise<void>): Promise<AuthError | undefined> => {
    try {
      await stored()
      return undefined
    } catch (error) {
      return storeUnavailable(error)
    }
  }

  return Object.freeze({
    verifier,
    middleware,
    attach<TServer extends AnyServer>(io: TServer): TServer {
      const protect = (nsp: AnyNamespace): void => {
        hook(nsp)
        // Authentication runs before the app's own middlewares, whenever they were added.
        const fns = (nsp as unknown as { _fns?: unknown[] })._fns
        if (Array.isArray(fns)) {
          if (!fns.includes(middleware)) fns.unshift(middleware)
        } else nsp.use(middleware)
      }
      for (const nsp of io._nsps.values()) protect(nsp)
      // Fired for every namespace created later, including children of dynamic namespaces.
      io.on('new_namespace', protect)
      return io
    },
    async revoke(target) {
      const at = now()
      // This node first (it needs nothing remote, so a store outage cannot delay it), then the
      // store (so that sockets the other nodes drop cannot reconnect), then the other nodes.
      let failure: AuthError | undefined
      if (typeof target.sub === 'string' && target.sub !== '') {
        const { sub } = target
        // Issue 10, B3: the verifier accepts an `iat` up to `clockToleranceMs` ahead, so a
        // subject revocation covers tokens issued up to then too: the store, the log and the
        // other nodes all get `coveredTo`, the same rule as the live kick (which
        // ends every socket of the subject). A re-login within the tolerance is refused too.
        const coveredTo = at + clockToleranceMs
        // Recorded first: an authentication of this subject in flight now is refused when it
        // commits, even if the store answered it before the write below landed.
        const settle = log.record({ sub }, coveredTo, true)
        try {
          endLocalSubject(sub)
          failure = await write(() => store.revokeSubject(sub, coveredTo, revocationTtlMs))
        } finally {
          settle()
        }
        await tellOtherNodes(REVOKE_SUBJECT_EVENT, { sub, at: coveredTo })
      } else if (typeof target.jti === 'string' && target.jti !== '') {
        const token = { iss: target.iss, jti: target.jti }
        const settle = log.record(
          token.iss === undefined ? { jti: token.jti } : { jti: token.jti, iss: token.iss },
          at,
          true,
        )
        try {
          endLocalToken(token)
          failure = await write(() =>
            store.revokeToken(token.iss, token.jti, target.expiresAt ?? at + revocationTtlMs),
          )
        } finally {
          settle()
        }
        await tellOtherNodes(REVOKE_TOKEN_EVENT, { ...token, at })
      } else {
        throw new InvalidOptionError('target', 'must be { sub } or { jti, iss? }')
      }
      // Loud: the revocation may not outlive this node's memory, and the caller must know.
      if (failure !== undefined) throw failure
    },
    async close() {
      closed = true
      answerPending()
      timers.close()
      stopSweep?.()
      unsubscribe?.()
      for (const nsp of guarded()) {
        nsp.off('connection', onConnection)
        ;(nsp as unknown as NodeJS.EventEmitter).off(REVOKE_TOKEN_EVENT, onRevokeToken)
        ;(nsp as unknown as NodeJS.EventEmitter).off(REVOKE_SUBJECT_EVENT, onRevokeSubject)
      }
      sessions.clear()
      log.clear()
      servers.clear()
      verifier.close()
      await store.close?.()
    },
  } satisfies Guard<TClaims>)
}
