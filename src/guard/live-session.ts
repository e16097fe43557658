// The live session of one connected socket: the expiry warning and disconnect timers, and the
// in-band refresh (`authenticate` on a connected socket). Both keep the connection and socket id.
import { AuthError } from '../errors.js'
import type { DeadlineKind, TimerHeap } from '../internal/timer-heap.js'
import { namespaceCountOf, sendDirect } from '../internal/socket-io-private.js'
import { wireError, type WireError } from '../internal/wire-error.js'
import { expiredError, guardError, revokedError } from './guard-errors.js'
import { sessionAuthOf, setAuth } from './socket-auth.js'
import type { Authenticator } from './authenticate.js'
import type { RateLimitCheck } from './rate-limit-check.js'
import type { AnySocket, SocketAuth } from './types.js'

/** A verified, admitted token, and the revocation-log mark taken before it was checked. */
export interface Authenticated {
  readonly auth: SocketAuth
  /** Re-check at the commit point against the revocations learned since (RevocationLog). */
  readonly mark: number
}

/** What a session needs from its guard. */
export interface SessionContext extends Pick<Authenticator, 'authenticate' | 'admit'> {
  readonly now: () => number
  readonly expiringWarningMs: number
  readonly clockToleranceMs: number
  /** The least time between two refreshes of one socket, in ms. */
  readonly refreshIntervalMs: number
  /** Reports a failure (onFailure hook). */
  readonly reportFailure: (error: AuthError, socket: AnySocket) => void
  /** True once the guard is closed: timers then do nothing. */
  readonly isClosed: () => boolean
  /** The guard's deadlines: one Node timer for every socket. */
  readonly timers: TimerHeap
  /** What an expired session becomes (`expiry`). */
  readonly expiry: 'disconnect' | 'guest'
  /**
   * True when a socket of `nsp` may stay there as a guest now: guests allowed, and the
   * namespace's rule (if any) allows `null` claims at once.
   */
  readonly guestMayStay: (nsp: AnySocket['nsp']) => boolean
  /** Resolves when `claims` may use `nsp` (the `namespaces` rule), rejects `forbidden`. */
  readonly checkNamespace: (
    claims: SocketAuth['claims'],
    nsp: AnySocket['nsp'],
  ) => Promise<void> | undefined
  /** The failed-authentication limit, for a guest's `authenticate` (undefined: off). */
  readonly guestLimit?: Pick<RateLimitCheck, 'checkLimit' | 'countFailure' | 'release'>
  /** Takes a socket out of the session index before it becomes a guest. */
  readonly forget: (socket: AnySocket) => void
  /** After a refresh commits (room memberships are re-checked with the new claims). */
  readonly onRefreshed?: (socket: AnySocket) => void
}

/** The ack of `authenticate`. */
export type AuthenticateAck =
  | { ok: true; expiresAt: number | null }
  | ({ ok: false } & WireError & {
        /** With `rate_limited` for a refresh: when the socket may try again, in ms. */
        retryAfterMs?: number
      })

/**
 * Sends `unauthorized` to one socket, straight to its connection (see `sendDirect`: an `emit`
 * through a recovery-keeping adapter could be overtaken by the disconnect that follows, and
 * lost while Redis is away). A session the server ends is never recovered, so nothing needs
 * keeping. (A quarantined post-connect socket is outside the adapter altogether.)
 */
export function sendUnauthorized(socket: AnySocket, payload: WireError): void {
  if (!sendDirect(socket, 'unauthorized', payload)) socket.emit('unauthorized', payload)
}

/** Sends `unauthorized` and disconnects: the end of every failed session. */
export function rejectSocket(socket: AnySocket, error: unknown): void {
  if (!socket.connected) return
  sendUnauthorized(socket, wireError(error))
  // Only this namespace: others multiplexed on the same connection hold their own tokens. The
  // connection goes with its last namespace, so a refused client cannot keep it open.
  const open = namespaceCountOf(socket)
  socket.disconnect(open === undefined || open <= 1)
}

