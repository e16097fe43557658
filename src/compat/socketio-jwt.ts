// sockguard/socketio-jwt: a drop-in `authorize()` for apps written against socketio-jwt 4.x, on
// Socket.IO v4, with sockguard's verifier underneath (an algorithm allow-list, no `alg: none`,
// secrets of at least 32 bytes). See docs/migrating-from-socketio-jwt.md.
import type { JwtClaims } from '../verifier/types.js'
import { handshakeAuthorizer } from './handshake.js'
import { normalizeCompatOptions } from './options.js'
import { connectionAuthorizer } from './post-connect-flow.js'
import { createTokenCheck } from './token-check.js'
import type { AuthorizeOptions, ConnectionAuthorizer, HandshakeAuthorizer } from './types.js'
import { UnauthorizedError } from './unauthorized-error.js'

/**
 * socketio-jwt's `authorize(options)`.
 *
 * Without `handshake`, it returns a `connection` listener running the post-connect flow: the
 * client emits `authenticate` `{ token }` within `timeout` ms; on success the socket gets
 * `authenticated`, `socket.decoded_token` (or `decodedPropertyName`) and `socket.data.auth` are
 * set, and the namespace emits a local `authenticated` event with the socket; on failure the
 * socket gets `unauthorized` (socketio-jwt's error: `{ message, inner, data: { message, code,
 * type } }`) and is disconnected; on timeout it is disconnected. Until it is authenticated it
 * receives no broadcast and its other events are dropped.
 *
 * With `handshake: true`, it returns an `io.use()` middleware that verifies the token of the
 * handshake (`auth.token`, the `token` query parameter, or `Authorization: Bearer`); a refused
 * client's `connect_error` has socketio-jwt's `err.data`.
 *
 * @throws {InvalidOptionError} (a `TypeError`, code `invalid_option`) naming the option: a
 * missing or short secret, `none` or mixed algorithms, a PEM key with HMAC algorithms, an
 * unknown option, or a socketio-jwt option that is not supported (`cookie`, `ignoreExpiration`,
 * ...; the error says why).
 *
 * @example
 * io.sockets
 *   .on('connection', authorize({ secret: process.env.JWT_SECRET!, timeout: 15000 }))
 *   .on('authenticated', (socket) => console.log(socket.decoded_token.name))
 */
export function authorize<TClaims extends JwtClaims = JwtClaims>(
  options: AuthorizeOptions<TClaims> & { readonly handshake: true },
): HandshakeAuthorizer
export function authorize<TClaims extends JwtClaims = JwtClaims>(
  options: AuthorizeOptions<TClaims> & { readonly handshake?: false },
): ConnectionAuthorizer
export function authorize<TClaims extends JwtClaims = JwtClaims>(
  options: AuthorizeOptions<TClaims>,
): HandshakeAuthorizer | ConnectionAuthorizer
export function authorize(options: AuthorizeOptions): HandshakeAuthorizer | ConnectionAuthorizer {
  const settings = normalizeCompatOptions(options)
  const check = createTokenCheck(settings)
  return settings.handshake
    ? handshakeAuthorizer(settings, check)
    : connectionAuthorizer(settings, check)
}

/**
 * The module as socketio-jwt's CommonJS export looked: `socketioJwt.authorize(...)`,
 * `socketioJwt.UnauthorizedError`.
 *
 * @example
 * import socketioJwt from 'sockguard/socketio-jwt'
 * io.use(socketioJwt.authorize({ secret, handshake: true }))
 */
const socketioJwt = Object.freeze({ authorize, UnauthorizedError })
export default socketioJwt

export { UnauthorizedError } from './unauthorized-error.js'
export type { UnauthorizedData, UnauthorizedPayload } from './unauthorized-error.js'
export type {
  AdditionalAuthError,
  AuthorizeOptions,
  ConnectionAuthorizer,
  HandshakeAuthorizer,
  SecretCallback,
  SecretFunction,
  SecretFunctionWithHeader,
  UnverifiedJson,
} from './types.js'
