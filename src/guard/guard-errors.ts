// The coded errors of the guard's flows, built in one place.
import { AuthError, isAuthError } from '../errors.js'

/**
 * Any error of the guard's flow as a coded AuthError: an AuthError keeps its code; anything
 * else is the server's fault (`server_error`), never blamed on the token, and its message (a
 * hook's, a database's) stays off the wire.
 */
export function guardError(error: unknown): AuthError {
  return isAuthError(error)
    ? error
    : new AuthError('server_error', 'The server could not complete the authentication.', {
        cause: error,
      })
}

/** A revocation store failure as the coded error a client or `revoke()`'s caller gets. */
export function storeUnavailable(error: unknown): AuthError {
  if (isAuthError(error) && error.code === 'store_unavailable') return error
  return new AuthError('store_unavailable', 'The revocation store could not be reached.', {
    cause: error,
  })
}

/** A revoked token. */
export function revokedError(): AuthError {
  return new AuthError('token_revoked', 'The token has been revoked.')
}

/** An expired token (a live session's or a restored one's). */
export function expiredError(): AuthError {
  return new AuthError('token_expired', 'The token has expired.', { claim: 'exp' })
}

/** A handshake or refresh met a guard that is closing. */
export function shuttingDownError(): AuthError {
  return new AuthError('server_error', 'The server is shutting down.')
}