// Every connected socket lives with its session for as long as it is connected, so a session
// keeps nothing of its own: its deadline is an entry in the guard's timer heap, its token is
// `socket.data.auth`, and its listeners are functions shared by all the sockets of a guard (the
// emitter calls them with the socket as `this`). A deadline whose token was refreshed, or whose
// socket left, is recognised as stale when it comes up.

/** The session machinery of one guard's sockets: shared by all of them. */
interface Sessions {
  readonly warn: DeadlineKind<AnySocket>
  readonly expire: DeadlineKind<AnySocket>
  readonly onAuthenticate: (this: AnySocket, payload: unknown, ack?: unknown) => void
  readonly onDisconnect: (this: AnySocket) => void
}

/** When the socket's current token is warned about and when it ends, or null without `exp`. */
function deadlinesOf(
  socket: AnySocket,
  auth: SocketAuth | null,
  ctx: SessionContext,
): { warnAt: number; expireAt: number } | null {
  // A guest has no token, so nothing expires.
  if (auth === null) return null
  const { expiresAt, claims } = auth
  if (expiresAt === null) return null
  // Without `iat`, the connection's start stands in: a deadline must not depend on when it is
  // computed, or a pending entry could not be recognised as still applying.
  const issuedAt = typeof claims.iat === 'number' ? claims.iat * 1000 : socket.handshake.issued
  // Short tokens are warned at half their lifetime, so the client has time to refresh.
  const lead = Math.min(ctx.expiringWarningMs, Math.max(0, (expiresAt - issuedAt) / 2))
  return { warnAt: expiresAt - lead, expireAt: expiresAt + ctx.clockToleranceMs }
}

function schedule(socket: AnySocket, ctx: SessionContext, sessions: Sessions): void {
  const deadlines = deadlinesOf(socket, sessionAuthOf(socket), ctx)
  if (deadlines === null) return
  if (deadlines.warnAt > ctx.now()) ctx.timers.schedule(sessions.warn, deadlines.warnAt, socket)
  else ctx.timers.schedule(sessions.expire, deadlines.expireAt, socket)
}

/** The live sessions of one guard: created by the guard, shared by all its sockets. */
export interface LiveSessions {
  /** Starts the session of a socket whose `socket.data.auth` is set. */
  readonly start: (socket: AnySocket) => void
}

