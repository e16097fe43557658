// The one place that decides what an error looks like on the wire: a fixed human message and
// `data: { code, message }`, never a stack, a cause or the token.
import { AuthError, isAuthError, type WireError } from '../errors.js'

// The type is public and lives with the other error types; re-exported for the guard's modules.
export type { WireError } from '../errors.js'

/** Any thrown value as a coded AuthError; unknown errors become `token_invalid`. */
export function toAuthError(error: unknown): AuthError {
  return isAuthError(error)
    ? error
    : new AuthError('token_invalid', 'The token could not be verified.', { cause: error })
}

/** The wire shape of an error. */
export function wireError(error: unknown): WireError {
  const { code, message } = toAuthError(error)
  return { code, message }
}

/**
 * The error handed to a Socket.IO middleware's `next()`: the client's `connect_error` gets
 * `err.message` and `err.data = { code, message }`. A fresh Error, so no stack or cause leaks.
 */
export function connectError(error: unknown): Error & { data: WireError } {
  const data = wireError(error)
  return Object.assign(new Error(data.message), { data })
}
