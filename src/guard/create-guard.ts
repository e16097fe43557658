// createGuard: the Socket.IO side of sockguard. A handshake middleware that verifies the token,
// a per-namespace connection hook that starts each socket's live session (or the post-connect
// flow), re-checks recovered sessions, and revocation that reaches live sockets on every node.
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { AuthError, InvalidOptionError } from '../errors.js'
import { integerOption } from '../internal/integer-option.js'
import { connectError, toAuthError } from '../internal/wire-error.js'
import { createVerifier } from '../verifier/create-verifier.js'
import type { JwtClaims, Verifier, VerifierOptions } from '../verifier/types.js'
import {
  extractToken,
  stripToken,
  type ExtractOptions,
  type HandshakeLike,
  type TokenSource,
} from './extract-token.js'
import {
  rejectSocket,
  startSession,
  type LiveSession,
  type SessionContext,
} from './live-session.js'
import { startPostConnect } from './post-connect.js'
import { createMemoryRevocationStore, tokenKey, type RevocationStore } from './revocation-store.js'
import type {
  AnyNamespace,
  AnyServer,
  AnySocket,
  Guard,
  GuardMiddleware,
  GuardOptions,
  SocketAuth,
} from './types.js'

const GUARD_OPTIONS = new Set([
  'verifier',
  'tokenFrom',
  'cookieName',
  'allowedOrigins',
  'mode',
  'timeoutMs',
  'expiringWarningMs',
  'clockToleranceMs',
  'revocationStore',
  'revocationTtlMs',
  'onAuthenticated',
  'onFailure',
  'rateLimit',
  'now',
])
const TOKEN_SOURCES: readonly TokenSource[] = ['auth', 'header', 'cookie', 'query']

/** The room a subject's sockets join, so a revocation reaches them through any adapter. */
export function subjectRoom(sub: string): string {
  return `sockguard:sub:${sub}`
}

/** The room of the sockets holding one token id. */
export function tokenRoom(iss: string | undefined, jti: string): string {
  return `sockguard:jti:${tokenKey(iss, jti)}`
}

function fail(option: string, message: string): never {
  throw new InvalidOptionError(option, message)
}