/** Makes the live-session machinery of one guard. */
export function createLiveSessions(ctx: SessionContext): LiveSessions {
  // Sockets whose refresh is running: a second `authenticate` meanwhile is refused.
  const refreshing = new WeakSet<AnySocket>()
  // When each socket's last refresh started (only sockets that refreshed have an entry).
  const lastRefresh = new WeakMap<AnySocket, number>()

  const sessions: Sessions = {
    warn: {
      isLive: (socket, at) =>
        socket.connected &&
        deadlinesOf(socket, sessionAuthOf(socket), ctx)?.warnAt === at &&
        !ctx.isClosed(),
      fire(socket) {
        const expiresAt = sessionAuthOf(socket)?.expiresAt ?? null
        socket.emit('auth:expiring', { expiresAt })
        const deadlines = deadlinesOf(socket, sessionAuthOf(socket), ctx)
        if (deadlines !== null) ctx.timers.schedule(sessions.expire, deadlines.expireAt, socket)
      },
    },
    expire: {
      isLive: (socket, at) =>
        socket.connected &&
        deadlinesOf(socket, sessionAuthOf(socket), ctx)?.expireAt === at &&
        !ctx.isClosed(),
      fire(socket) {
        const error = expiredError()
        ctx.reportFailure(error, socket)
        // Where guests are allowed and the namespace's rule (asked with `null` claims) lets a
        // guest stay; anywhere else the session ends as with expiry: 'disconnect'.
        if (ctx.expiry === 'guest' && ctx.guestMayStay(socket.nsp)) {
          // Back to a guest: told why, but connected. Out of the session index first (it is
          // found there by its old subject), then the token goes: a revocation of the former
          // user no longer concerns it, and a new `authenticate` may bring any user.
          ctx.forget(socket)
          setAuth(socket, null)
          sendUnauthorized(socket, wireError(error))
          // Its rooms are re-checked as a guest's (null claims), as after a refresh.
          ctx.onRefreshed?.(socket)
          return
        }
        rejectSocket(socket, error)
      },
    },
    onDisconnect() {
      if ((sessionAuthOf(this)?.expiresAt ?? null) !== null) ctx.timers.noteStale()
    },
    onAuthenticate(payload, ack) {
      handleAuthenticate(this, payload, ack)
    },
  }

  function handleAuthenticate(socket: AnySocket, payload: unknown, ack: unknown): void {
    const reply =
      typeof ack === 'function' ? (ack as (response: AuthenticateAck) => void) : undefined
    const at = ctx.now()
    const last = lastRefresh.get(socket)
    const wait = last === undefined ? 0 : last + ctx.refreshIntervalMs - at
    // Too soon, or one still running: the socket keeps its session and may try again later.
    // (`rate_limited` also means too many failed handshakes; docs/errors.md.)
    if (refreshing.has(socket) || wait > 0) {
      reply?.({
        ok: false,
        code: 'rate_limited',
        message: refreshing.has(socket)
          ? 'A refresh is already in progress.'
          : 'Too many refreshes; try again later.',
        retryAfterMs: Math.max(1, Math.ceil(wait)),
      })
      return
    }
    lastRefresh.set(socket, at)
    refreshing.add(socket)
    // A guest's `authenticate` is a login, as a handshake is: the failed-authentication limit
    // applies (without it, connecting as a guest would make guessing free).
    const limit = sessionAuthOf(socket) === null ? ctx.guestLimit : undefined
    const attempt =
      limit === undefined
        ? refresh(socket, payload, ctx, sessions)
        : limit.checkLimit(socket).then(() => refresh(socket, payload, ctx, sessions))
    attempt.then(
      (result) => {
        refreshing.delete(socket)
        limit?.release(socket)
        reply?.(result)
        if (result.ok) socket.emit('authenticated', { expiresAt: result.expiresAt })
      },
      (error: unknown) => {
        refreshing.delete(socket)
        const coded = guardError(error)
        ctx.reportFailure(coded, socket)
        limit?.countFailure(socket, coded)
        reply?.({ ok: false, ...wireError(coded) })
        // The server failing (the revocation store down, a hook's bug, a shutdown) says nothing
        // against the token the socket already holds: it keeps it (and its expiry) and may try
        // again. Every other refusal ends it.
        if (coded.code !== 'store_unavailable' && coded.code !== 'server_error')
          rejectSocket(socket, coded)
      },
    )
  }
  return {
    start(socket) {
      socket.on('authenticate', sessions.onAuthenticate)
      socket.on('disconnect', sessions.onDisconnect)
      schedule(socket, ctx, sessions)
    },
  }
}

async function refresh(
  socket: AnySocket,
  payload: unknown,
  ctx: SessionContext,
  sessions: Sessions,
): Promise<AuthenticateAck> {
  const token: unknown =
    typeof payload === 'object' && payload !== null
      ? (payload as { token?: unknown }).token
      : payload
  const previous = sessionAuthOf(socket)
  // Same issuer and subject, checked by `authenticate` before the store and the hook run: a
  // refresh renews one identity, switching users needs a new connection. A guest has no
  // identity yet: its first token may be anyone's.
  const { auth: next, mark } = await ctx.authenticate(token, socket, previous?.claims)
  // The namespace's rule holds for the new token too (a narrowed scope, a guest's first token).
  await ctx.checkNamespace(next.claims, socket.nsp)
  if (!socket.connected) return { ok: true, expiresAt: next.expiresAt }
  setAuth(socket, next)
  // The commit point: a revocation of the new token while it was being checked ends it here.
  if (!ctx.admit(socket, mark)) {
    const { code, message } = revokedError()
    return { ok: false, code, message }
  }
  ctx.onRefreshed?.(socket)
  const before = deadlinesOf(socket, previous, ctx)
  const after = deadlinesOf(socket, next, ctx)
  // Same deadlines: the pending entry still applies. Otherwise it is stale from now on.
  if (before?.warnAt !== after?.warnAt || before?.expireAt !== after?.expireAt) {
    if (before !== null) ctx.timers.noteStale()
    schedule(socket, ctx, sessions)
  }
  return { ok: true, expiresAt: next.expiresAt }
}
