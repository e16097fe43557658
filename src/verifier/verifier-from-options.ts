// The "a verifier, or verifier options inline" pattern of createGuard and requireAuth, in one
// place: with `verifier` given, every other option must be the caller's own; without it, the
// options that are not the caller's make a new verifier.
import { InvalidOptionError } from '../errors.js'
import { createVerifier } from './create-verifier.js'
import type { JwtClaims, Verifier, VerifierOptions } from './types.js'

/** How a factory splits its options between itself and an inline verifier. */
export interface VerifierSplit {
  /** The factory's name, for messages (`'guard'`, `'requireAuth'`). */
  readonly owner: string
  /** The factory's own option names. */
  readonly own: ReadonlySet<string>
  /** Own options that an inline verifier receives too (a shared clock, a shared tolerance). */
  readonly shared?: readonly string[]
}

/**
 * The verifier of a factory's options: the given `verifier`, or one made from the options that
 * are not the factory's own.
 *
 * @throws {InvalidOptionError} for a `verifier` that is not one, an option that belongs to
 * neither side, or any verifier option error.
 */
export function verifierFromOptions<TClaims extends JwtClaims>(
  raw: Readonly<Record<string, unknown>>,
  { owner, own, shared = [] }: VerifierSplit,
): Verifier<TClaims> {
  if (raw.verifier === undefined) {
    const options = Object.fromEntries(
      Object.entries(raw).filter(([name]) => !own.has(name) || shared.includes(name)),
    )
    return createVerifier<TClaims>(options as unknown as VerifierOptions)
  }
  const given = raw.verifier as Verifier<TClaims> | null
  if (typeof given !== 'object' || given === null || typeof given.verify !== 'function')
    throw new InvalidOptionError('verifier', 'must be a verifier made by createVerifier()')
  for (const name of Object.keys(raw)) {
    if (!own.has(name))
      throw new InvalidOptionError(
        name,
        `is not a ${owner} option (verifier options go to createVerifier when \`verifier\` is given)`,
      )
  }
  return given
}
