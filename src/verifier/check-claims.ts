// Checks a verified claims set against the policy (RFC 7519 §4.1, RFC 8725 §3.8-3.10): strict
// types first, then who the token is for, then time. Returns when the token stops being valid.
import { AuthError, ClaimInvalidError, TokenExpiredError, isAuthError } from '../errors.js'
import type { JsonObject } from '../internal/parse-json-object.js'
import { ignoreRejection } from '../internal/ignore-rejection.js'
import type { ClaimsValidator, JwtClaims } from './types.js'

/** The claims policy of one verifier, normalised at creation. */
export interface ClaimsPolicy {
  readonly issuer: ReadonlySet<string> | undefined
  readonly audience: ReadonlySet<string> | undefined
  readonly subject: string | undefined
  readonly requiredClaims: readonly string[]
  readonly toleranceMs: number
  readonly maxTokenAgeMs: number | undefined
  readonly requireExp: boolean
  /** The `validate` option: undefined unless configured, so the hot path pays one comparison. */
  readonly validate: ClaimsValidator | undefined
}

function numericDate(claims: JsonObject, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = claims[name]
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ClaimInvalidError(name, `The "${name}" claim must be a number of seconds.`)
  }
  return value
}

function stringClaim(claims: JsonObject, name: string): string | undefined {
  const value = claims[name]
  if (value !== undefined && typeof value !== 'string') {
    throw new ClaimInvalidError(name, `The "${name}" claim must be a string.`)
  }
  return value
}

/**
 * Checks `claims` at `nowMs`; returns the token's end of validity in ms (see `expiresAt`).
 * @throws {AuthError} `claim_invalid`, `token_expired` or `token_not_active`.
 */
export function checkClaims(
  claims: JsonObject,
  policy: ClaimsPolicy,
  nowMs: number,
): number | null {
  const exp = numericDate(claims, 'exp')
  const nbf = numericDate(claims, 'nbf')
  const iat = numericDate(claims, 'iat')
  const iss = stringClaim(claims, 'iss')
  const sub = stringClaim(claims, 'sub')
  // RFC 7519 §4.1.2: a StringOrURI. An empty one names nobody, yet would compare equal to
  // another empty one (a refresh, a revocation): refused rather than taken for a subject.
  if (sub === '') throw new ClaimInvalidError('sub', 'The "sub" claim must not be empty.')
  stringClaim(claims, 'jti')
  // The provider session id that `revoke({ sid })` and back-channel logout match by string
  // equality: a number (`sid: 123`) or an empty one would escape `revoke({ sid: '123' })`.
  const sid = stringClaim(claims, 'sid')
  if (sid === '') throw new ClaimInvalidError('sid', 'The "sid" claim must not be empty.')
  const aud = claims.aud
  if (
    aud !== undefined &&
    typeof aud !== 'string' &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
  ) {
    throw new ClaimInvalidError('aud', 'The "aud" claim must be a string or an array of strings.')
  }
  if (exp === undefined && policy.requireExp) {
    throw new ClaimInvalidError('exp', 'The token has no "exp" claim.')
  }
  for (const name of policy.requiredClaims) {
    // Own members only: `claims.constructor` or `claims.__proto__` come from Object.prototype.
    if (!Object.hasOwn(claims, name))
      throw new ClaimInvalidError(name, `The token has no "${name}" claim.`)
  }

  if (policy.issuer !== undefined && (iss === undefined || !policy.issuer.has(iss))) {
    throw new ClaimInvalidError('iss', 'The token comes from an issuer that is not accepted.')
  }
  if (policy.audience !== undefined) {
    const accepted = policy.audience
    const ok =
      typeof aud === 'string'
        ? accepted.has(aud)
        : Array.isArray(aud) && aud.some((a: string) => accepted.has(a))
    if (!ok) throw new ClaimInvalidError('aud', 'The token is meant for another audience.')
  }
  if (policy.subject !== undefined && sub !== policy.subject) {
    throw new ClaimInvalidError('sub', 'The token is for another subject.')
  }

  const tolerance = policy.toleranceMs
  let expiresAt = exp === undefined ? null : exp * 1000
  if (expiresAt !== null && expiresAt <= nowMs - tolerance) {
    throw new TokenExpiredError('The token has expired.', expiresAt)
  }
  if (nbf !== undefined && nbf * 1000 > nowMs + tolerance) {
    throw new AuthError('token_not_active', 'The token is not valid yet.', { claim: 'nbf' })
  }
  // A token issued in the future was minted by a wrong clock or forged ahead of time.
  if (iat !== undefined && iat * 1000 > nowMs + tolerance) {
    throw new AuthError('token_not_active', 'The token was issued in the future.', { claim: 'iat' })
  }
  if (policy.maxTokenAgeMs !== undefined) {
    if (iat === undefined) throw new ClaimInvalidError('iat', 'The token has no "iat" claim.')
    const ageLimit = iat * 1000 + policy.maxTokenAgeMs
    if (ageLimit <= nowMs - tolerance)
      throw new TokenExpiredError('The token is too old.', ageLimit, 'iat')
    if (expiresAt === null || ageLimit < expiresAt) expiresAt = ageLimit
  }
  // Last, so that a custom check sees claims whose types and times are already sound.
  if (policy.validate !== undefined) runValidator(policy.validate, claims)
  return expiresAt
}

// The hook's refusals keep their code; anything else is the hook failing, not the token: the
// same rule as every other application hook (`getKey`, `onAuthenticated`).
function runValidator(validate: ClaimsValidator, claims: JsonObject): void {
  // The declared return is void; a JavaScript (or async) hook may still return a promise.
  const hook: (claims: JwtClaims) => unknown = validate
  let result: unknown
  try {
    result = hook(claims)
  } catch (error) {
    if (isAuthError(error)) throw error
    throw new AuthError('server_error', 'The custom claims check failed.', { cause: error })
  }
  // A promise or any thenable (a function with `then` too), and a `then` that cannot even be
  // read: none of them is a synchronous verdict.
  let then: unknown
  try {
    then =
      (typeof result === 'object' || typeof result === 'function') && result !== null
        ? (result as { then?: unknown }).then
        : undefined
  } catch (error) {
    throw new AuthError('server_error', 'The custom claims check failed.', { cause: error })
  }
  if (typeof then === 'function') {
    // An async check would resolve after the token was accepted: refuse, and keep its eventual
    // rejection from going unhandled (a hostile `then` that throws is handled too).
    ignoreRejection(result)
    throw new AuthError('server_error', 'The custom claims check must be synchronous.')
  }
  // Nothing (or `true`) accepts. `false` is a refusal written as a predicate
  // (`(c) => c.org_id === 'org_123'`): refused, never taken for a pass; any other value is a
  // hook that does not do what it is declared to.
  if (result === undefined || result === true) return
  if (result === false)
    throw new AuthError('claim_invalid', 'The token was refused by the custom claims check.')
  throw new AuthError(
    'server_error',
    'The custom claims check must return nothing (throw to refuse, or return false).',
  )
}
