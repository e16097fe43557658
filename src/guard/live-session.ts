// The live session of one connected socket: the expiry warning and disconnect timers, and the
// in-band refresh (`authenticate` on a connected socket). Both keep the connection and socket id.
import { AuthError, ClaimInvalidError } from '../errors.js'
import type { TimerEntry, TimerHeap } from '../internal/timer-heap.js'
import { toAuthError, wireError, type WireError } from '../internal/wire-error.js'
import type { JwtClaims } from '../verifier/types.js'
import type { AnySocket, SocketAuth } from './types.js'

/** What a session needs from its guard. */
export interface SessionContext {
  readonly now: () => number
  readonly expiringWarningMs: number
  readonly clockToleranceMs: number
  /** Verifies a token and runs the revocation and `onAuthenticated` checks. */
  readonly authenticate: (token: unknown, socket: AnySocket) => Promise<SocketAuth>
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

/** A running session. */
export interface LiveSession {
  /** Re-arms the timers after `socket.data.auth` changed. */
  reschedule(): void
  /** Stops the timers. */
  stop(): void
}

/** Sends `unauthorized` and disconnects: the end of every failed session. */
export function rejectSocket(socket: AnySocket, error: unknown): void {
  if (!socket.connected) return
  socket.emit('unauthorized', wireError(error))
  // Only this namespace: others multiplexed on the same connection hold their own tokens. The
  // connection goes with its last namespace, so a refused client cannot keep it open.
  const sockets = (socket.client as unknown as { sockets?: ReadonlyMap<unknown, unknown> }).sockets
  socket.disconnect(sockets === undefined || sockets.size <= 1)
}

function authOf(socket: AnySocket): SocketAuth {
  return (socket.data as { auth: SocketAuth }).auth
}

// Where a socket keeps its session: the shared listeners below find it through `this`.
const SESSION = Symbol('sockguard.session')
type SessionHolder = AnySocket & { [SESSION]?: Session }

/**
 * The live session of one socket. Every connected socket holds one for as long as it lives, so it
 * is a small object with shared methods and listeners: no closure per socket.
 */
class Session implements LiveSession {
  /** The one pending deadline: the warning, then (re-armed) the expiry. */
  timer: TimerEntry | undefined = undefined
  refreshing = false

  constructor(
    readonly socket: AnySocket,
    readonly ctx: SessionContext,
  ) {}

  stop(): void {
    this.timer?.cancel()
    this.timer = undefined
  }

  reschedule(): void {
    this.stop()
    const { ctx } = this
    const { expiresAt, claims } = authOf(this.socket)
    if (expiresAt === null) return
    const issuedAt = typeof claims.iat === 'number' ? claims.iat * 1000 : ctx.now()
    // Short tokens are warned at half their lifetime, so the client has time to refresh.
    const lead = Math.min(ctx.expiringWarningMs, Math.max(0, (expiresAt - issuedAt) / 2))
    this.timer =
      expiresAt - lead > ctx.now()
        ? ctx.timers.schedule(warn, expiresAt - lead, this)
        : ctx.timers.schedule(expire, expiresAt + ctx.clockToleranceMs, this)
  }

  async refresh(payload: unknown): Promise<AuthenticateAck> {
    const token: unknown =
      typeof payload === 'object' && payload !== null
        ? (payload as { token?: unknown }).token
        : payload
    const { socket } = this
    const previous = authOf(socket)
    const next = await this.ctx.authenticate(token, socket)
    // A refresh renews the same identity; switching users needs a new connection. The subject's
    // room therefore stays as it is.
    if (next.claims.sub !== previous.claims.sub) {
      throw new ClaimInvalidError('sub', 'A refreshed token must be for the same subject.')
    }
    ;(socket.data as { auth: SocketAuth }).auth = next
    this.reschedule()
    return { ok: true, expiresAt: next.expiresAt }
  }
}

function warn(session: Session): void {
  const { ctx, socket } = session
  if (ctx.isClosed()) return
  const { expiresAt } = authOf(socket)
  socket.emit('auth:expiring', { expiresAt })
  if (expiresAt !== null)
    session.timer = ctx.timers.schedule(expire, expiresAt + ctx.clockToleranceMs, session)
}

function expire(session: Session): void {
  const { ctx, socket } = session
  session.timer = undefined
  if (ctx.isClosed()) return
  const error = new AuthError('token_expired', 'The token has expired.', { claim: 'exp' })
  ctx.reportFailure(error, socket)
  rejectSocket(socket, error)
}

function onDisconnect(this: SessionHolder): void {
  this[SESSION]?.stop()
}

function onAuthenticate(this: SessionHolder, payload: unknown, ack?: unknown): void {
  const session = this[SESSION]
  if (session === undefined) return
  const { ctx, socket } = session
  const reply = typeof ack === 'function' ? (ack as (response: AuthenticateAck) => void) : undefined
  if (session.refreshing) {
    reply?.({ ok: false, code: 'rate_limited', message: 'A refresh is already in progress.' })
    return
  }
  session.refreshing = true
  session.refresh(payload).then(
    (result) => {
      session.refreshing = false
      reply?.(result)
      socket.emit('authenticated', { expiresAt: result.ok ? result.expiresAt : null })
    },
    (error: unknown) => {
      session.refreshing = false
      const coded = toAuthError(error)
      ctx.reportFailure(coded, socket)
      reply?.({ ok: false, ...wireError(coded) })
      rejectSocket(socket, error)
    },
  )
}

/** Starts the session of a socket whose `socket.data.auth` is set. */
export function startSession(socket: AnySocket, ctx: SessionContext): LiveSession {
  const session = new Session(socket, ctx)
  ;(socket as SessionHolder)[SESSION] = session
  // Shared functions: the emitter calls them with the socket as `this`.
  socket.on('authenticate', onAuthenticate)
  socket.on('disconnect', onDisconnect)
  session.reschedule()
  return session
}
