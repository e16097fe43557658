// The Fastify plugin: one guard and one verifier for the app's HTTP routes and its Socket.IO
// server, decorated on the instance where it is registered (fastify-plugin's conventions, without
// the dependency: the three symbols below are all that fastify-plugin sets).
import type { FastifyInstance, FastifyPluginCallback } from 'fastify'
import { createGuardWithHttpAuth } from '../express/guard-with-http-auth.js'
import type { RequestAuth } from '../express/types.js'
import { InvalidOptionError } from '../errors.js'
import { toHook } from './to-hook.js'
import type { AttachableServer, SockguardFastify, SockguardFastifyOptions } from './types.js'

/** True for what looks like a Socket.IO server (a plugin's `fastify.io`). */
function isSocketIoServer(value: unknown): value is AttachableServer {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { of?: unknown }).of === 'function' &&
    typeof (value as { on?: unknown }).on === 'function' &&
    typeof (value as { use?: unknown }).use === 'function'
  )
}

function register(
  fastify: FastifyInstance,
  options: SockguardFastifyOptions,
  done: (error?: Error) => void,
): void {
  try {
    const { io, ...guardOptions } = options
    if (io !== undefined && !isSocketIoServer(io))
      throw new InvalidOptionError('io', 'must be a Socket.IO Server')
    // One store for both sides: the guard's revoke() must reach HTTP routes (docs/express.md).
    const { guard, httpAuth: middleware } = createGuardWithHttpAuth(guardOptions)
    // A Socket.IO server passed in wins; otherwise the one a plugin decorated as `fastify.io`
    // (fastify-socket.io does).
    const decorated = (): AttachableServer | undefined => {
      const existing: unknown = fastify.hasDecorator('io') ? fastify.getDecorator('io') : undefined
      return isSocketIoServer(existing) ? existing : undefined
    }
    const server = io ?? decorated()
    if (server !== undefined) guard.attach(server)
    else {
      // fastify-socket.io registered after this plugin: its `fastify.io` exists by onReady, which
      // runs before the server listens (attach also protects the namespaces made until then).
      fastify.addHook('onReady', (ready) => {
        const late = decorated()
        if (late !== undefined) guard.attach(late)
        ready()
      })
    }

    const decoration: SockguardFastify = Object.freeze({
      guard,
      verifier: guard.verifier,
      requireAuth: toHook(middleware, true),
    })
    fastify.decorate('sockguard', decoration)
    // null, not an object: a reference type as a request decorator would be shared by requests.
    // (Typed as present for handlers behind requireAuth, see types.ts; null until the hook ran.)
    fastify.decorateRequest('auth', null as unknown as RequestAuth)
    // preClose, not onClose: Fastify waits for the http server's connections to end before its
    // onClose hooks, and a handshake held by onAuthenticated would keep one open; the guard's
    // close() answers it (server_error) first.
    fastify.addHook('preClose', async () => {
      await guard.close()
    })
    done()
  } catch (error: unknown) {
    done(error instanceof Error ? error : new Error(String(error)))
  }
}

/**
 * The sockguard Fastify plugin. Register it once, where its decorations should be visible (it
 * skips encapsulation like every fastify-plugin plugin): it creates one guard and verifier,
 * attaches the guard to `options.io` or to `fastify.io` (fastify-socket.io), decorates
 * `fastify.sockguard` (`guard`, `verifier`, `requireAuth`) and `request.auth`, and closes the guard
 * with the instance. It adds no hook to any route: put `fastify.sockguard.requireAuth` and
 * {@link requireScope} in the `onRequest` hooks of the routes or encapsulated contexts to guard.
 *
 * @throws {InvalidOptionError} through `register` (Fastify reports it at `ready()`), for every
 * guard, verifier or HTTP option that is wrong.
 *
 * @example
 * await app.register(sockguardPlugin, { secret: process.env.JWT_SECRET!, algorithms: ['HS256'], io })
 * app.get('/me', { onRequest: app.sockguard.requireAuth }, (request) => request.auth.claims)
 */
export const sockguardPlugin: FastifyPluginCallback<SockguardFastifyOptions> = Object.assign(
  register as FastifyPluginCallback<SockguardFastifyOptions>,
  {
    // fastify-plugin's conventions, read by Fastify's plugin loader (lib/plugin-utils.js).
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'sockguard',
    [Symbol.for('plugin-meta')]: { fastify: '>=5.0.0', name: 'sockguard' },
  },
)
