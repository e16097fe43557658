// The post-connect flow (the socketio-jwt protocol): the socket connects without a token and
// must emit `authenticate` `{ token }` within the timeout. Until then it is outside every
// broadcast and its other events are dropped.
import { AuthError } from '../errors.js'
import { gateIncomingEvents, gateStringEventsOnly } from '../internal/socket-io-private.js'
import { wireError } from '../internal/wire-error.js'
import { guardError } from './guard-errors.js'
import { rejectSocket, type AuthenticateAck, type SessionContext } from './live-session.js'
import { setAuth } from './socket-auth.js'
import type { AnySocket } from './types.js'

/** What the post-connect flow needs from its guard. */
export interface PostConnectContext extends SessionContext {
  readonly timeoutMs: number
  /** Throws `rate_limited` when the socket's rate-limit key has failed too often. */
  readonly checkLimit: (socket: AnySocket) => Promise<void>
  /** Counts a failed `authenticate` against the socket's rate-limit key. */
  readonly countFailure: (socket: AnySocket, error: AuthError) => void
  /** Ends the socket's rate-limited attempt without a failure. */
  readonly releaseLimit: (socket: AnySocket) => void
  /** Starts the live session once the socket is authenticated. */
  readonly onAuthenticated: (socket: AnySocket) => void
  /** Rooms joined for the socket before it connected (an app middleware), held until now. */
  readonly takeHeldRooms?: (socket: AnySocket) => readonly string[]
}

/** A socket kept out of broadcasts, with its events dropped, until it is released. */
export interface Quarantine {
  /** True once {@link Quarantine.release} has run. */
  readonly released: boolean
  /** Readmits the socket: its own room, the rooms joined meanwhile, and `rooms`. */
  release(rooms?: readonly string[]): Promise<void>
}

type Join = AnySocket['join']
type Leave = AnySocket['leave']

// A call, so that a check after an `await` is not narrowed away by the one before it.
const isConnected = (socket: AnySocket): boolean => socket.connected

/**
 * Puts a connected socket in quarantine: it receives no broadcast (not even `io.emit`) and every
 * incoming event but `authenticate` is dropped before any handler sees it.
 */
export function quarantine(socket: AnySocket, heldRooms: readonly string[] = []): Quarantine {
  let released = false
  // Broadcasts (even io.emit) reach a socket through the adapter's record of it; without one,
  // none reaches it. The app's own `connection` handlers still run and often `socket.join()` a
  // room, which would recreate that record: joins are held back until release.
  // Rooms it already has (restored by connection-state recovery), and those an app middleware
  // joined before it connected, are given back (checked) on release.
  const pending = new Set<string>(
    [...socket.rooms, ...heldRooms].filter((room) => room !== socket.id),
  )
  socket.nsp.adapter.delAll(socket.id)
  const join: Join = (rooms) => {
    for (const room of typeof rooms === 'string' ? [rooms] : rooms) pending.add(room)
  }
  const leave: Leave = (room) => {
    pending.delete(room)
  }
  Object.defineProperty(socket, 'join', { value: join, configurable: true, writable: true })
  Object.defineProperty(socket, 'leave', { value: leave, configurable: true, writable: true })

  // Dropped unseen: no handler runs, no ack is called, nothing is sent back. Socket.IO calls
  // `socket.onAny` listeners before any `socket.use` middleware (Socket#onevent), so the packet
  // is stopped there; the middleware is the fallback should that private method ever change.
  // An event name that is not a string (the packet `42[2,{}]`) is never an event of the app's:
  // it is dropped before and after release alike, as rules keyed by name cannot see it.
  const passes = (event: unknown): boolean =>
    typeof event === 'string' && (released || event === 'authenticate')
  gateIncomingEvents(socket, passes)
  socket.use((packet, next) => {
    if (passes(packet[0])) next()
  })

  return {
    get released() {
      return released
    },
    async release(rooms = []) {
      if (released) return
      released = true
      // Back to the prototype's methods; `onevent` keeps a gate shared by every released socket
      // that drops event names that are not strings (`onAny` listeners run before `socket.use`).
      const own = socket as unknown as Partial<Record<'join' | 'leave', unknown>>
      delete own.join
      delete own.leave
      gateStringEventsOnly(socket)
      if (!socket.connected) return
      await socket.join([socket.id, ...pending, ...rooms])
    },
  }
}

/** Runs the post-connect flow of one socket. */
export function startPostConnect(socket: AnySocket, ctx: PostConnectContext): void {
  let state: 'waiting' | 'verifying' | 'done' = 'waiting'
  // Taken before the quarantine empties the socket's record in the adapter (which forgets them).
  const held = quarantine(socket, ctx.takeHeldRooms?.(socket))
  const timer = setTimeout(() => {
    if (state === 'done') return
    state = 'done'
    const error = new AuthError('auth_timeout', 'No authentication was received in time.')
    ctx.reportFailure(error, socket)
    rejectSocket(socket, error)
  }, ctx.timeoutMs)
  timer.unref()
  socket.once('disconnect', () => {
    clearTimeout(timer)
  })

  const onAuthenticate = (payload: unknown, ack?: unknown): void => {
    const reply =
      typeof ack === 'function' ? (ack as (response: AuthenticateAck) => void) : undefined
    if (state !== 'waiting') {
      if (state === 'verifying')
        reply?.({
          ok: false,
          code: 'rate_limited',
          message: 'Authentication is already in progress.',
          retryAfterMs: Math.max(1, ctx.refreshIntervalMs),
        })
      return
    }
    state = 'verifying'
    const token: unknown =
      typeof payload === 'object' && payload !== null
        ? (payload as { token?: unknown }).token
        : payload
    ctx
      .checkLimit(socket)
      .then(async () => ctx.authenticate(token, socket))
      .then(async ({ auth, mark }) => {
        ctx.releaseLimit(socket)
        // Lost the race with the timeout, or the client left meanwhile.
        if (state !== 'verifying' || !socket.connected) return
        setAuth(socket, auth)
        // The commit point: from here revocation finds the socket (quarantined or not); one
        // that came while the token was being checked ends it now.
        if (!ctx.admit(socket, mark)) {
          state = 'done'
          clearTimeout(timer)
          return
        }
        await held.release()
        state = 'done'
        clearTimeout(timer)
        socket.off('authenticate', onAuthenticate)
        // Revoked while its rooms were being given back: already told and disconnected.
        if (!isConnected(socket)) return
        ctx.onAuthenticated(socket)
        reply?.({ ok: true, expiresAt: auth.expiresAt })
        socket.emit('authenticated', { expiresAt: auth.expiresAt })
      })
      .catch((error: unknown) => {
        // Timed out meanwhile: that refusal was already sent.
        if (state === 'done' && !held.released) return
        state = 'done'
        clearTimeout(timer)
        const coded = guardError(error)
        ctx.reportFailure(coded, socket)
        ctx.countFailure(socket, coded)
        reply?.({ ok: false, ...wireError(coded) })
        rejectSocket(socket, coded)
      })
  }
  socket.on('authenticate', onAuthenticate)
}
