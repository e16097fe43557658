// The step both drop-in flows share: verify the token, run `additional_auth`, then store what
// socketio-jwt stored (`socket.decoded_token`, optionally the raw token) and `socket.data.auth`.
import { ClaimInvalidError } from '../errors.js'
import type { AnySocket, SocketAuth } from '../guard/types.js'
import type { CompatSettings } from './options.js'
import type { TokenCheck } from './token-check.js'
import { isThenable } from '../internal/is-thenable.js'
import { UnauthorizedError } from './unauthorized-error.js'

/** Where the outcome goes; exactly one of the two is called, once. */
export interface Admission {
  onAdmitted(auth: SocketAuth): void
  onRefused(error: unknown): void
}

function appRefusal(error: unknown, code: unknown): UnauthorizedError {
  const message =
    typeof error === 'string'
      ? error
      : typeof error === 'object' &&
          error !== null &&
          typeof (error as { message?: unknown }).message === 'string'
        ? (error as { message: string }).message
        : 'unauthorized'
  return new UnauthorizedError(typeof code === 'string' && code !== '' ? code : 'unknown', {
    message,
  })
}

/**
 * An app hook (`additional_auth`, `customDecoded`) that threw, rejected or did not answer in time:
 * the server's fault, not the token's. socketio-jwt had no code for it (it crashed or hung); this
 * one is sockguard's `server_error` in socketio-jwt's shape, with a fixed message: the hook's own
 * may hold server details.
 */
function serverFault(cause: unknown): UnauthorizedError {
  return new UnauthorizedError('server_error', { message: 'server error' }, { cause })
}

/**
 * Verifies `token` for `socket` and admits or refuses it. With `previous` (a re-authentication
 * on a live socket) the new token must be for the same subject. The app's hooks together get
 * `settings.hookTimeoutMs` once the token is verified: without that bound, an `additional_auth`
 * that never calls back held a handshake forever (attack3 F11).
 */
export function admit(
  socket: AnySocket,
  token: string,
  settings: CompatSettings,
  check: TokenCheck,
  admission: Admission,
  previous?: SocketAuth,
): void {
  let settled = false
  let timer: NodeJS.Timeout | undefined
  const refuse = (error: unknown): void => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    admission.onRefused(error)
  }
  check(token, socket.request)
    .then((verified) => {
      const { claims, expiresAt } = verified
      // A refresh renews the same identity, an issuer's subject, as the guard's: switching users
      // (or issuers) needs a new connection, and without a subject on either side there is no
      // identity to compare (issue 10, B4).
      if (previous !== undefined) {
        const before = previous.claims
        if (
          typeof before.sub !== 'string' ||
          before.sub === '' ||
          typeof claims.sub !== 'string' ||
          claims.sub === '' ||
          claims.sub !== before.sub
        )
          throw new ClaimInvalidError('sub', 'A refreshed token must be for the same subject.')
        if (claims.iss !== before.iss)
          throw new ClaimInvalidError('iss', 'A refreshed token must be from the same issuer.')
      }
      const store = (decoded: unknown): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        const fields = socket as unknown as Record<string, unknown>
        fields[settings.decodedPropertyName] = decoded
        if (settings.encodedPropertyName !== undefined) fields[settings.encodedPropertyName] = token
        const auth: SocketAuth = Object.freeze({ claims, expiresAt })
        ;(socket.data as { auth: SocketAuth }).auth = auth
        admission.onAdmitted(auth)
      }
      // `accept` may be called more than once by an app (onSuccess twice): it runs once.
      let accepted = false
      const accept = (): void => {
        if (settled || accepted) return
        accepted = true
        let decoded: unknown = claims
        try {
          if (settings.customDecoded !== undefined) decoded = settings.customDecoded(claims)
        } catch (error) {
          refuse(serverFault(error))
          return
        }
        // An async customDecoded (a profile lookup): its value, not a Promise, is the decoded
        // token, and its rejection is a refusal rather than an unhandled rejection.
        if (isThenable(decoded))
          Promise.resolve(decoded).then(store, (error: unknown) => {
            refuse(serverFault(error))
          })
        else store(decoded)
      }
      if (settings.additionalAuth === undefined && settings.customDecoded === undefined) {
        accept()
        return
      }
      timer = setTimeout(() => {
        refuse(
          serverFault(new Error(`an app hook did not answer within ${settings.hookTimeoutMs} ms`)),
        )
      }, settings.hookTimeoutMs)
      // Never keeps a closing process alive; the socket or handshake it bounds does that.
      timer.unref()
      if (settings.additionalAuth === undefined) {
        accept()
        return
      }
      try {
        const result: unknown = settings.additionalAuth(
          claims,
          accept,
          (error, code) => {
            refuse(appRefusal(error, code))
          },
          socket,
        )
        // An async additional_auth whose database lookup fails rejects instead of throwing.
        // After onSuccess or onError its rejection changes nothing (refuse runs once).
        if (isThenable(result))
          Promise.resolve(result).catch((error: unknown) => {
            refuse(serverFault(error))
          })
      } catch (error) {
        // The app's bug or its database, not the token (issue 10, B7).
        refuse(serverFault(error))
      }
    })
    .catch(refuse)
}
