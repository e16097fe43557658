// The unknown-name check every factory makes (createVerifier, createGuard, authorizeEvents and the
// drop-in do it inline): a typo (`Points`, `prefx`) must not silently fall back to a default.
import { InvalidOptionError } from '../errors.js'

/**
 * Throws for the first own key of `options` that is not in `known`.
 * @param path prefix of the reported option (`'rateLimit.'` for a member of `rateLimit`).
 * @param owner what the names belong to, for the message (`'rateLimit'`, `'createRedisRateLimiter'`).
 * @throws {InvalidOptionError} naming the unknown option (`path + name`).
 */
export function refuseUnknownOptions(
  options: object,
  known: ReadonlySet<string>,
  owner: string,
  path = '',
): void {
  for (const name of Object.keys(options)) {
    if (!known.has(name))
      throw new InvalidOptionError(`${path}${name}`, `is not an option of ${owner}`)
  }
}
