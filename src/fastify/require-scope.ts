// requireScope for Fastify: sockguard/express's scope check as an `onRequest` hook.
import { requireScope as requireScopeMiddleware } from '../express/require-scope.js'
import { toHook } from './to-hook.js'
import type { SockguardHook } from './types.js'

/**
 * Creates the `onRequest` hook that lets a request through when its token grants every one of
 * `scopes` (`scope`, space-separated, or `scp`). Put it after `fastify.sockguard.requireAuth`.
 * Otherwise it answers 403 `insufficient_scope` with the scopes needed in the challenge, or 401
 * `token_missing` when no `requireAuth` ran before it: the answers of `sockguard/express`.
 * Added with `addHook` inside a `register`ed context, it guards that context's routes only.
 *
 * @throws {InvalidOptionError} (`scopes`) when no scope is given or one is not a scope token.
 *
 * @example
 * app.register(async (admin) => {
 *   admin.addHook('onRequest', admin.sockguard.requireAuth)
 *   admin.addHook('onRequest', requireScope('admin'))
 *   admin.delete('/users/:id', async (request) => request.auth.claims.sub)
 * })
 */
export function requireScope(...scopes: [string, ...string[]]): SockguardHook {
  return toHook(requireScopeMiddleware(...scopes), false)
}
