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

/** Starts the session of a socket whose `socket.data.auth` is set. */
export function startSession(socket: AnySocket, ctx: SessionContext): LiveSession {
  // One timer per socket, first for the warning, then re-armed for the expiry: each live timer
  // costs memory on every connected socket.
  let timer: TimerEntry | undefined
  let refreshing = false

  const stop = (): void => {
    timer?.cancel()
    timer = undefined
  }

  const expire = (): void => {
    timer = undefined
    if (ctx.isClosed()) return
    const error = new AuthError('token_expired', 'The token has expired.', { claim: 'exp' })
    ctx.reportFailure(error, socket)
    rejectSocket(socket, error)
  }

  const reschedule = (): void => {
    stop()
    const { expiresAt, claims } = authOf(socket)
    if (expiresAt === null) return
    const issuedAt = typeof claims.iat === 'number' ? claims.iat * 1000 : ctx.now()
    // Short tokens are warned at half their lifetime, so the client has time to refresh.
    const lead = Math.min(ctx.expiringWarningMs, Math.max(0, (expiresAt - issuedAt) / 2))
    const expiryAt = expiresAt + ctx.clockToleranceMs
    if (expiresAt - lead > ctx.now()) {
      timer = ctx.timers.schedule(() => {
        if (ctx.isClosed()) return
        socket.emit('auth:expiring', { expiresAt })
        timer = ctx.timers.schedule(expire, expiryAt)
      }, expiresAt - lead)
    } else {
      timer = ctx.timers.schedule(expire, expiryAt)
    }
  }

  const refresh = async (payload: unknown): Promise<AuthenticateAck> => {
    const token: unknown =
      typeof payload === 'object' && payload !== null
        ? (payload as { token?: unknown }).token
        : payload
    const previous = authOf(socket)
    const next = await ctx.authenticate(token, socket)
    // A refresh renews the same identity; switching users needs a new connection.
    if (next.claims.sub !== previous.claims.sub) {
      throw new ClaimInvalidError('sub', 'A refreshed token must be for the same subject.')
    }
    ;(socket.data as { auth: SocketAuth }).auth = next
    const nextRooms = ctx.roomsOf(next.claims)
    const rooms = nextRooms.filter((room) => !socket.rooms.has(room))
    if (rooms.length > 0) await socket.join(rooms)
    // The old token's room goes: revoking the token the socket no longer holds must not end it.
    for (const room of ctx.roomsOf(previous.claims)) {
      if (!nextRooms.includes(room)) await socket.leave(room)
    }
    reschedule()
    return { ok: true, expiresAt: next.expiresAt }
  }

  socket.on('authenticate', (payload: unknown, ack?: unknown) => {
    const reply =
      typeof ack === 'function' ? (ack as (response: AuthenticateAck) => void) : undefined
    if (refreshing) {
      reply?.({ ok: false, code: 'rate_limited', message: 'A refresh is already in progress.' })
      return
    }
    refreshing = true
    refresh(payload).then(
      (result) => {
        refreshing = false
        reply?.(result)
        socket.emit('authenticated', { expiresAt: result.ok ? result.expiresAt : null })
      },
      (error: unknown) => {
        refreshing = false
        const coded = toAuthError(error)
        ctx.reportFailure(coded, socket)
        reply?.({ ok: false, ...wireError(coded) })
        rejectSocket(socket, error)
      },
    )
  })
  socket.once('disconnect', stop)
  reschedule()
  return { reschedule, stop }
}
