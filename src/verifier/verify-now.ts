// The synchronous entry into a verifier made by createVerifier, for the guard's handshake: with a
// key in memory the verification is done in the calling tick, and a guard with nothing else to
// wait for admits the socket in that tick too, without a promise (and its microtask turns) per
// handshake. Kept off the public Verifier type: `verify` stays the one documented entry.
import { toAuthError } from '../internal/wire-error.js'
import type { JwtClaims, VerifiedClaims, Verifier } from './types.js'

/** The result of a verification: at once, or a promise when a key set must be fetched first. */
export type VerifyNowResult<TClaims extends JwtClaims> =
  VerifiedClaims<TClaims> | Promise<VerifiedClaims<TClaims>>

type RunNow = (token: unknown) => VerifyNowResult<JwtClaims>

// Verifiers made by createVerifier, with their synchronous run. A WeakMap, not a property: the
// verifier object stays frozen and shows nothing new to its callers.
const runs = new WeakMap<object, RunNow>()

/** Registers the synchronous run of a verifier made by createVerifier. */
export function registerVerifyNow(verifier: object, run: RunNow): void {
  runs.set(verifier, run)
}

/**
 * Verifies `token` with `verifier`: the result itself when the verifier can answer in this tick
 * (one made by createVerifier, with its key in memory), else the promise of `verify`.
 *
 * @throws {AuthError} synchronously, with the codes of `verify`: every other error thrown by the
 * verification is reported as `token_invalid`, as `verify` does.
 * @example
 * const result = verifyNow(verifier, token)
 * const { claims } = result instanceof Promise ? await result : result
 */
export function verifyNow<TClaims extends JwtClaims>(
  verifier: Verifier<TClaims>,
  token: unknown,
): VerifyNowResult<TClaims> {
  const run = runs.get(verifier) as ((token: unknown) => VerifyNowResult<TClaims>) | undefined
  if (run === undefined) return verifier.verify(token)
  let result: VerifyNowResult<TClaims>
  try {
    result = run(token)
  } catch (error) {
    throw toAuthError(error)
  }
  return result instanceof Promise ? result.catch(rethrowCoded) : result
}

// Anything that is not already coded (a bug, a crypto exception) is reported as an invalid token.
function rethrowCoded(error: unknown): never {
  throw toAuthError(error)
}
