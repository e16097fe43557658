// socketio-jwt's error, as its clients read it: `{ message, inner, data: { message, code, type } }`,
// with jsonwebtoken's messages ('jwt expired') so that client code branching on them still works.
import { isAuthError } from '../errors.js'
import { jwtMessage, type RefusalContext } from './jwt-message.js'

/** The `data` of an {@link UnauthorizedError}: what socketio-jwt clients branch on. */
export interface UnauthorizedData {
  readonly message: string
  /** socketio-jwt's code: `invalid_token`, `invalid_secret`, `credentials_required`, ... */
  readonly code: string
  readonly type: 'UnauthorizedError'
}

/** The `unauthorized` event's payload: socketio-jwt's error serialized. */
export interface UnauthorizedPayload {
  readonly message: string
  readonly inner: { readonly message: string }
  readonly data: UnauthorizedData
}

/**
 * socketio-jwt's error. In handshake mode it is what the client's `connect_error` carries
 * (`err.message`, `err.data`); in the post-connect flow its {@link UnauthorizedError.toJSON} is
 * the `unauthorized` event's payload. The sockguard error behind it, if any, is its `cause`.
 *
 * @example
 * socket.on('unauthorized', (err) => { if (err.message === 'jwt expired') refresh() })
 */
export class UnauthorizedError extends Error {
  /** `{ message }`, as socketio-jwt sent it. */
  readonly inner: { readonly message: string }
  /** What socketio-jwt clients read: `{ message, code, type: 'UnauthorizedError' }`. */
  readonly data: UnauthorizedData

  constructor(code: string, error: { readonly message: string }, options?: { cause?: unknown }) {
    super(error.message, options)
    this.name = 'UnauthorizedError'
    this.inner = { message: error.message }
    this.data = Object.freeze({ message: error.message, code, type: 'UnauthorizedError' })
  }

  /** The wire shape: no stack, no cause. */
  toJSON(): UnauthorizedPayload {
    return { message: this.message, inner: this.inner, data: this.data }
  }
}

/**
 * socketio-jwt's error for a refusal: verification failures are `invalid_token` with
 * jsonwebtoken's message; key lookups that fail are `invalid_secret`; anything that is not a
 * sockguard error keeps no text of its own (it may hold server details). With `context` (the
 * token and the expected claim values) the message is the one jsonwebtoken gave for that token.
 */
export function toUnauthorizedError(error: unknown, context?: RefusalContext): UnauthorizedError {
  if (error instanceof UnauthorizedError) return error
  if (!isAuthError(error))
    return new UnauthorizedError('invalid_token', { message: 'invalid token' }, { cause: error })
  const code =
    error.code === 'key_not_found' || error.code === 'keys_unavailable'
      ? 'invalid_secret'
      : 'invalid_token'
  return new UnauthorizedError(code, { message: jwtMessage(error, context) }, { cause: error })
}
