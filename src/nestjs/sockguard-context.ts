// What SockguardModule builds once from its options: the guard, and the HTTP authentication of
// sockguard/express on the guard's verifier and revocation store.
import { createGuardWithHttpAuth, type GuardWithHttpAuth } from '../express/guard-with-http-auth.js'
import type { SockguardModuleOptions } from './types.js'

/** The guard and the HTTP middleware that share its verifier and store. */
export type SockguardContext = GuardWithHttpAuth

/**
 * Builds the guard and the HTTP authentication from the module's options.
 *
 * @throws {InvalidOptionError} for any wrong guard, verifier or HTTP option.
 */
export function createSockguardContext(options: SockguardModuleOptions): SockguardContext {
  return createGuardWithHttpAuth(options)
}
