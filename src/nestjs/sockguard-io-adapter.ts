// SockguardIoAdapter: Nest's IoAdapter with the guard attached to every Socket.IO server it makes,
// so that each gateway's handshake, on every namespace, is authenticated before handleConnection.
import type { INestApplicationContext } from '@nestjs/common'
import { IoAdapter } from '@nestjs/platform-socket.io'
import { InvalidOptionError } from '../errors.js'
import type { Guard } from '../guard/types.js'
import { SOCKGUARD_GUARD } from './tokens.js'

// Nest's own types for the server it makes: @nestjs/platform-socket.io may resolve another copy of
// socket.io than the app's, and only its types fit the method this class overrides.
type IoServer = ReturnType<IoAdapter['createIOServer']>
type IoServerOptions = Parameters<IoAdapter['createIOServer']>[1]

/** True for a Nest application (context), as opposed to an http server. */
function isApplication(value: unknown): value is INestApplicationContext {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { get?: unknown }).get === 'function' &&
    typeof (value as { resolve?: unknown }).resolve === 'function' &&
    typeof (value as { select?: unknown }).select === 'function'
  )
}

/**
 * Nest's `IoAdapter` with sockguard's guard attached to every Socket.IO server Nest creates: all
 * their namespaces, present and future, so a handshake without a valid token is refused with
 * sockguard's codes (`connect_error` with `{ code, message }`) before any gateway's
 * `handleConnection` runs, and connected sockets get the live session (expiry, in-band refresh,
 * revocation).
 *
 * The guard is SockguardModule's, found in `app` when the first server is made; or pass one.
 *
 * @throws {InvalidOptionError} (`guard`) when the first server is made if neither a guard was
 * passed nor SockguardModule imported.
 *
 * @example
 * const app = await NestFactory.create(AppModule)
 * app.useWebSocketAdapter(new SockguardIoAdapter(app))
 */
export class SockguardIoAdapter extends IoAdapter {
  readonly #app: INestApplicationContext | undefined
  #guard: Guard | undefined

  /**
   * @param appOrHttpServer the application (its SockguardModule's guard is used) or, as for
   *   IoAdapter, an http server (then `guard` is required).
   * @param guard a guard to use instead of the module's.
   */
  constructor(appOrHttpServer?: INestApplicationContext | object, guard?: Guard) {
    super(appOrHttpServer)
    this.#app = isApplication(appOrHttpServer) ? appOrHttpServer : undefined
    this.#guard = guard
  }

  /** Nest's server, with the guard attached to all its namespaces. */
  override createIOServer(port: number, options?: IoServerOptions): IoServer {
    const server = super.createIOServer(port, options)
    // The guard reads Socket.IO structurally: a server of Nest's socket.io copy is one it guards.
    this.#resolveGuard().attach(server as unknown as Parameters<Guard['attach']>[0])
    return server
  }

  #resolveGuard(): Guard {
    if (this.#guard !== undefined) return this.#guard
    let found: unknown
    try {
      found = this.#app?.get(SOCKGUARD_GUARD, { strict: false })
    } catch {
      found = undefined
    }
    if (found === undefined)
      throw new InvalidOptionError(
        'guard',
        'no guard: import SockguardModule.forRoot() or pass a guard to SockguardIoAdapter',
      )
    this.#guard = found as Guard
    return this.#guard
  }
}
