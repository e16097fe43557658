// `sockguard/nestjs`: the module, the Socket.IO adapter, the decorators, and their tokens.
export { SockguardModule } from './sockguard-module.js'
export { SockguardIoAdapter } from './sockguard-io-adapter.js'
export { Sockguard, SockguardVerifier } from './class-tokens.js'
export { SOCKGUARD_GUARD, SOCKGUARD_OPTIONS, SOCKGUARD_VERIFIER } from './tokens.js'
export { Claims } from './claims.js'
export { RequireAuth } from './require-auth.js'
export { RequireScope } from './require-scope.js'
export { RequireClaim } from './require-claim.js'
export { SockguardAuthGuard } from './auth-guard.js'
export { SockguardRefusalFilter } from './refusal-filter.js'
export { SockguardRefusalException } from './refusal-exception.js'
export type { ClassOrMethodDecorator } from './requirement-decorator.js'
export type {
  SockguardHttpOptions,
  SockguardModuleAsyncOptions,
  SockguardModuleOptions,
} from './types.js'
export type { CapturedRefusal } from '../express/run-middleware.js'
