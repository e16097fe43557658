// What SockguardModule builds once from its options: the guard, and the HTTP authentication of
// sockguard/express on the guard's verifier and revocation store.
import { createGuard } from '../guard/create-guard.js'
import { requireAuth } from '../express/require-auth.js'
import type { RequireAuthBaseOptions, RequireAuthMiddleware } from '../express/types.js'
import { createMemoryRevocationStore } from '../revocation/revocation-store.js'
import type { Guard } from '../guard/types.js'
import type { SockguardModuleOptions } from './types.js'

/** The guard and the HTTP middleware that share its verifier and store. */
export interface SockguardContext {
  readonly guard: Guard
  readonly httpAuth: RequireAuthMiddleware
}

/**
 * Builds the guard and the HTTP authentication from the module's options.
 *
 * @throws {InvalidOptionError} for any wrong guard, verifier or HTTP option.
 */
export function createSockguardContext(options: SockguardModuleOptions): SockguardContext {
  const { realm, onHttpFailure, retryAfterMs, ...guardOptions } = options
  // One store for sockets and HTTP: a revocation must reach both, and a private store of
  // requireAuth would never hear of one (docs/express.md).
  const revocationStore = guardOptions.revocationStore ?? createMemoryRevocationStore()
  const guard = createGuard({ ...guardOptions, revocationStore })
  const httpOptions: RequireAuthBaseOptions = {
    revocationStore,
    ...(realm !== undefined && { realm }),
    ...(onHttpFailure !== undefined && { onFailure: onHttpFailure }),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    ...(guardOptions.revocationCheck !== undefined && {
      revocationCheck: guardOptions.revocationCheck,
    }),
    ...(guardOptions.now !== undefined && { now: guardOptions.now }),
  }
  return { guard, httpAuth: requireAuth({ ...httpOptions, verifier: guard.verifier }) }
}
