// The public types of `sockguard/nestjs`: the module's options, sync and async.
import type { IncomingMessage } from 'node:http'
import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common'
import type { AuthError } from '../errors.js'
import type { GuardOptions } from '../guard/types.js'
import type { JwtClaims } from '../verifier/types.js'

/** Options of the HTTP side (controllers behind `@RequireAuth`, `@RequireScope`, `@RequireClaim`). */
export interface SockguardHttpOptions {
  /** The `realm` of the `WWW-Authenticate` challenge (printable ASCII); none when omitted. */
  readonly realm?: string
  /**
   * Called for every refused HTTP request, to log it; `req` is already without its
   * `Authorization` header. Sockets' refusals go to `onFailure`. A throw from it is ignored.
   */
  readonly onHttpFailure?: (error: AuthError, req: IncomingMessage) => void
  /** The `Retry-After` of a 503, in ms. @defaultValue 30000 */
  readonly retryAfterMs?: number
}

/**
 * Options of `SockguardModule.forRoot`: the guard's options (a `verifier`, or verifier options
 * inline, as `createGuard` takes them) and the HTTP options. Without a `revocationStore` the
 * module makes one in-memory store shared by sockets and HTTP, so that `revoke()` reaches both.
 */
export type SockguardModuleOptions<TClaims extends JwtClaims = JwtClaims> = GuardOptions<TClaims> &
  SockguardHttpOptions

/**
 * Options of `SockguardModule.forRootAsync`: Nest's factory-provider pattern, e.g. with
 * `ConfigService`.
 *
 * @example
 * SockguardModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({
 *     secret: config.getOrThrow<string>('JWT_SECRET'),
 *     algorithms: ['HS256'],
 *   }),
 * })
 */
export interface SockguardModuleAsyncOptions<TClaims extends JwtClaims = JwtClaims> {
  /** Modules whose providers the factory needs (`ConfigModule`). */
  readonly imports?: ModuleMetadata['imports']
  /** The providers given to the factory, in order. */
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[]
  /** Makes the options; may be async. */
  readonly useFactory: (
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest's factory signature
    ...args: any[]
  ) => SockguardModuleOptions<TClaims> | Promise<SockguardModuleOptions<TClaims>>
}
