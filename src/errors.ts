// The errors sockguard raises: one base class with a literal `code`, a subclass where a caller
// acts differently, and the option error thrown by factories at creation.

/**
 * Every code an {@link AuthError} can carry. `err.code` on the server, `err.data.code` on the wire.
 * Kept in step with `docs/errors.md` by a test.
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
] as const

/** The closed union of {@link AuthError} codes, for `switch (err.code)`. */
export type AuthErrorCode = (typeof AUTH_ERROR_CODES)[number]

/** The codes of {@link KeyError}: no key for the token, or no key set at all. */
export type KeyErrorCode = 'key_not_found' | 'keys_unavailable'

/**
 * The codes sockguard raises as a plain {@link AuthError}: every code but those with a subclass of
 * their own ({@link TokenExpiredError}, {@link ClaimInvalidError}, {@link KeyError}).
 */
export type PlainAuthErrorCode = Exclude<
  AuthErrorCode,
  'token_expired' | 'claim_invalid' | KeyErrorCode
>

/**
 * The payload of `connect_error.data`, `unauthorized`, `forbidden` and failed acks: what a client
 * learns of an {@link AuthError}, never its stack, cause or token.
 */
export interface WireError {
  readonly code: AuthErrorCode
  readonly message: string
}

/** Fields of an {@link AuthError} that are safe to show: never the token, never key material. */
export interface AuthErrorDetails {
  /** The underlying error (a dependency's or node:crypto's), kept for logs. */
  readonly cause?: unknown
  /** For `claim_invalid` (and time claims): the claim that failed. */
  readonly claim?: string
  /** For key errors: the `kid` that was looked up, when the token had one. */
  readonly kid?: string
  /** For room refusals (`forbidden`, and a room rule's `server_error`): the room. */
  readonly room?: string
}

// A registered symbol, so an AuthError of another copy of sockguard (the dual-package hazard)
// carries the same brand. A plain error with a `code` property never does: an app's database
// error whose `code` happens to read `token_invalid` is no refusal of the token.
const AUTH_ERROR_BRAND = Symbol.for('sockguard.AuthError')

/**
 * Why a token, a handshake or an event was refused. The message is fixed human text; it never
 * contains the token.
 *
 * Each subclass narrows `code` to its own codes; see {@link AnyAuthError} to narrow from `code` to
 * the subclass.
 *
 * @example
 * try { await verifier.verify(token) } catch (err) {
 *   if (err instanceof AuthError && err.code === 'token_expired') refresh()
 * }
 */
export class AuthError extends Error {
  /** The machine-readable reason; see {@link AuthErrorCode}. */
  readonly code: AuthErrorCode
  /** The claim that failed, for claim and time checks. */
  readonly claim: string | undefined
  /** The `kid` looked up, for key errors. */
  readonly kid: string | undefined
  /** The room, for a refused join or a room taken away (and a room rule that failed). */
  readonly room: string | undefined

  constructor(code: AuthErrorCode, message: string, details: AuthErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    // The brand that {@link isAuthError} reads across two copies of the package; not
    // enumerable, so it stays out of logs and JSON.
    Object.defineProperty(this, AUTH_ERROR_BRAND, { value: true })
    this.name = 'AuthError'
    this.code = code
    this.claim = details.claim
    this.kid = details.kid
    this.room = details.room
  }
}

/** The token's `exp` (or its maximum age) has passed: the client should get a fresh token. */
export class TokenExpiredError extends AuthError {
  declare readonly code: 'token_expired'
  /** When the token stopped being valid, in ms since the epoch. */
  readonly expiredAt: number

  constructor(message: string, expiredAt: number, claim: 'exp' | 'iat' = 'exp') {
    super('token_expired', message, { claim })
    this.name = 'TokenExpiredError'
    this.expiredAt = expiredAt
  }
}

/** A claim (`iss`, `aud`, `sub`, a required claim, or a wrongly typed one) failed; see `claim`. */
export class ClaimInvalidError extends AuthError {
  declare readonly code: 'claim_invalid'
  declare readonly claim: string

  constructor(claim: string, message: string) {
    super('claim_invalid', message, { claim })
    this.name = 'ClaimInvalidError'
  }
}

/**
 * The key material could not be had: `key_not_found` (no key for this `kid`/algorithm; retrying
 * will not help) or `keys_unavailable` (the key set could not be fetched; retrying later may).
 */
export class KeyError extends AuthError {
  declare readonly code: KeyErrorCode

  constructor(code: KeyErrorCode, message: string, details: AuthErrorDetails = {}) {
    super(code, message, details)
    this.name = 'KeyError'
  }
}

/** An {@link AuthError} raised with one of the {@link PlainAuthErrorCode}s (no subclass of its own). */
export interface PlainAuthError extends AuthError {
  readonly code: PlainAuthErrorCode
}

/**
 * Every error sockguard raises, as a union discriminated by `code`: comparing `err.code` narrows
 * to the subclass, without `instanceof` (which fails across two copies of the package).
 *
 * An `AuthError` you construct yourself with the code of a subclass (`new AuthError(
 * 'claim_invalid', ...)` thrown from `onAuthenticated`) is not one of these: throw the subclass.
 *
 * @example
 * function onRefused(err: AnyAuthError) {
 *   if (err.code === 'token_expired') scheduleRefresh(err.expiredAt) // err: TokenExpiredError
 *   else if (err.code === 'claim_invalid') log(err.claim) // err: ClaimInvalidError
 * }
 */
export type AnyAuthError = PlainAuthError | TokenExpiredError | ClaimInvalidError | KeyError

/**
 * Thrown synchronously by a factory (`createVerifier`, ...) when an option is wrong, so that
 * misconfiguration shows at start-up and never at the first connection.
 */
export class InvalidOptionError extends TypeError {
  /** Always `'invalid_option'`. */
  readonly code = 'invalid_option' as const
  /** The option at fault, as a path (`'audience'`, `'jwks.keys[2].alg'`). */
  readonly option: string

  constructor(option: string, message: string, options?: { cause?: unknown }) {
    super(`sockguard: invalid option \`${option}\`: ${message}`, options)
    this.name = 'InvalidOptionError'
    this.option = option
  }
}

/**
 * True when `value` is an {@link AuthError} with one of {@link AUTH_ERROR_CODES}, also across two
 * copies of the package (by a brand every AuthError carries). An error that merely has a `code`
 * equal to an auth code is not one.
 */
export function isAuthError(value: unknown): value is AuthError {
  // Its code must be one of ours too: a JavaScript caller can construct an AuthError with any
  // string, and a code the client does not know (with its message) must not reach the wire.
  // Never throws: a Proxy thrown by an app hook may throw from every trap `instanceof` and the
  // property reads touch, and that must not turn the hook's fault into another error.
  try {
    return isOurs(value)
  } catch {
    return false
  }
}

function isOurs(value: unknown): boolean {
  return (
    (value instanceof AuthError ||
      (typeof value === 'object' &&
        value !== null &&
        (value as Record<symbol, unknown>)[AUTH_ERROR_BRAND] === true)) &&
    typeof (value as { code?: unknown }).code === 'string' &&
    (AUTH_ERROR_CODES as readonly string[]).includes((value as { code: string }).code)
  )
}
