// The drop-in's post-connect flow, socketio-jwt's protocol on Socket.IO v4: the client emits
// `authenticate` `{ token }`; success is `authenticated` on the socket and, locally, on its
// namespace (`io.sockets.on('connection', authorize(...)).on('authenticated', fn)`); failure is
// `unauthorized` with socketio-jwt's error, then a disconnect.
import { EventEmitter } from 'node:events'
import { quarantine } from '../guard/post-connect.js'
import type { AnySocket, SocketAuth } from '../guard/types.js'
import { admit } from './admit.js'
import type { CompatSettings } from './options.js'
import type { TokenCheck } from './token-check.js'
import type { ConnectionAuthorizer } from './types.js'
import { UnauthorizedError, toUnauthorizedError } from './unauthorized-error.js'

type Reply = (response: Readonly<Record<string, unknown>>) => void

/** Runs the flow for one socket. */
function runFlow(socket: AnySocket, settings: CompatSettings, check: TokenCheck): void {
  // Until authenticated: no broadcast reaches the socket and its other events are dropped.
  const held = settings.required ? quarantine(socket) : undefined
  let state: 'waiting' | 'verifying' | 'authenticated' | 'refused' = 'waiting'
  let announced = false
  let graceTimer: NodeJS.Timeout | undefined
  // When the last accepted `authenticate` was (ms), for the refresh floor (issue 10, B6).
  let lastAcceptedAt: number | undefined
  // socketio-jwt cleared its timer at the first `authenticate`, so a token whose check never
  // finished (a secret callback that never calls back) kept the socket forever; this one runs
  // until the socket is authenticated.
  const timer = settings.required
    ? setTimeout(() => {
        if (state === 'authenticated' || state === 'refused') return
        state = 'refused'
        // socketio-jwt disconnected without a word.
        socket.disconnect(true)
      }, settings.timeoutMs)
    : undefined
  socket.once('disconnect', () => {
    clearTimeout(timer)
    clearTimeout(graceTimer)
  })

  const refuse = (error: unknown, reply: Reply | undefined): void => {
    state = 'refused'
    clearTimeout(timer)
    const refusal = toUnauthorizedError(error)
    reply?.({ ok: false, code: refusal.data.code, message: refusal.message })
    if (!socket.connected) return
    const disconnect = (): void => {
      clearTimeout(graceTimer)
      socket.disconnect(true)
    }
    // The acknowledgement is always requested, so a client that calls it (as socketio-jwt's
    // README shows) never calls `undefined`. The event is written before the disconnect.
    socket.emit('unauthorized', refusal.toJSON(), disconnect)
    if (settings.callbackMs > 0) graceTimer = setTimeout(disconnect, settings.callbackMs)
    else disconnect()
  }

  const succeed = (auth: SocketAuth, reply: Reply | undefined): void => {
    state = 'authenticated'
    lastAcceptedAt = Date.now()
    clearTimeout(timer)
    ;(held?.release() ?? Promise.resolve()).then(
      () => {
        reply?.({ ok: true, expiresAt: auth.expiresAt })
        socket.emit('authenticated')
        if (announced) return
        announced = true
        // Namespace#emit broadcasts to clients; the app's `.on('authenticated')` listeners are
        // plain EventEmitter listeners of the namespace object.
        EventEmitter.prototype.emit.call(socket.nsp, 'authenticated', socket)
      },
      (error: unknown) => {
        refuse(error, reply)
      },
    )
  }

  socket.on('authenticate', (data: unknown, ack?: unknown) => {
    const reply = typeof ack === 'function' ? (ack as Reply) : undefined
    if (state === 'refused') return
    if (state === 'verifying') {
      reply?.({
        ok: false,
        code: 'rate_limited',
        message: 'Authentication is already in progress.',
      })
      return
    }
    const previous =
      state === 'authenticated' ? (socket.data as { auth: SocketAuth }).auth : undefined
    // A floor between re-authentications, as the guard's `refreshIntervalMs`: each one verifies
    // a token and calls `additional_auth` (a database?), so a client must not loop on it. The
    // socket keeps its session; the ack says when to try again.
    if (previous !== undefined && lastAcceptedAt !== undefined) {
      const retryAfterMs = lastAcceptedAt + settings.refreshIntervalMs - Date.now()
      if (retryAfterMs > 0) {
        reply?.({
          ok: false,
          code: 'rate_limited',
          message: 'Re-authenticating too soon.',
          retryAfterMs,
        })
        return
      }
    }
    const token: unknown =
      typeof data === 'object' && data !== null ? (data as { token?: unknown }).token : undefined
    if (typeof token !== 'string' || token === '') {
      refuse(new UnauthorizedError('invalid_token', { message: 'invalid token datatype' }), reply)
      return
    }
    state = 'verifying'
    admit(
      socket,
      token,
      settings,
      check,
      {
        onAdmitted: (auth) => {
          if (state !== 'verifying' || !socket.connected) return
          succeed(auth, reply)
        },
        onRefused: (error) => {
          if (state !== 'verifying') return
          refuse(error, reply)
        },
      },
      previous,
    )
  })
}

/** Makes the `connection` listener (also usable with `io.use()`). */
export function connectionAuthorizer(
  settings: CompatSettings,
  check: TokenCheck,
): ConnectionAuthorizer {
  return (socket, next) => {
    runFlow(socket, settings, check)
    // Given to io.use(): the quarantine holds back the socket's own join at connect, too.
    if (typeof next === 'function') next()
  }
}
