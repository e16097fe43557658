// The post-connect flow (the socketio-jwt protocol): the socket connects without a token and
// must emit `authenticate` `{ token }` within the timeout. Until then it is outside every
// broadcast and its other events are dropped.
import { AuthError } from '../errors.js'
import { toAuthError, wireError } from '../internal/wire-error.js'
import { rejectSocket, type AuthenticateAck, type SessionContext } from './live-session.js'
import type { AnySocket, SocketAuth } from './types.js'

/** What the post-connect flow needs from its guard. */
export interface PostConnectContext extends SessionContext {
  readonly timeoutMs: number
  /** Starts the live session once the socket is authenticated. */
  readonly onAuthenticated: (socket: AnySocket) => void
}

/** Runs the post-connect flow of one socket. */
export function startPostConnect(socket: AnySocket, ctx: PostConnectContext): void {
  let state: 'waiting' | 'verifying' | 'done' = 'waiting'
  // Broadcasts (even io.emit) reach a socket through the adapter's record of it; without one,
  // none reaches it. Joining its own room again on success restores the record.
  socket.nsp.adapter.delAll(socket.id)
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

  socket.use((packet, next) => {
    // Until authenticated, only `authenticate` gets through; everything else is dropped unseen.
    if (state === 'done' || packet[0] === 'authenticate') next()
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
        })
      return
    }
    state = 'verifying'
    const token: unknown =
      typeof payload === 'object' && payload !== null
        ? (payload as { token?: unknown }).token
        : payload
    ctx
      .authenticate(token, socket)
      .then(async (auth: SocketAuth) => {
        if (!socket.connected) return
        ;(socket.data as { auth: SocketAuth }).auth = auth
        await socket.join([socket.id, ...ctx.roomsOf(auth.claims)])
        state = 'done'
        clearTimeout(timer)
        socket.off('authenticate', onAuthenticate)
        ctx.onAuthenticated(socket)
        reply?.({ ok: true, expiresAt: auth.expiresAt })
        socket.emit('authenticated', { expiresAt: auth.expiresAt })
      })
      .catch((error: unknown) => {
        state = 'done'
        clearTimeout(timer)
        const coded = toAuthError(error)
        ctx.reportFailure(coded, socket)
        reply?.({ ok: false, ...wireError(coded) })
        rejectSocket(socket, coded)
      })
  }
  socket.on('authenticate', onAuthenticate)
}
