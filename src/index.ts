// The public entry point of sockguard: explicit named exports, no logic.
export { createVerifier } from './verifier/create-verifier.js'
export { createGuard } from './guard/create-guard.js'
export { createMemoryRevocationStore } from './revocation/revocation-store.js'
export { authorizeEvents } from './authorize/authorize-events.js'
export { requireClaim, requireMember, requireScope, scopesOf } from './authorize/rules.js'
export {
  AUTH_ERROR_CODES,
  AuthError,
  ClaimInvalidError,
  InvalidOptionError,
  KeyError,
  TokenExpiredError,
  isAuthError,
} from './errors.js'
export { ALGORITHMS, ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from './jws/algorithms.js'
export type {
  AnyAuthError,
  AuthErrorCode,
  AuthErrorDetails,
  KeyErrorCode,
  PlainAuthError,
  PlainAuthErrorCode,
  WireError,
} from './errors.js'
export type { Algorithm, AsymmetricAlgorithm, HmacAlgorithm } from './jws/algorithms.js'
export type { GetKey, JwkSet, JwsHeader, KeyInput, PublicJwk } from './jws/types.js'
export type {
  GetKeyOptions,
  IssuerUrlOptions,
  JwksOptions,
  JwksUriOptions,
  JwtClaims,
  PublicKeyOptions,
  RemoteKeySetOptions,
  SecretKeyOptions,
  VerifiedToken,
  Verifier,
  VerifierOptions,
  VerifierPolicyOptions,
} from './verifier/types.js'
export type {
  AuthSocketData,
  Guard,
  GuardBaseOptions,
  GuardMiddleware,
  GuardOptions,
  GuardSocket,
  RateLimitOptions,
  RecheckOptions,
  SocketAuth,
} from './guard/types.js'
export type { RoomAck, RoomPolicy, RoomRemoved, RoomRule, RoomsOptions } from './rooms/types.js'
export type { TokenSource } from './guard/extract-token.js'
export type {
  RevocationListener,
  RevocationStore,
  RevocationTarget,
} from './revocation/revocation-store.js'
export type { AuthenticateAck } from './guard/live-session.js'
export type {
  AuthorizeEventsOptions,
  EventNames,
  EventParams,
  EventPolicy,
  EventsMap,
  ForbiddenPayload,
} from './authorize/authorize-events.js'
export type { EventRule } from './authorize/rules.js'
