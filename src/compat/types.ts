// The public types of the socketio-jwt drop-in: its options (socketio-jwt 4.6's, plus the
// jsonwebtoken verify options it passed through), and what `authorize()` returns.
import type { KeyObject } from 'node:crypto'
import type { AnySocket } from '../guard/types.js'
import type { Algorithm } from '../jws/algorithms.js'
import type { JwtClaims, Verifier } from '../verifier/types.js'

/** The header or claims of a token that is not verified yet: read them, never trust them. */
export type UnverifiedJson = Readonly<Record<string, unknown>>

/**
 * The callback a secret function calls: `callback(null, secret)`, or `callback(error)` to refuse
 * (the client gets `invalid_secret`; the error's text is not sent).
 */
export type SecretCallback = (error: unknown, secret?: unknown) => void

/**
 * A secret looked up per token (socketio-jwt's 3-argument form): the HTTP request of the
 * handshake and the token's unverified claims.
 *
 * Instead of calling `callback`, it may return a promise of the secret (a sockguard extension).
 * In TypeScript an inline function needs its parameters typed, because the 4-argument form is
 * also accepted: `secret: ((request, claims, callback) => ...) satisfies SecretFunction`.
 */
export type SecretFunction = (
  // `any` so that functions typed for Express requests (jwks-rsa's) fit.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request: any,
  decodedToken: UnverifiedJson,
  callback: SecretCallback,
) => unknown

/**
 * A secret looked up per token with its header too (socketio-jwt's 4-argument form, the shape
 * of jwks-rsa's `expressJwtSecret()`).
 */
export type SecretFunctionWithHeader = (
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  request: any,
  header: UnverifiedJson,
  decodedToken: UnverifiedJson,
  callback: SecretCallback,
) => unknown

/** The refusal callback given to `additional_auth`: a message (or `{ message }`) and a code. */
export type AdditionalAuthError = (
  error: string | { readonly message: string },
  code?: string,
) => void

/**
 * Options of the drop-in `authorize()`: socketio-jwt 4.6's, and the jsonwebtoken verify options
 * it passed through. Options socketio-jwt had that are not supported are typed `never` and throw
 * a `TypeError` (code `invalid_option`) at creation; each says why.
 */
