// The public entry point of sockguard: explicit named exports, no logic.
export { createVerifier } from './verifier/create-verifier.js'
export { createIntrospectionVerifier } from './introspection/create-introspection-verifier.js'
export { presets } from './presets/index.js'
export { createGuard } from './guard/create-guard.js'
export { createMemoryRevocationStore } from './revocation/revocation-store.js'
export { authorizeEvents } from './authorize/authorize-events.js'
export { BACKCHANNEL_LOGOUT_EVENT, backchannelLogout } from './oidc/backchannel-logout.js'
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
  ClaimsValidator,
  JwtClaims,
  JwtVerifier,
  PublicKeyOptions,
  RemoteKeySetOptions,
  SecretKeyOptions,
  VerifiedClaims,
  VerifiedToken,
  Verifier,
  VerifierOptions,
  VerifierPolicyOptions,
} from './verifier/types.js'
export type {
  Auth0PresetOptions,
  ClerkPresetOptions,
  CognitoPresetOptions,
  EntraPresetOptions,
  FirebasePresetOptions,
  GooglePresetOptions,
  KeycloakPresetOptions,
  OktaPresetOptions,
  PresetBaseOptions,
  SupabasePresetOptions,
} from './presets/index.js'
export type {
  IntrospectionCacheOptions,
  IntrospectionClaims,
  IntrospectionVerifier,
  IntrospectionVerifierOptions,
} from './introspection/types.js'
export type {
  AuthSocketData,
  Guard,
  GuardBaseOptions,
  GuardMiddleware,
  GuardOptions,
  GuardSocket,
  GuestSocketData,
  RateLimitOptions,
  RecheckOptions,
  SocketAuth,
} from './guard/types.js'
export type { NamespacePolicyEntry, NamespaceRule } from './guard/namespace-policy.js'
export type { RoomAck, RoomPolicy, RoomRemoved, RoomRule, RoomsOptions } from './rooms/types.js'
export type { TokenSource } from './guard/extract-token.js'
export type {
  RevocationListener,
  RevocationStore,
  RevocationTarget,
} from './revocation/revocation-store.js'
export type {
  BackchannelLogoutEvent,
  BackchannelLogoutHandler,
  BackchannelLogoutOptions,
} from './oidc/backchannel-logout.js'
export type { AuthenticateAck } from './guard/live-session.js'
export type { LogoutAck } from './guard/logout.js'
export type {
  AuthorizeEventsOptions,
  EventNames,
  EventParams,
  EventPolicy,
  EventsMap,
  ForbiddenPayload,
} from './authorize/authorize-events.js'
export type { ClaimsRule, EventRule } from './authorize/rules.js'
