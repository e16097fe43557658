// The guard's public types: options, the guard object, and what it puts on `socket.data`.
import type { DefaultEventsMap, Server, Socket } from 'socket.io'
import type { AuthError } from '../errors.js'
import type { JwtClaims, Verifier, VerifierOptions } from '../verifier/types.js'
import type { TokenSource } from './extract-token.js'
import type { NamespacePolicyEntry } from './namespace-policy.js'
import type { RevocationStore, RevocationTarget } from '../revocation/revocation-store.js'
import type { RoomsOptions } from '../rooms/types.js'

/** What the guard stores on `socket.data.auth`. */
export interface SocketAuth<TClaims extends JwtClaims = JwtClaims> {
  /** The verified claims of the socket's current token. */
  readonly claims: TClaims
  /** When the current token expires (ms since the epoch), or `null` when it has no `exp`. */
  readonly expiresAt: number | null
}

/**
 * The `SocketData` of a guarded server; extend it with your own fields.
 *
 * @example
 * interface SocketData extends AuthSocketData<{ sub: string; scope: string }> { room?: string }
 * const io = new Server<ClientToServer, ServerToClient, InterServer, SocketData>()
 */
export interface AuthSocketData<TClaims extends JwtClaims = JwtClaims> {
  auth: SocketAuth<TClaims>
}

/**
 * The socket a guard hook receives. One guard serves every namespace whatever its events, so the
 * event maps are Socket.IO's defaults; `data.auth` is typed, and absent until the socket has
 * authenticated once (in a handshake's `onAuthenticated` and `onFailure`, in the rate-limit `key`);
 * on a refresh it still holds the previous token's claims.
 *
 * @example
 * const onFailure = (error: AuthError, socket: GuardSocket) =>
 *   log.info({ code: error.code, sub: socket.data.auth?.claims.sub, ip: socket.handshake.address })
 */
export type GuardSocket<TClaims extends JwtClaims = JwtClaims> = Socket<
  DefaultEventsMap,
  DefaultEventsMap,
  DefaultEventsMap,
  Partial<AuthSocketData<TClaims>>
>

// Internal (not exported by the package): the guard's own modules handle sockets, namespaces and
// servers of any event maps the app chose.
export type { AnyNamespace, AnyServer, AnySocket } from '../internal/any-socket-io.js'

/** A failed-handshake rate limit per client address. */
export interface RateLimitOptions<TClaims extends JwtClaims = JwtClaims> {
  /** Failed handshakes allowed per window. @defaultValue 10 */
  readonly points?: number
  /** The window, in ms. @defaultValue 60000 */
  readonly durationMs?: number
  /**
   * Client address of a socket; behind a proxy, read the forwarded header you trust. May be async;
   * one that throws, rejects, answers no string or takes over 2 s refuses with `server_error`.
   * @defaultValue `socket.handshake.address`
   */
  readonly key?: (socket: GuardSocket<TClaims>) => string | Promise<string>
  /**
   * A `rate-limiter-flexible` limiter to use instead of the in-memory one (e.g. Redis, shared by
   * every node). `points` and `durationMs` are then the limiter's own.
   */
  readonly limiter?: import('rate-limiter-flexible').RateLimiterAbstract
}

