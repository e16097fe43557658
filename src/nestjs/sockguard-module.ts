// SockguardModule: one guard and one verifier for the whole application (a global module), the
// HTTP authentication beside them, and the guard closed when the application closes.
//
// Nest's decorators are applied by hand in this folder (`Module({})(SockguardModule)`) rather
// than with decorator syntax: the package ships plain JavaScript that needs neither the app's
// `experimentalDecorators` nor `emitDecoratorMetadata`, and dependencies are named by token.
import {
  Inject,
  Module,
  type DynamicModule,
  type OnModuleDestroy,
  type Provider,
} from '@nestjs/common'
import { SockguardAuthGuard } from './auth-guard.js'
import { Sockguard, SockguardVerifier } from './class-tokens.js'
import { createSockguardContext, type SockguardContext } from './sockguard-context.js'
import {
  SOCKGUARD_CONTEXT,
  SOCKGUARD_GUARD,
  SOCKGUARD_OPTIONS,
  SOCKGUARD_VERIFIER,
} from './tokens.js'
import type { SockguardModuleAsyncOptions, SockguardModuleOptions } from './types.js'
import type { JwtClaims } from '../verifier/types.js'

/** The providers made from SOCKGUARD_OPTIONS, whichever way it is provided. */
const derived: Provider[] = [
  {
    provide: SOCKGUARD_CONTEXT,
    useFactory: (options: SockguardModuleOptions) => createSockguardContext(options),
    inject: [SOCKGUARD_OPTIONS],
  },
  {
    provide: SOCKGUARD_GUARD,
    useFactory: (context: SockguardContext) => context.guard,
    inject: [SOCKGUARD_CONTEXT],
  },
  { provide: Sockguard, useExisting: SOCKGUARD_GUARD },
  {
    provide: SOCKGUARD_VERIFIER,
    useFactory: (context: SockguardContext) => context.guard.verifier,
    inject: [SOCKGUARD_CONTEXT],
  },
  { provide: SockguardVerifier, useExisting: SOCKGUARD_VERIFIER },
  SockguardAuthGuard,
]

const exported = [
  SOCKGUARD_OPTIONS,
  SOCKGUARD_CONTEXT,
  SOCKGUARD_GUARD,
  Sockguard,
  SOCKGUARD_VERIFIER,
  SockguardVerifier,
  SockguardAuthGuard,
]

/**
 * The sockguard module. Import it once, in the root module: it is global, so every module can
 * inject the guard (`Sockguard` or `SOCKGUARD_GUARD`) and the verifier (`SockguardVerifier` or
 * `SOCKGUARD_VERIFIER`), and the decorators find it. Pair it with {@link SockguardIoAdapter}
 * (`app.useWebSocketAdapter(new SockguardIoAdapter(app))`) to guard the gateways' handshakes.
 * The guard is closed when the application closes (`app.close()`).
 */
export class SockguardModule implements OnModuleDestroy {
  constructor(private readonly context: SockguardContext) {}

  /**
   * The module with options known now.
   *
   * @throws {InvalidOptionError} when the application starts (the providers are made), for every
   * wrong guard, verifier or HTTP option.
   *
   * @example
   * @Module({ imports: [SockguardModule.forRoot({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] })] })
   * class AppModule {}
   */
  static forRoot<TClaims extends JwtClaims = JwtClaims>(
    options: SockguardModuleOptions<TClaims>,
  ): DynamicModule {
    return {
      module: SockguardModule,
      global: true,
      providers: [{ provide: SOCKGUARD_OPTIONS, useValue: options }, ...derived],
      exports: exported,
    }
  }

  /**
   * The module with options made by a factory (Nest's `ConfigService` pattern).
   *
   * @example
   * SockguardModule.forRootAsync({
   *   imports: [ConfigModule],
   *   inject: [ConfigService],
   *   useFactory: (config: ConfigService) => ({ jwksUri: config.getOrThrow('JWKS_URI'), algorithms: ['RS256'] }),
   * })
   */
  static forRootAsync<TClaims extends JwtClaims = JwtClaims>(
    options: SockguardModuleAsyncOptions<TClaims>,
  ): DynamicModule {
    return {
      module: SockguardModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: SOCKGUARD_OPTIONS,
          useFactory: options.useFactory,
          inject: options.inject ?? [],
        },
        ...derived,
      ],
      exports: exported,
    }
  }

  /** Closes the guard: timers, revocation feed and store; pending handshakes get server_error. */
  async onModuleDestroy(): Promise<void> {
    await this.context.guard.close()
  }
}

Module({})(SockguardModule)
Inject(SOCKGUARD_CONTEXT)(SockguardModule, undefined, 0)
