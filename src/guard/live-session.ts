// The live session of one connected socket: the expiry warning and disconnect timers, and the
// in-band refresh (`authenticate` on a connected socket). Both keep the connection and socket id.
import { AuthError, ClaimInvalidError } from '../errors.js'
import type { DeadlineKind, TimerHeap } from '../internal/timer-heap.js'
import { toAuthError, wireError, type WireError } from '../internal/wire-error.js'
import type { JwtClaims } from '../verifier/types.js'
import type { AnySocket, SocketAuth } from './types.js'

/** What a session needs from its guard. */
export interface SessionContext {
  readonly now: () => number
  readonly expiringWarningMs: number
  readonly clockToleranceMs: number
  /** Verifies a token and runs the revocation and `onAuthenticated` checks. */
  readonly authenticate: (
    token: unknown,
    socket: AnySocket,
    /** For a refresh: the subject the token must have (checked before anything else runs). */
    expected?: { readonly sub: string | undefined },
  ) => Promise<SocketAuth>
  /** Reports a failure (onFailure hook). */
  readonly reportFailure: (error: AuthError, socket: AnySocket) => void
  /** Rooms that make a socket reachable for revocation on any node. */
  readonly roomsOf: (claims: JwtClaims) => string[]
  /** True once the guard is closed: timers then do nothing. */
  readonly isClosed: () => boolean
  /** The guard's deadlines: one Node timer for every socket. */
  readonly timers: TimerHeap
}

/** The ack of `authenticate`. */
export type AuthenticateAck = { ok: true; expiresAt: number | null } | ({ ok: false } & WireError)

// socket.io-parser's EVENT packet type.
const EVENT_PACKET = 2

/**
 * Sends `unauthorized` to one socket, straight to its connection. With connection-state recovery
 * on, `socket.emit()` goes through the adapter (to keep the packet for replay), and a cluster
 * adapter delivers it only after a round trip to Redis: the disconnect that follows would
 * overtake it, and while Redis is away it would be lost. A session the server ends is never
 * recovered, so nothing needs keeping. (A quarantined post-connect socket is outside the
 * adapter altogether.) Falls back to `emit` should Socket.IO's `packet` method ever go.
 */
export function sendUnauthorized(socket: AnySocket, payload: WireError): void {
  const packet = (socket as unknown as { packet?: unknown }).packet
  if (typeof packet === 'function') {
    ;(packet as (packet: { type: number; data: unknown[] }) => void).call(socket, {
      type: EVENT_PACKET,
      data: ['unauthorized', payload],
    })
  } else socket.emit('unauthorized', payload)
}

/** Sends `unauthorized` and disconnects: the end of every failed session. */
export function rejectSocket(socket: AnySocket, error: unknown): void {
  if (!socket.connected) return
  sendUnauthorized(socket, wireError(error))
  // Only this namespace: others multiplexed on the same connection hold their own tokens. The
  // connection goes with its last namespace, so a refused client cannot keep it open.
  const sockets = (socket.client as unknown as { sockets?: ReadonlyMap<unknown, unknown> }).sockets
  socket.disconnect(sockets === undefined || sockets.size <= 1)
}

function authOf(socket: AnySocket): SocketAuth {
  return (socket.data as { auth: SocketAuth }).auth
}

// Every connected socket lives with its session for as long as it is connected, so a session
// keeps nothing of its own: its deadline is an entry in the guard's timer heap, its token is
// `socket.data.auth`, and its listeners are functions shared by all the sockets of a guard (the
// emitter calls them with the socket as `this`). A deadline whose token was refreshed, or whose
// socket left, is recognised as stale when it comes up.

/** The session machinery of one guard: shared by all its sockets. */
interface Sessions {
  readonly warn: DeadlineKind<AnySocket>
  readonly expire: DeadlineKind<AnySocket>
  readonly onAuthenticate: (this: AnySocket, payload: unknown, ack?: unknown) => void
  readonly onDisconnect: (this: AnySocket) => void
}

const machinery = new WeakMap<SessionContext, Sessions>()

