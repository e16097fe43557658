// `guard.attach(io)`: the guard's middleware first on every namespace of a server, present and
// future (dynamic namespaces' children too).
import { namespacesOf, prependMiddleware } from '../internal/socket-io-private.js'
import type { AnyNamespace, AnyServer, GuardMiddleware } from './types.js'

/**
 * Prepends `middleware` to every namespace of `io`, now and as they are created, after
 * `hook(nsp)` (the guard's connection listener and recovery). Returns `io`.
 */
export function attachGuard<TServer extends AnyServer>(
  io: TServer,
  middleware: GuardMiddleware,
  hook: (nsp: AnyNamespace) => void,
): TServer {
  const protect = (nsp: AnyNamespace): void => {
    hook(nsp)
    // Authentication runs before the app's own middlewares, whenever they were added.
    prependMiddleware(nsp, middleware)
  }
  for (const nsp of namespacesOf(io)) protect(nsp)
  // Fired for every namespace created later, including children of dynamic namespaces.
  io.on('new_namespace', protect)
  return io
}
