// One guard and the HTTP authentication of sockguard/express on its verifier and revocation store:
// what the Fastify plugin and the NestJS module both build from their options. Internal (not
// exported by sockguard/express); it lives here, below both integrations, so that each may import it.
import { createGuard } from '../guard/create-guard.js'
import type { Guard, GuardOptions } from '../guard/types.js'
import { createMemoryRevocationStore } from '../revocation/revocation-store.js'
import type { AuthError } from '../errors.js'
import type { IncomingMessage } from 'node:http'
import { requireAuth } from './require-auth.js'
import type { RequireAuthBaseOptions, RequireAuthMiddleware } from './types.js'

/** The HTTP options the integrations take next to the guard's options. */
export interface GuardHttpOptions {
  readonly realm?: string
  readonly onHttpFailure?: (error: AuthError, req: IncomingMessage) => void
  readonly retryAfterMs?: number
}

/** The guard and the HTTP middleware that share its verifier and store. */
export interface GuardWithHttpAuth {
  readonly guard: Guard
  readonly httpAuth: RequireAuthMiddleware
}

/**
 * Builds the guard and the HTTP authentication from an integration's options.
 *
 * @throws {InvalidOptionError} for any wrong guard, verifier or HTTP option.
 */
export function createGuardWithHttpAuth(
  options: GuardOptions & GuardHttpOptions,
): GuardWithHttpAuth {
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
