// The injection tokens of SockguardModule. Strings, so that two copies of sockguard in one app
// (the dual-package hazard) still meet on the same providers.

/** The options given to `SockguardModule.forRoot` (or made by `forRootAsync`'s factory). */
export const SOCKGUARD_OPTIONS = 'sockguard:options'
/** The one guard of the application (also injectable by its class token, `Sockguard`). */
export const SOCKGUARD_GUARD = 'sockguard:guard'
/** The guard's verifier (also injectable by its class token, `SockguardVerifier`). */
export const SOCKGUARD_VERIFIER = 'sockguard:verifier'
/** The guard with its HTTP authentication (internal to the module's providers). */
export const SOCKGUARD_CONTEXT = 'sockguard:context'
