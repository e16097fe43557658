// The public types of `sockguard/fastify`: the plugin's options, what it decorates the instance
// with, and the typing of `request.auth` and `fastify.sockguard` (declaration merging into fastify).
import type { IncomingMessage } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AuthError } from '../errors.js'
import type { RegisteredClaims, RequestAuth } from '../express/types.js'
import type { Guard, GuardOptions } from '../guard/types.js'
import type { JwtClaims, Verifier } from '../verifier/types.js'

/** A Socket.IO server the guard can attach to (what `guard.attach` takes). */
export type AttachableServer = Parameters<Guard['attach']>[0]

/**
 * An `onRequest` hook of sockguard: it lets the request through, or answers it with the refusal
 * of `sockguard/express` (RFC 6750 status, challenge and JSON body) and ends the lifecycle.
 */
export type SockguardHook = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>

/** Options of the HTTP side of the plugin (the `requireAuth` hook). */
export interface SockguardHttpOptions {
  /** The `realm` of the `WWW-Authenticate` challenge (printable ASCII); none when omitted. */
  readonly realm?: string
  /**
   * Called for every refused HTTP request, to log it; `req` is the raw request, already without
   * its `Authorization` header. Sockets' refusals go to `onFailure`. A throw from it is ignored.
   */
  readonly onHttpFailure?: (error: AuthError, req: IncomingMessage) => void
  /**
   * The `Retry-After` of a 503 (`keys_unavailable`, `store_unavailable`, `server_error`), in ms.
   * @defaultValue 30000
   */
  readonly retryAfterMs?: number
}

/**
 * Options of the plugin: the guard's options (a `verifier`, or verifier options inline), the HTTP
 * options, and `io`, a Socket.IO server to guard. Without `io`, the plugin guards `fastify.io`
 * when a plugin such as `fastify-socket.io` registered one before it.
 */
export type SockguardFastifyOptions<TClaims extends JwtClaims = JwtClaims> = GuardOptions<TClaims> &
  SockguardHttpOptions & {
    /** The Socket.IO server to guard; by default `fastify.io` when it exists. */
    readonly io?: AttachableServer
  }

/** What the plugin puts on the Fastify instance as `fastify.sockguard`. */
export interface SockguardFastify<TClaims extends JwtClaims = JwtClaims> {
  /** The guard: attached to the Socket.IO server when there is one; `revoke()` reaches HTTP too. */
  readonly guard: Guard<TClaims>
  /** The one verifier of HTTP routes and sockets. */
  readonly verifier: Verifier<TClaims>
  /**
   * The `onRequest` hook that authenticates a request with the bearer token and puts
   * `{ claims, expiresAt }` on `request.auth`; refusals as `sockguard/express`'s `requireAuth`.
   */
  readonly requireAuth: SockguardHook
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set by the sockguard plugin: its guard, verifier and `requireAuth` hook. */
    // Not the default: it is whatever the app merged into RequestAuthRegistry.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-arguments
    sockguard: SockguardFastify<RegisteredClaims>
  }
  interface FastifyRequest {
    /**
     * Set by `fastify.sockguard.requireAuth`: the verified claims and the token's expiry.
     * Declared present, as every handler behind the hook gets it; on a route without the hook
     * it is `null`. The claims type is the one merged into `RequestAuthRegistry` of
     * `sockguard/express`.
     */
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-arguments -- as above
    auth: RequestAuth<RegisteredClaims>
  }
}