/** Options of {@link createGuard} besides the verifier. */
export interface GuardBaseOptions<TClaims extends JwtClaims = JwtClaims> {
  /**
   * Where to look for the handshake token, in order. `'cookie'` needs `allowedOrigins`;
   * `'query'` puts tokens in server and proxy logs, so use it only for clients that cannot do
   * better.
   * @defaultValue ['auth', 'header']
   */
  readonly tokenFrom?: readonly TokenSource[]
  /** Cookie name for `tokenFrom: ['cookie']`. @defaultValue 'token' */
  readonly cookieName?: string
  /** Origins allowed to authenticate with a cookie (exact, e.g. `https://app.example`). */
  readonly allowedOrigins?: readonly string[]
  /**
   * `'handshake'`: the token comes with the connection. `'post-connect'`: the socket connects,
   * then emits `authenticate` `{ token }` within `timeoutMs` (the socketio-jwt protocol).
   * @defaultValue 'handshake'
   */
  readonly mode?: 'handshake' | 'post-connect'
  /** Post-connect: time to authenticate, in ms. @defaultValue 15000 */
  readonly timeoutMs?: number
  /**
   * How long before expiry `auth:expiring` is emitted, in ms; for tokens that live less than
   * twice this, at half their lifetime.
   * @defaultValue 60000
   */
  readonly expiringWarningMs?: number
  /**
   * Grace after `exp` before an expired socket is disconnected, in ms (at most 60,000). With
   * verifier options inline it is also the verifier's leeway, so the handshake accepts a token
   * exactly as long as the live session keeps it; give a `verifier` the same value yourself.
   * @defaultValue 0
   */
  readonly clockToleranceMs?: number
  /**
   * The least time between two refreshes (`authenticate` on a connected socket) of one socket,
   * in ms, on the guard's clock. One sooner is answered `{ ok: false, code: 'rate_limited',
   * retryAfterMs }` and the socket keeps its session. `0` turns the floor off.
   * @defaultValue 1000
   */
  readonly refreshIntervalMs?: number
  /** Where revocations are kept. @defaultValue an in-memory store */
  readonly revocationStore?: RevocationStore
  /** How long a subject revocation is kept: the longest token lifetime you issue, in ms. @defaultValue 86400000 */
  readonly revocationTtlMs?: number
  /**
   * What a handshake or a refresh gets when the revocation store cannot answer (Redis down):
   * `'fail-closed'` refuses it with `store_unavailable`; `'fail-open'` admits the token without
   * the revocation check. Connected sockets are not affected either way.
   * @defaultValue 'fail-closed'
   */
  readonly revocationCheck?: 'fail-closed' | 'fail-open'
  /**
   * How often connected sockets are re-checked against a shared revocation store, in ms, in
   * batches; it bounds how long a revocation whose message was lost (a Redis blip) leaves a
   * socket connected on another node. `0` turns it off. Never runs with the in-memory store,
   * which cannot miss a revocation.
   * @defaultValue 15000
   */
  readonly revocationSweepMs?: number
  /**
   * Called after a token verified and before the socket connects (and after each refresh):
   * load the user, or throw an `AuthError` (it keeps its code) to refuse. Any other error is a
   * `server_error` for the client, without its message.
   */
  readonly onAuthenticated?: (claims: TClaims, socket: GuardSocket<TClaims>) => void | Promise<void>
  /**
   * How long an app hook that returns a promise may take, in ms: `onAuthenticated`, a
   * `namespaces` rule, a room rule. Past it the handshake or refresh is refused with
   * `server_error` (the client retries) and the join is denied (reported to `onFailure` as
   * `server_error` with its `room`); what the hook settles with later is ignored. Without a
   * bound, a hook whose database never answers would hold the handshake (and its socket) open.
   * @defaultValue 5000
   */
  readonly hookTimeoutMs?: number
  /**
   * Called for every refusal, to log it; it never receives the token. `error` is an `AuthError`,
   * not an `AnyAuthError`: one thrown by `onAuthenticated` reaches it as thrown. It may be async;
   * the refusal does not wait for it, and what it throws or rejects with is ignored.
   */
  readonly onFailure?: (error: AuthError, socket: GuardSocket<TClaims>) => unknown
  /**
   * Failed-authentication rate limit per client address (failed handshakes, and failed
   * `authenticate`s in post-connect mode); off when omitted.
   */
  readonly rateLimit?: RateLimitOptions<TClaims> | false
  /**
   * Rules per namespace, checked at the handshake once the token verified (refused with
   * `forbidden`): keyed by namespace name, or by the `name` of a dynamic namespace
   * (`io.of(/regex/).name`) for its children. `'anonymous'` admits guests to that namespace.
   * Namespaces not listed take any valid token. Handshake mode only.
   */
  readonly namespaces?: Readonly<Record<string, NamespacePolicyEntry<TClaims>>>
  /**
   * Lets sockets without a token connect as guests, with `socket.data.auth === null` (see
   * {@link GuestSocketData}); a token that is sent must still be valid. A guest becomes a user
   * with `authenticate`. Handshake mode only.
   * @defaultValue false
   */
  readonly anonymous?: boolean
  /**
   * What an expired session becomes: `'disconnect'` ends it; `'guest'` keeps the socket as a guest
   * (it still hears `unauthorized` `{ code: 'token_expired' }`) where guests are allowed, and
   * disconnects it elsewhere.
   * @defaultValue 'disconnect'
   */
  readonly expiry?: 'disconnect' | 'guest'
  /**
   * What the client's `auth:logout` does besides ending that socket's session (`unauthorized`
   * `logged_out`, then the disconnect): with `true`, it also revokes the token everywhere, as
   * `guard.revoke()` does: by `sid` (with its `iss`) when the token has one, so every socket of the
   * provider session ends, else by `jti`; a token with neither revokes nothing more (the ack says
   * `revoked: null`). Needs a `revocationStore` with `revokeSession` (both built-in stores).
   * @defaultValue false
   */
  readonly revokeOnLogout?: boolean
  /**
   * Room authorization (docs/rooms.md): room name patterns -> rules, checked on every path by
   * which a socket enters a room, and again when its token or permissions change.
   */
  readonly rooms?: RoomsOptions<TClaims>
  /** Clock in ms since the epoch (a test seam). @defaultValue Date.now */
  readonly now?: () => number
}

