// connect(): a socket.io-client socket that sends a token from `getToken()` with every connection
// attempt, refreshes it in-band when the server warns of expiry, retries the handshake once after
// `token_expired`, retries with a backoff when the server failed (`server_error`) or rate-limited
// a refresh, and stops on every other auth failure instead of retrying a bad token forever.
import { io, type Socket } from 'socket.io-client'
import { authErrorOf, type AuthErrorData } from './auth-error-codes.js'
import { createBackoff, type Backoff } from './backoff.js'
import { emitReserved } from './emit-reserved.js'
import { invalidOption } from './invalid-option.js'
import { roomRemovedOf } from './rooms.js'
import type { ConnectOptions, DefaultEventsMap, EventsMap, GetToken } from './types.js'

const DEFAULT_REFRESH_TIMEOUT_MS = 10_000
// setTimeout fires at once for delays it cannot hold.
const MAX_TIMEOUT_MS = 2_147_483_647

/**
 * Connects to a sockguard server: like socket.io-client's `io(url, options)`, with the token
 * taken from `getToken` for each connection attempt. Returns the socket.io-client socket, typed
 * with your event maps.
 *
 * - Every connect and reconnect calls `getToken({ forceRefresh: false })` and sends the token in
 *   the handshake's `auth.token`.
 * - A handshake refused with `token_expired` is retried once with
 *   `getToken({ forceRefresh: true })`; the retry is spent until a connection succeeds.
 * - `server_error` (the server failed, not the token: a refused handshake, or `unauthorized` before
 *   the server disconnects) reconnects after an exponential backoff with jitter (`retry`), up to
 *   `retry.maxAttempts` times in a row; only then is it reported.
 * - Any other refusal (`token_invalid`, `token_revoked`, `claim_invalid`, ...) is final: no retry.
 * - On `auth:expiring` the socket emits `authenticate` `{ token }` with a fresh token, keeping the
 *   connection and socket id. A refresh answered `{ ok: false, code: 'rate_limited', retryAfterMs }`
 *   is sent again after `retryAfterMs` (or the backoff without it), one answered `server_error`
 *   after the backoff; the socket stays connected meanwhile.
 * - A `getToken` that throws or gives no token stops the socket with `token_missing`.
 *
 * Each terminal failure is passed once to `onAuthError`; `connect_error` and `unauthorized`
 * listeners on the socket see every error as usual.
 *
 * @throws {TypeError} with `code: 'invalid_option'` and `option` for a bad option (a missing
 * `getToken`, an `auth` option, a bad `refreshTimeoutMs`, a bad `retry.<field>`).
 *
 * @example
 * const socket = connect<ServerToClient, ClientToServer>('https://chat.example', {
 *   getToken: ({ forceRefresh }) => session.accessToken({ forceRefresh }),
 *   onAuthError: (error) => showLogin(error.code),
 * })
 * socket.on('message', (text) => console.log(text))
 */
export function connect<
  TListen extends EventsMap = DefaultEventsMap,
  TEmit extends EventsMap = TListen,
