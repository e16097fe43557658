// Type tests of the error types: each subclass narrows `code`, and `AnyAuthError` narrows from
// `code` to the subclass without `instanceof`. Checked by `npm run typecheck` (tsc).
import { expectTypeOf } from 'vitest'
import {
  AuthError,
  ClaimInvalidError,
  KeyError,
  TokenExpiredError,
  isAuthError,
  type AnyAuthError,
  type AuthErrorCode,
  type PlainAuthError,
  type PlainAuthErrorCode,
  type WireError,
} from 'sockguard'

// Each subclass carries its own code(s), not the whole union.
expectTypeOf<TokenExpiredError['code']>().toEqualTypeOf<'token_expired'>()
expectTypeOf<ClaimInvalidError['code']>().toEqualTypeOf<'claim_invalid'>()
expectTypeOf<KeyError['code']>().toEqualTypeOf<'key_not_found' | 'keys_unavailable'>()
expectTypeOf(new TokenExpiredError('late', 0).code).toEqualTypeOf<'token_expired'>()
expectTypeOf(new ClaimInvalidError('aud', 'no').claim).toEqualTypeOf<string>()
expectTypeOf(new KeyError('key_not_found', 'no key').code).toEqualTypeOf<
  'key_not_found' | 'keys_unavailable'
>()
// @ts-expect-error a KeyError has key codes only
new KeyError('token_expired', 'no')

// The base class keeps the whole union; `instanceof` gives it (not `any`).
declare const unknownError: unknown
if (unknownError instanceof AuthError)
  expectTypeOf(unknownError.code).toEqualTypeOf<AuthErrorCode>()
if (isAuthError(unknownError)) expectTypeOf(unknownError).toEqualTypeOf<AuthError>()

// The union covers every code, the plain member none of the subclasses' codes.
expectTypeOf<AnyAuthError['code']>().toEqualTypeOf<AuthErrorCode>()
expectTypeOf<PlainAuthErrorCode>().not.toExtend<'token_expired'>()
expectTypeOf<
  'token_expired' | 'claim_invalid' | KeyError['code']
>().not.toExtend<PlainAuthErrorCode>()
expectTypeOf<AnyAuthError>().toExtend<AuthError>()

declare const err: AnyAuthError

// @ts-expect-error only a TokenExpiredError has expiredAt: the code must be checked first
expectTypeOf(err).toHaveProperty('expiredAt')

// Narrowing by code alone, without instanceof.
if (err.code === 'token_expired') {
  expectTypeOf(err).toEqualTypeOf<TokenExpiredError>()
  expectTypeOf(err.expiredAt).toEqualTypeOf<number>()
}
if (err.code === 'claim_invalid') {
  expectTypeOf(err).toEqualTypeOf<ClaimInvalidError>()
  expectTypeOf(err.claim).toEqualTypeOf<string>()
  // @ts-expect-error a claim error has no expiry
  expectTypeOf(err).toHaveProperty('expiredAt')
}
if (err.code === 'key_not_found' || err.code === 'keys_unavailable')
  expectTypeOf(err).toEqualTypeOf<KeyError>()
if (err.code === 'forbidden') {
  expectTypeOf(err).toEqualTypeOf<PlainAuthError>()
  expectTypeOf(err.claim).toEqualTypeOf<string | undefined>()
}

/** A switch over every code is exhaustive: nothing is left for `default`. */
export function describe(error: AnyAuthError): string {
  switch (error.code) {
    case 'token_expired':
      expectTypeOf(error).toEqualTypeOf<TokenExpiredError>()
      return `expired at ${error.expiredAt}`
    case 'claim_invalid':
      return `bad claim ${error.claim}`
    case 'key_not_found':
    case 'keys_unavailable':
      expectTypeOf(error).toEqualTypeOf<KeyError>()
      return 'key'
    case 'token_missing':
    case 'token_malformed':
    case 'token_invalid':
    case 'token_not_active':
    case 'token_revoked':
    case 'logged_out':
    case 'auth_timeout':
    case 'forbidden':
    case 'rate_limited':
    case 'store_unavailable':
    case 'server_error':
    case 'reauth_required':
      expectTypeOf(error).toEqualTypeOf<PlainAuthError>()
      return error.code
    default:
      expectTypeOf(error).toBeNever()
      return error
  }
}

// The wire shape is exported with the errors and carries a code of the union.
expectTypeOf<WireError>().toEqualTypeOf<{
  readonly code: AuthErrorCode
  readonly message: string
}>()
// @ts-expect-error not an error code
export const wrong: WireError = { code: 'no_such_code', message: '' }