/**
 * `socket.data` of a guard that admits guests (`anonymous`, or `'anonymous'` namespaces): `auth`
 * is `null` while the socket is a guest.
 */
export interface GuestSocketData<TClaims extends JwtClaims = JwtClaims> {
  auth: SocketAuth<TClaims> | null
}

/** Options of {@link Guard.recheck}. */
export interface RecheckOptions {
  /**
   * Also ask the matching sockets for a fresh token within this many ms: they get
   * `auth:expiring` with the earlier deadline, and a socket that has not refreshed by then is
   * ended with `unauthorized` `{ code: 'reauth_required' }`.
   */
  readonly refreshWithinMs?: number
}

/** Options of {@link createGuard}: a verifier, or verifier options inline. */
export type GuardOptions<TClaims extends JwtClaims = JwtClaims> = GuardBaseOptions<TClaims> &
  ({ readonly verifier: Verifier<TClaims> } | (VerifierOptions & { readonly verifier?: never }))

/**
 * A Socket.IO middleware, for `io.use()` and `nsp.use()`, whatever the event maps: a socket of any
 * typed server is one of Socket.IO's default maps, and the guard reads no event of it.
 */
export type GuardMiddleware = (
  socket: Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, unknown>,
  next: (err?: Error) => void,
) => void

/** The guard made by {@link createGuard}. */
export interface Guard<TClaims extends JwtClaims = JwtClaims> {
  /** The verifier behind the guard; share it with HTTP routes. */
  readonly verifier: Verifier<TClaims>
  /**
   * The handshake middleware, for `io.use()` / `nsp.use()`. Prefer {@link Guard.attach}: on a
   * server with `connectionStateRecovery` the middleware alone refuses every handshake
   * (`server_error`), as it would see a namespace only after sessions were restored there.
   */
  readonly middleware: GuardMiddleware
  /**
   * Protects every namespace of `io`, present and future (dynamic ones too), re-checks sockets
   * restored by connection-state recovery, and runs the live session of each socket.
   */
  attach<TServer extends Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, unknown>>(
    io: TServer,
  ): TServer
  /**
   * Revokes a subject's tokens, one token by `jti`, or every token of one identity-provider
   * session by `sid`: they are refused from now on, and live sockets holding them get
   * `unauthorized` `{ code: 'token_revoked' }` and are disconnected, including those whose
   * authentication was in flight. `{ jti }` alone revokes that token id from any issuer;
   * `{ jti, iss }` only that issuer's; `{ sid }` and `{ sid, iss }` likewise, kept for
   * `revocationTtlMs` (a provider session outlives its tokens).
   * In order: this node's sockets, then the store, then the other nodes (adapter and store feed).
   * @throws {AuthError} `store_unavailable` when the store could not keep the revocation (this
   * node's sockets are disconnected all the same, the other nodes are still told).
   * @throws {InvalidOptionError} for a target that is none of these, and for `{ sid }` with a
   * store that has no `revokeSession` (nothing is ended then).
   */
  revoke(target: RevocationTarget): Promise<void>
  /**
   * Re-runs the room rules now for the sockets of `target` (`{ sub }`, or `{ jti, iss? }`) on
   * every node, for permissions the app keeps outside the token: rooms no longer allowed are
   * left and the client gets `room:removed`. With `refreshWithinMs`, also asks them for a fresh
   * token in that time (docs/rooms.md). Resolves once this node's sockets are re-checked and the
   * other nodes told.
   * @throws {InvalidOptionError} for a bad target or option.
   */
  recheck(target: RevocationTarget, options?: RecheckOptions): Promise<void>
  /**
   * Cancels every timer, stops the revocation sweep and feed, stops listening, and closes the
   * revocation store; connected sockets are left alone. Authentications still pending are
   * answered `server_error` at once, even one held by an `onAuthenticated` that never settles.
   */
  close(): Promise<void>
}