>(url: string, options: ConnectOptions): Socket<TListen, TEmit> {
  const { getToken, onAuthError, onRoomRemoved, refreshTimeoutMs, backoff, ...socketOptions } =
    normalize(url, options)

  let attempt = 0 // the current handshake's getToken call; stale answers are dropped
  let forceRefresh = false // the next handshake asks for a fresh token
  let retried = false // the one retry after `token_expired` is spent
  let refreshing = false // an in-band refresh is running
  let reportedRefreshFailure: string | undefined // the `unauthorized` that follows it is not new
  const localErrors = new WeakSet<Error>()
  let serverFailures = 0 // `server_error`s in a row; reset by a connection
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let serverErrorBeforeDisconnect: AuthErrorData | undefined

  const report = (error: AuthErrorData): void => {
    // A new connection the app starts after a terminal failure gets its own retry.
    retried = false
    if (onAuthError === undefined) return
    let result: unknown
    try {
      result = onAuthError(error)
    } catch (thrown) {
      // Thrown inside a socket.io-client event dispatch it would corrupt the socket's state: let
      // it surface on its own, as any uncaught error.
      queueMicrotask(() => {
        throw thrown
      })
      return
    }
    ignoreRejection(result)
  }

  /** The token, or the `token_missing` error when `getToken` throws or gives none. */
  const tokenFor = async (
    force: boolean,
  ): Promise<{ token: string } | { error: AuthErrorData }> => {
    let token: unknown
    try {
      token = await getToken({ forceRefresh: force })
    } catch (cause) {
      return {
        error: { code: 'token_missing', message: 'getToken failed; no token was sent.', cause },
      }
    }
    if (typeof token !== 'string' || token === '') {
      return { error: { code: 'token_missing', message: 'getToken gave no token; none was sent.' } }
    }
    return { token }
  }

  // socket.io-client calls this before every CONNECT packet: first connect, reconnects, and
  // `socket.connect()`.
  const auth = (send: (data: object) => void): void => {
    const current = ++attempt
    const force = forceRefresh
    forceRefresh = false
    void tokenFor(force).then((result) => {
      // A newer attempt started (the transport reopened), or the app closed the socket.
      if (current !== attempt || !socket.active || socket.connected) return
      if ('token' in result) {
        send({ token: result.token })
        return
      }
      // No token, no handshake: stop, and tell the app the way socket.io-client tells it of any
      // failed connection attempt.
      const { error } = result
      socket.disconnect()
      const failed = Object.assign(new Error(error.message, { cause: error.cause }), {
        data: { code: error.code, message: error.message },
      })
      localErrors.add(failed)
      report(error)
      emitReserved(socket, 'connect_error', failed)
    })
  }

  const socket = io(url, { ...socketOptions, auth })

  const cancelRetry = (): void => {
    clearTimeout(retryTimer)
    retryTimer = undefined
  }
  // The app's `disconnect()` (or `close()`) during a backoff means "stop": no reconnect follows.
  const disconnect = socket.disconnect.bind(socket)
  socket.disconnect = (): Socket => {
    cancelRetry()
    serverErrorBeforeDisconnect = undefined
    return disconnect()
  }

  /** Reconnects after the backoff, or reports `error` when the retries are spent. */
  const reconnectLater = (error: AuthErrorData): void => {
    if (serverFailures >= backoff.maxAttempts) {
      serverFailures = 0
      report(error)
      return
    }
    cancelRetry()
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      // Not if the app connected meanwhile.
      if (!socket.active) socket.connect()
    }, backoff.delay(serverFailures++))
  }

  // Registered before the caller can add listeners, so theirs run after these: when a refusal is
  // retried, their `connect_error` listener already sees `socket.active === true`.
  socket.on('connect', () => {
    retried = false
    reportedRefreshFailure = undefined
    serverFailures = 0
    serverErrorBeforeDisconnect = undefined
    cancelRetry()
  })

  socket.on('disconnect', (reason) => {
    const error = serverErrorBeforeDisconnect
    serverErrorBeforeDisconnect = undefined
    // After `unauthorized` `server_error` the server closes the socket, and socket.io-client
    // does not reconnect a socket the server closed.
    if (error !== undefined && reason === 'io server disconnect') reconnectLater(error)
  })

  socket.on('connect_error', (error: Error & { data?: unknown }) => {
    if (localErrors.has(error)) return
    // Transport errors (socket.io-client retries them itself) and other middlewares' refusals.
    const data = authErrorOf(error.data)
    if (data === undefined) return
    if (data.code === 'server_error') {
      reconnectLater(data)
      return
    }
    if (data.code === 'token_expired' && !retried) {
      retried = true
      forceRefresh = true
      // A refused handshake is final for socket.io-client (`socket.active` is false): it would
      // never come back by itself.
      socket.connect()
      return
    }
    report(data)
  })

  socket.on('unauthorized', (payload: unknown) => {
    const data = authErrorOf(payload)
    // `logged_out` answers the app's own `logout()`: no auth error to report.
    if (data === undefined || data.code === 'logged_out') return
    if (data.code === 'server_error') {
      serverErrorBeforeDisconnect = data
      return
    }
    if (reportedRefreshFailure === data.code) {
      reportedRefreshFailure = undefined
      return
    }
    report(data)
  })

  /**
   * Sends one refresh. Resolves with the ms to wait before sending it again, or `undefined` when
   * it is settled (accepted, refused and reported, timed out, or the socket went away).
   */
  const sendRefresh = (token: string, attempt: number): Promise<number | undefined> =>
    new Promise((resolve) => {
      // The callback form runs as the ack arrives, so the `unauthorized` that follows a refusal
      // (in the same read, maybe) is known to be reported already.
      socket
        .timeout(refreshTimeoutMs)
        .emit('authenticate', { token }, (timeout: Error | null, ack: unknown) => {
          // No ack in time, or the socket disconnected meanwhile. Nothing is retried: the server
          // still holds the old token, and ends the session with `unauthorized` when it expires.
          if (timeout !== null) {
            resolve(undefined)
            return
          }
          const failure = ackFailure(ack)
          if (failure === undefined) {
            resolve(undefined)
            return
          }
          const wait = refreshRetryDelay(failure, ack, attempt, backoff)
          if (wait === undefined) {
            reportedRefreshFailure = failure.code
            report(failure)
          }
          resolve(wait)
        })
    })

  /** Resolves `true` after `ms` if the socket is still connected, `false` as soon as it is not. */
  const whileConnected = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const onDisconnect = (): void => {
        clearTimeout(timer)
        resolve(false)
      }
      const timer = setTimeout(() => {
        socket.off('disconnect', onDisconnect)
        resolve(socket.connected)
      }, ms)
      socket.once('disconnect', onDisconnect)
    })

  const refresh = async (): Promise<void> => {
    const result = await tokenFor(true)
    if (!socket.connected) return
    if ('error' in result) {
      // No retry: the app said it has no token.
      socket.disconnect()
      report(result.error)
      return
    }
    // A refresh refused for now is sent again with the same token: it is still fresh.
    for (let attempt = 0; ; attempt++) {
      const wait = await sendRefresh(result.token, attempt)
      if (wait === undefined || !(await whileConnected(wait))) return
    }
  }

  if (onRoomRemoved !== undefined)
    socket.on('room:removed', (payload: unknown) => {
      const removed = roomRemovedOf(payload)
      if (removed === undefined) return
      try {
        onRoomRemoved(removed)
      } catch (thrown) {
        // As for onAuthError: not inside socket.io-client's event dispatch.
        queueMicrotask(() => {
          throw thrown
        })
      }
    })

  socket.on('auth:expiring', () => {
    if (refreshing) return
    refreshing = true
    void refresh().finally(() => {
      refreshing = false
    })
  })

  return socket
}

