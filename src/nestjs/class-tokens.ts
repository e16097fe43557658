// Class tokens for the guard and the verifier: with them a service asks for the guard by type
// (`constructor(private readonly sockguard: Sockguard)`), as Nest's emitDecoratorMetadata
// injection expects, instead of `@Inject(SOCKGUARD_GUARD)`. The provided objects are the ones
// createGuard makes; these abstract classes only name them. Each class merges with an interface
// extending the real type, so that it has every member of Guard (and Verifier) as they grow,
// without restating them.
import type { Guard } from '../guard/types.js'
import type { JwtClaims, Verifier } from '../verifier/types.js'

/* eslint-disable @typescript-eslint/no-extraneous-class, @typescript-eslint/no-unnecessary-type-parameters, @typescript-eslint/no-unused-vars, @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type --
   empty generic classes merged with interfaces: the class is the injection token, the interface
   its members (see above). */

/**
 * The application's guard, injectable by this class: `revoke()` from a service disconnects the
 * subject's sockets and refuses its tokens on HTTP routes too. Every member of {@link Guard}.
 *
 * @example
 * @Injectable()
 * class Sessions {
 *   constructor(private readonly sockguard: Sockguard) {}
 *   logout(sub: string) { return this.sockguard.revoke({ sub }) }
 * }
 */
export abstract class Sockguard<TClaims extends JwtClaims = JwtClaims> {}
/** Every member of {@link Guard}: the object provided is the guard itself. */
export interface Sockguard<TClaims extends JwtClaims = JwtClaims> extends Guard<TClaims> {}

/** The application's verifier (the guard's), injectable by this class. See {@link Verifier}. */
export abstract class SockguardVerifier<TClaims extends JwtClaims = JwtClaims> {}
/** Every member of {@link Verifier}: the object provided is the guard's verifier. */
export interface SockguardVerifier<
  TClaims extends JwtClaims = JwtClaims,
> extends Verifier<TClaims> {}
/* eslint-enable */