/** When the socket's current token is warned about and when it ends, or null without `exp`. */
function deadlinesOf(
  socket: AnySocket,
  auth: SocketAuth,
  ctx: SessionContext,
): { warnAt: number; expireAt: number } | null {
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
  const deadlines = deadlinesOf(socket, authOf(socket), ctx)
  if (deadlines === null) return
  if (deadlines.warnAt > ctx.now()) ctx.timers.schedule(sessions.warn, deadlines.warnAt, socket)
  else ctx.timers.schedule(sessions.expire, deadlines.expireAt, socket)
}

function sessionsOf(ctx: SessionContext): Sessions {
  const known = machinery.get(ctx)
  if (known !== undefined) return known
  // Sockets whose refresh is running: a second `authenticate` meanwhile is refused.
  const refreshing = new WeakSet<AnySocket>()

  const sessions: Sessions = {
    warn: {
      isLive: (socket, at) =>
        socket.connected &&
        deadlinesOf(socket, authOf(socket), ctx)?.warnAt === at &&
        !ctx.isClosed(),
      fire(socket) {
        const { expiresAt } = authOf(socket)
        socket.emit('auth:expiring', { expiresAt })
        const deadlines = deadlinesOf(socket, authOf(socket), ctx)
        if (deadlines !== null) ctx.timers.schedule(sessions.expire, deadlines.expireAt, socket)
      },
    },
    expire: {
      isLive: (socket, at) =>
        socket.connected &&
        deadlinesOf(socket, authOf(socket), ctx)?.expireAt === at &&
        !ctx.isClosed(),
      fire(socket) {
        const error = new AuthError('token_expired', 'The token has expired.', { claim: 'exp' })
        ctx.reportFailure(error, socket)
        rejectSocket(socket, error)
      },
    },
    onDisconnect() {
      if (authOf(this).expiresAt !== null) ctx.timers.noteStale()
    },
    onAuthenticate(payload, ack) {
      handleAuthenticate(this, payload, ack)
    },
  }

  function handleAuthenticate(socket: AnySocket, payload: unknown, ack: unknown): void {
    const reply =
      typeof ack === 'function' ? (ack as (response: AuthenticateAck) => void) : undefined
    if (refreshing.has(socket)) {
      reply?.({ ok: false, code: 'rate_limited', message: 'A refresh is already in progress.' })
      return
    }
    refreshing.add(socket)
    refresh(socket, payload, ctx, sessions).then(
      (result) => {
        refreshing.delete(socket)
        reply?.(result)
        socket.emit('authenticated', { expiresAt: result.ok ? result.expiresAt : null })
      },
      (error: unknown) => {
        refreshing.delete(socket)
        const coded = toAuthError(error)
        ctx.reportFailure(coded, socket)
        reply?.({ ok: false, ...wireError(coded) })
        // The revocation store being down says nothing against the token the socket already
        // holds: it keeps it (and its expiry) and may try again. Every other refusal ends it.
        if (coded.code !== 'store_unavailable') rejectSocket(socket, error)
      },
    )
  }
  machinery.set(ctx, sessions)
  return sessions
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
  const previous = authOf(socket)
  const next = await ctx.authenticate(token, socket, { sub: previous.claims.sub })
  // A refresh renews the same identity; switching users needs a new connection. The subject's
  // room therefore stays as it is.
  if (next.claims.sub !== previous.claims.sub) {
    throw new ClaimInvalidError('sub', 'A refreshed token must be for the same subject.')
  }
  if (!socket.connected) return { ok: true, expiresAt: next.expiresAt }
  ;(socket.data as { auth: SocketAuth }).auth = next
  const before = deadlinesOf(socket, previous, ctx)
  const after = deadlinesOf(socket, next, ctx)
  // Same deadlines: the pending entry still applies. Otherwise it is stale from now on.
  if (before?.warnAt !== after?.warnAt || before?.expireAt !== after?.expireAt) {
    if (before !== null) ctx.timers.noteStale()
    schedule(socket, ctx, sessions)
  }
  return { ok: true, expiresAt: next.expiresAt }
}

/** Starts the session of a socket whose `socket.data.auth` is set. */
export function startSession(socket: AnySocket, ctx: SessionContext): void {
  const sessions = sessionsOf(ctx)
  socket.on('authenticate', sessions.onAuthenticate)
  socket.on('disconnect', sessions.onDisconnect)
  schedule(socket, ctx, sessions)
}