interface Normalized extends Omit<ConnectOptions, 'refreshTimeoutMs' | 'retry'> {
  readonly getToken: GetToken
  readonly refreshTimeoutMs: number
  readonly backoff: Backoff
}

function normalize(url: unknown, options: unknown): Normalized {
  if (typeof url !== 'string') throw invalidOption('url', 'must be a string')
  if (typeof options !== 'object' || options === null) {
    throw invalidOption('options', 'must be an object with `getToken`')
  }
  const given = options as Partial<ConnectOptions> & { auth?: unknown }
  if (typeof given.getToken !== 'function') {
    throw invalidOption('getToken', 'must be a function returning the token')
  }
  if (given.onAuthError !== undefined && typeof given.onAuthError !== 'function') {
    throw invalidOption('onAuthError', 'must be a function')
  }
  if (given.onRoomRemoved !== undefined && typeof given.onRoomRemoved !== 'function') {
    throw invalidOption('onRoomRemoved', 'must be a function')
  }
  if (given.auth !== undefined) {
    throw invalidOption('auth', 'is built from `getToken`; give `getToken` instead')
  }
  const timeout = given.refreshTimeoutMs ?? DEFAULT_REFRESH_TIMEOUT_MS
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_TIMEOUT_MS) {
    throw invalidOption('refreshTimeoutMs', `must be an integer from 1 to ${MAX_TIMEOUT_MS}`)
  }
  const { retry, ...rest } = given as ConnectOptions
  return { ...rest, refreshTimeoutMs: timeout, backoff: createBackoff(retry) }
}

/**
 * How long to wait before sending a refused refresh again, or `undefined` if it is final:
 * `rate_limited` waits the server's `retryAfterMs` (the backoff without one), `server_error` the
 * backoff; both only `maxAttempts` times in a row.
 */
function refreshRetryDelay(
  failure: AuthErrorData,
  ack: unknown,
  attempt: number,
  backoff: Backoff,
): number | undefined {
  if (attempt >= backoff.maxAttempts) return undefined
  if (failure.code === 'server_error') return backoff.delay(attempt)
  if (failure.code !== 'rate_limited') return undefined
  const after = (ack as { retryAfterMs?: unknown }).retryAfterMs
  return typeof after === 'number' && Number.isFinite(after) && after >= 0
    ? Math.min(Math.ceil(after), MAX_TIMEOUT_MS)
    : backoff.delay(attempt)
}

/** The `{ code, message }` of a refused `authenticate` ack, or `undefined` if it succeeded. */
function ackFailure(ack: unknown): AuthErrorData | undefined {
  if (typeof ack !== 'object' || ack === null || (ack as { ok?: unknown }).ok === true) {
    return undefined
  }
  return authErrorOf(ack) ?? { code: 'token_invalid', message: 'The refresh was refused.' }
}

/**
 * Handles a rejection of what `onAuthError` returned when it is a promise (any thenable): an
 * `async` hook whose UI or log sink is gone would otherwise be an unhandled rejection, which ends
 * a Node.js client by default (attack3 F11). Never throws, even for a `then` that does.
 * (src/internal/ignore-rejection.ts does the same for the server; src/client imports only its
 * own folder, as browsers load it file by file.)
 */
function ignoreRejection(result: unknown): void {
  if ((typeof result !== 'object' && typeof result !== 'function') || result === null) return
  try {
    const then: unknown = (result as { then?: unknown }).then
    if (typeof then === 'function') then.call(result, undefined, () => undefined)
  } catch {
    // A broken thenable: nothing to wait for.
  }
}
