// The public entry point of sockguard: explicit named exports, no logic.
export { createVerifier } from './verifier/create-verifier.js'
export {
  AUTH_ERROR_CODES,
  AuthError,
  ClaimInvalidError,
  InvalidOptionError,
  KeyError,
  TokenExpiredError,
  isAuthError,
} from './errors.js'
export { ALGORITHMS, ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from './verifier/algorithms.js'
export type { AuthErrorCode, AuthErrorDetails } from './errors.js'
export type { Algorithm, AsymmetricAlgorithm, HmacAlgorithm } from './verifier/algorithms.js'
export type { JwkSet, KeyInput, PublicJwk } from './keys/import-key.js'
export type {
  GetKey,
  GetKeyOptions,
  IssuerUrlOptions,
  JwksOptions,
  JwksUriOptions,
  JwsHeader,
  JwtClaims,
  PublicKeyOptions,
  RemoteKeySetOptions,
  SecretKeyOptions,
  VerifiedToken,
  Verifier,
  VerifierOptions,
  VerifierPolicyOptions,
} from './verifier/types.js'
