// `sockguard/express`: the HTTP side of sockguard, for Express 4/5, connect and node:http.
// Explicit named exports, no logic.
export { requireAuth } from './require-auth.js'
export { requireScope } from './require-scope.js'
export type {
  AuthenticatedRequest,
  HttpAuthErrorBody,
  HttpMiddleware,
  NextFunctionLike,
  RegisteredClaims,
  RequestAuth,
  RequestAuthRegistry,
  RequireAuthBaseOptions,
  RequireAuthMiddleware,
  RequireAuthOptions,
} from './types.js'