function duration(
  value: unknown,
  option: string,
  fallback: number,
  min = 0,
  max = 2 ** 52,
): number {
  return integerOption(value, option, fallback, min, max)
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
  if (typeof options !== 'object' || (options as unknown) === null)
    fail('options', 'must be an object')
  const raw = options as unknown as Readonly<Record<string, unknown>>
  let verifier: Verifier<TClaims>
  if (raw.verifier !== undefined) {
    const given = raw.verifier as Verifier<TClaims>
    if (typeof given.verify !== 'function')
      fail('verifier', 'must be a verifier made by createVerifier()')
    for (const name of Object.keys(raw)) {
      if (!GUARD_OPTIONS.has(name))
        fail(
          name,
          'is not a guard option (verifier options go to createVerifier when `verifier` is given)',
        )
    }
    verifier = given
  } else {
    const verifierOptions = Object.fromEntries(
      // `now` and `clockToleranceMs` serve both: the handshake then accepts a token exactly as
      // long as the live session keeps it.
      Object.entries(raw).filter(
        ([name]) => !GUARD_OPTIONS.has(name) || name === 'now' || name === 'clockToleranceMs',
      ),
    )
    verifier = createVerifier<TClaims>(verifierOptions as unknown as VerifierOptions)
  }

  const tokenFrom = raw.tokenFrom ?? ['auth', 'header']
  if (
    !Array.isArray(tokenFrom) ||
    tokenFrom.length === 0 ||
    !tokenFrom.every((s) => TOKEN_SOURCES.includes(s as TokenSource))
  ) {
    fail('tokenFrom', `must be a non-empty array of ${TOKEN_SOURCES.join(', ')}`)
  }
  const allowedOrigins = raw.allowedOrigins ?? []
  if (
    !Array.isArray(allowedOrigins) ||
    !allowedOrigins.every((o) => typeof o === 'string' && URL.canParse(o))
  ) {
    fail('allowedOrigins', 'must be an array of origins such as "https://app.example"')
  }
  if (tokenFrom.includes('cookie') && allowedOrigins.length === 0) {
    // Without it, any web page could open a socket riding on the user's cookie.
    fail('allowedOrigins', 'is required when tokenFrom includes "cookie"')
  }
  const cookieName = raw.cookieName ?? 'token'
  if (typeof cookieName !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(cookieName))
    fail('cookieName', 'must be a cookie name')
  const extract: ExtractOptions = Object.freeze({
    tokenFrom: Object.freeze([...(tokenFrom as TokenSource[])]),
    cookieName,
    allowedOrigins: new Set(
      (allowedOrigins as string[]).map((o) => new URL(o).origin.toLowerCase()),
    ),
  })
  const mode = raw.mode ?? 'handshake'
  if (mode !== 'handshake' && mode !== 'post-connect')
    fail('mode', 'must be "handshake" or "post-connect"')
  const timeoutMs = duration(raw.timeoutMs, 'timeoutMs', 15_000, 1)
  const now = (raw.now ?? Date.now) as () => number
  if (typeof now !== 'function') fail('now', 'must be a function')
  const store = (raw.revocationStore ?? createMemoryRevocationStore()) as RevocationStore
  if (typeof store.isRevoked !== 'function' || typeof store.revokeSubject !== 'function') {
    fail('revocationStore', 'must implement RevocationStore')
  }
  const revocationTtlMs = duration(raw.revocationTtlMs, 'revocationTtlMs', 86_400_000, 1)
  const onAuthenticated = raw.onAuthenticated as GuardOptions<TClaims>['onAuthenticated']
  const onFailure = raw.onFailure as GuardOptions<TClaims>['onFailure']
  if (onAuthenticated !== undefined && typeof onAuthenticated !== 'function')
    fail('onAuthenticated', 'must be a function')
  if (onFailure !== undefined && typeof onFailure !== 'function')
    fail('onFailure', 'must be a function')
  const limiter = createLimiter(raw.rateLimit)

  const sessions = new Map<AnySocket, LiveSession>()
  const namespaces = new Set<AnyNamespace>()
  let closed = false

  const reportFailure = (error: AuthError, socket: AnySocket): void => {
    try {
      onFailure?.(error, socket)
    } catch {
      // A logging hook must not turn a refusal into a crash.
    }
  }

  const roomsOf = (claims: JwtClaims): string[] => {
    const rooms: string[] = []
    if (typeof claims.sub === 'string') rooms.push(subjectRoom(claims.sub))
    if (typeof claims.jti === 'string') rooms.push(tokenRoom(claims.iss, claims.jti))
    return rooms
  }

  const checkRevoked = async (claims: JwtClaims): Promise<void> => {
    if (await store.isRevoked(claims, now()))
      throw new AuthError('token_revoked', 'The token has been revoked.')
  }

  const authenticate = async (token: unknown, socket: AnySocket): Promise<SocketAuth<TClaims>> => {
    if (typeof token === 'string') token = token.replace(/^Bearer +/i, '')
    const { claims, expiresAt } = await verifier.verify(token)
    await checkRevoked(claims)
    await onAuthenticated?.(claims, socket)
    return Object.freeze({ claims, expiresAt })
  }

  const context: SessionContext = {
    now,
    expiringWarningMs: duration(raw.expiringWarningMs, 'expiringWarningMs', 60_000),
    clockToleranceMs: duration(raw.clockToleranceMs, 'clockToleranceMs', 0, 0, 60_000),
    authenticate,
    reportFailure,
    roomsOf,
  }

  const begin = (socket: AnySocket): void => {
    const session = startSession(socket, context)
    sessions.set(socket, session)
    socket.once('disconnect', () => sessions.delete(socket))
  }

  // Runs before the app's own `connection` listeners (it is prepended).
  const onConnection = (socket: AnySocket): void => {
    if (closed) return
    try {
      const auth = (socket.data as { auth?: SocketAuth } | undefined)?.auth
      // A recovered post-connect socket already authenticated: it is re-checked like any other
      // recovered socket below instead of having to authenticate again.
      if (mode === 'post-connect' && !(socket.recovered && auth !== undefined)) {
        startPostConnect(socket, { ...context, timeoutMs, onAuthenticated: begin })
        return
      }
      if (auth === undefined) {
        // Only a socket that skipped the middleware gets here (e.g. registered after connect).
        rejectSocket(socket, new AuthError('token_missing', 'No token was sent.'))
        return
      }
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
        const revoked = store.isRevoked(auth.claims, now())
        const revokedError = (): AuthError =>
          new AuthError('token_revoked', 'The token has been revoked.')
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
            () => undefined,
          )
        }
      }
      const rooms = roomsOf(auth.claims)
      if (rooms.length > 0) void socket.join(rooms)
      begin(socket)
    } catch (error) {
      rejectSocket(socket, error)
    }
  }

  const hook = (nsp: AnyNamespace): void => {
    if (namespaces.has(nsp)) return
    namespaces.add(nsp)
    nsp.prependListener('connection', onConnection)
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
      const coded = toAuthError(error)
      try {
        // A refused token is still a credential (another audience, a refresh later): the hook,
        // which apps use to log the socket, must not see it.
        stripToken(socket.handshake, extract)
        reportFailure(coded, socket)
        if (limiter !== undefined)
          limiter.limiter.consume(limiter.key(socket)).catch(() => undefined)
      } catch {
        // A throwing rate-limit key must not turn a refusal into a hang and a crash.
      }
      next(connectError(coded))
    }
    try {
      hook(socket.nsp)
      if (closed) throw new AuthError('token_invalid', 'The server is shutting down.')
      if (mode === 'post-connect') {
        done()
        return
      }
      const handshake = socket.handshake as unknown as HandshakeLike
      const run = async (): Promise<void> => {
        if (limiter !== undefined) {
          const state = await limiter.limiter.get(limiter.key(socket)).catch(() => null)
          if (state !== null && state.consumedPoints >= limiter.points) {
            throw new AuthError('rate_limited', 'Too many failed attempts; try again later.')
          }
        }
        const { token } = extractToken(handshake, extract)
        const auth = await authenticate(token, socket)
        stripToken(handshake, extract)
        ;(socket.data as { auth: SocketAuth }).auth = auth
      }
      run().then(() => {
        done()
      }, done)
    } catch (error) {
      done(error)
    }
  }

  const disconnectRoom = (room: string, error: AuthError): void => {
    for (const nsp of namespaces) {
      nsp.to(room).emit('unauthorized', { code: error.code, message: error.message })
      nsp.in(room).disconnectSockets(true)
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
      const error = new AuthError('token_revoked', 'The token has been revoked.')
      if (typeof target.sub === 'string' && target.sub !== '') {
        await store.revokeSubject(target.sub, at, revocationTtlMs)
        disconnectRoom(subjectRoom(target.sub), error)
      } else if (typeof target.jti === 'string' && target.jti !== '') {
        await store.revokeToken(target.iss, target.jti, target.expiresAt ?? at + revocationTtlMs)
        disconnectRoom(tokenRoom(target.iss, target.jti), error)
      } else {
        throw new InvalidOptionError('target', 'must be { sub } or { jti, iss? }')
      }
    },
    async close() {
      closed = true
      for (const session of sessions.values()) session.stop()
      sessions.clear()
      for (const nsp of namespaces) nsp.off('connection', onConnection)
      namespaces.clear()
      verifier.close()
      await store.close?.()
    },
  } satisfies Guard<TClaims>)
}

interface Limiter {
  readonly limiter: RateLimiterAbstract
  readonly points: number
  readonly key: (socket: AnySocket) => string
}

function createLimiter(value: unknown): Limiter | undefined {
  if (value === undefined || value === false) return undefined
  if (typeof value !== 'object' || value === null) fail('rateLimit', 'must be false or an object')
  const options = value as Record<string, unknown>
  const points = duration(options.points, 'rateLimit.points', 10, 1, 1_000_000)
  const durationMs = duration(options.durationMs, 'rateLimit.durationMs', 60_000, 1_000)
  const key = (options.key ?? ((socket: AnySocket) => socket.handshake.address)) as (
    socket: AnySocket,
  ) => string
  if (typeof key !== 'function') fail('rateLimit.key', 'must be a function')
  const limiter =
    (options.limiter as RateLimiterAbstract | undefined) ??
    new RateLimiterMemory({ points, duration: Math.ceil(durationMs / 1000) })
  return {
    limiter,
    points: (options.limiter as { points?: number } | undefined)?.points ?? points,
    key,
  }
}