export interface AuthorizeOptions<TClaims extends JwtClaims = JwtClaims> {
  /**
   * The HMAC secret (at least 32 bytes for HS256), or a PEM public key with public-key
   * `algorithms`, or a function that looks the secret up per token.
   */
  readonly secret?: string | Uint8Array | KeyObject | SecretFunction | SecretFunctionWithHeader
  /** A sockguard verifier instead of `secret` (JWKS, OIDC discovery...). */
  readonly verifier?: Verifier<TClaims>
  /**
   * Accepted algorithms, one family. `none` cannot be configured.
   * @defaultValue ['HS256']
   */
  readonly algorithms?: readonly Algorithm[]
  /**
   * `true`: verify during the handshake, as an `io.use()` middleware; the token comes from
   * `auth.token`, the `token` query parameter or the `Authorization: Bearer` header.
   * Otherwise: the post-connect flow (`authenticate` event), as a `connection` listener.
   * @defaultValue false
   */
  readonly handshake?: boolean
  /** Post-connect: ms to authenticate before the socket is disconnected (0 means the default). @defaultValue 5000 */
  readonly timeout?: number
  /**
   * Post-connect: `false` makes authentication optional: no timeout, and the socket is not kept
   * out of broadcasts nor its events dropped meanwhile.
   * @defaultValue true
   */
  readonly required?: boolean
  /**
   * Post-connect failure: `false` disconnects right after `unauthorized`; a number of ms waits
   * that long for the client to call the `unauthorized` acknowledgement first.
   * @defaultValue false
   */
  readonly callback?: false | number
  /**
   * Post-connect: the least time, in ms, between two accepted `authenticate`s of one socket. One
   * sooner is acked `{ ok: false, code: 'rate_limited', message, retryAfterMs }` and otherwise
   * ignored: no `unauthorized`, no disconnect, `additional_auth` not called. `0` turns it off.
   * @defaultValue 1000
   */
  readonly refreshIntervalMs?: number
  /**
   * How long, in ms, the app's hooks may take for one token: a secret function (refused
   * `invalid_secret` past it), `additional_auth` and a promise from `customDecoded` (refused
   * `server_error` past it). A sockguard addition: socketio-jwt waited forever. At most
   * 2^31 - 1.
   * @defaultValue 5000
   */
  readonly hookTimeoutMs?: number
  /** The socket property that receives the decoded token. @defaultValue 'decoded_token' */
  readonly decodedPropertyName?: string
  /**
   * A socket property that receives the raw token; not set unless given. It must differ from
   * `decodedPropertyName` (the token would replace the claims).
   */
  readonly encodedPropertyName?: string
  /** Handshake: take the token from the `Authorization: Bearer` header only. @defaultValue false */
  readonly auth_header_required?: boolean
  /**
   * Replaces the verified claims stored on the socket (`socket.data.auth` keeps the claims). A
   * returned promise (any thenable) is awaited, within `hookTimeoutMs`. One that throws, rejects
   * or does not settle in time is a server fault: refused with code `server_error`.
   */
  readonly customDecoded?: (decoded: TClaims) => unknown
  /**
   * A last check after verification: call `onSuccess()` to admit the socket, or
   * `onError(message, code)` to refuse it (the message is sent to the client). One that throws,
   * returns a promise that rejects before it called either, or calls neither within
   * `hookTimeoutMs`, is a server fault: refused with code `server_error`, message
   * `server error` (its own message is never sent).
   */
  readonly additional_auth?: (
    decoded: TClaims,
    onSuccess: () => void,
    onError: AdditionalAuthError,
    socket: AnySocket,
  ) => unknown
  /** Accepted `aud` value(s) (strings; jsonwebtoken's RegExp audiences are not supported). */
  readonly audience?: string | readonly string[]
  /** Accepted `iss` value(s). */
  readonly issuer?: string | readonly string[]
  /** Required `sub`. */
  readonly subject?: string
  /** Required `jti`. */
  readonly jwtid?: string
  /** Leeway for `exp`, `nbf` and `iat`, in seconds (as jsonwebtoken); at most 60. @defaultValue 0 */
  readonly clockTolerance?: number
  /** Maximum token age from `iat`, in seconds (a number; jsonwebtoken's `'2d'` strings are not read). */
  readonly maxAge?: number
  /**
   * Refuse tokens without `exp`. Off by default because socketio-jwt accepted them; turn it on.
   * @defaultValue false
   */
  readonly requireExp?: boolean

  /**
   * Not supported: it read `socket.request.cookies`, which Socket.IO v4 never fills, and a cookie
   * without an origin allow-list lets any web page open an authenticated socket (cross-site
   * WebSocket hijacking). Use `createGuard({ tokenFrom: ['cookie'], allowedOrigins })`.
   */
  readonly cookie?: never
  /** Not supported: sockguard never switches the expiry check off. */
  readonly ignoreExpiration?: never
  /** Not supported: sockguard never switches the `nbf` check off. */
  readonly ignoreNotBefore?: never
  /** Not supported: it changes what the decoded token is; use `customDecoded`. */
  readonly complete?: never
  /** Not supported: it changes what the decoded token is; use `customDecoded`. */
  readonly json?: never
  /** Not supported: `nonce` is for OpenID ID tokens, which are not socket credentials. */
  readonly nonce?: never
  /** Not supported (an unreleased socketio-jwt option): use `verifier: createVerifier({ jwksUri, algorithms })`. */
  readonly jwks?: never
  /** Not supported: an internal hook of socketio-jwt's handshake flow. */
  readonly success?: never
  /** Not supported: an internal hook of socketio-jwt's handshake flow. */
  readonly fail?: never
}

/** The handshake middleware (`handshake: true`), for `io.use()` / `nsp.use()`. */
export type HandshakeAuthorizer = (socket: AnySocket, next: (err?: Error) => void) => void

/**
 * The post-connect flow, for `io.sockets.on('connection', ...)`. Given to `io.use()` instead (as
 * socketio-jwt's README once did), it lets the handshake through and runs the same flow.
 */
export type ConnectionAuthorizer = (socket: AnySocket, next?: (err?: Error) => void) => void
