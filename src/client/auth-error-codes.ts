// The auth error codes a client can meet, and the reading of a coded error off the wire. A copy of
// the server's list, because this folder is served to browsers file by file and must not import
// the server's modules at run time; a unit test keeps the two lists equal.
import type { AuthErrorCode as ServerAuthErrorCode } from '../errors.js'

/**
 * Every code sockguard puts in `err.data.code` (`connect_error`), in `unauthorized` and in a failed
 * `authenticate` ack. The same list as `AUTH_ERROR_CODES` of `sockguard`.
 */
export const AUTH_ERROR_CODES = [
  'token_missing',
  'token_malformed',
  'token_invalid',
  'token_expired',
  'token_not_active',
  'claim_invalid',
  'token_revoked',
  'logged_out',
  'key_not_found',
  'keys_unavailable',
  'auth_timeout',
  'forbidden',
  'rate_limited',
  'store_unavailable',
  'server_error',
  'reauth_required',
] as const satisfies readonly ServerAuthErrorCode[]

/** The closed union of auth error codes, for `switch (error.code)`. */
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number]

/** A coded auth error as the client sees it: the server's `{ code, message }`. */
export interface AuthErrorData {
  readonly code: AuthErrorCode
  /** Fixed human text from the server (never the token). */
  readonly message: string
  /** For `token_missing` raised on the client: what `getToken` threw, if it threw. */
  readonly cause?: unknown
}

/** True when `code` is one of {@link AUTH_ERROR_CODES}. */
export function isAuthErrorCode(code: unknown): code is AuthErrorCode {
  return typeof code === 'string' && (AUTH_ERROR_CODES as readonly string[]).includes(code)
}

/**
 * The `{ code, message }` of a sockguard error payload (`err.data` of a `connect_error`, an
 * `unauthorized` payload, a failed ack), or `undefined` for anything else: transport errors and
 * other middlewares' refusals are not auth errors.
 */
export function authErrorOf(payload: unknown): AuthErrorData | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined
  const { code, message } = payload as { code?: unknown; message?: unknown }
  if (!isAuthErrorCode(code)) return undefined
  return { code, message: typeof message === 'string' ? message : code }
}
