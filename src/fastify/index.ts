// `sockguard/fastify`: the Fastify plugin (HTTP hooks and the Socket.IO guard on one verifier).
export { sockguardPlugin } from './sockguard-plugin.js'
export { requireScope } from './require-scope.js'
export type {
  AttachableServer,
  SockguardFastify,
  SockguardFastifyOptions,
  SockguardHook,
  SockguardHttpOptions,
} from './types.js'
export type { RequestAuth, RequestAuthRegistry, RegisteredClaims } from '../express/types.js'
