// Where the verifier finds the key for a token: the interface every key source implements, and
// the exact-match selection shared by local and remote key sets.
import { AuthError, KeyError } from '../errors.js'
import type { Algorithm } from '../jws/algorithms.js'
import type { JwsHeader } from '../jws/types.js'
import type { VerificationKey } from './import-key.js'

/** A source of verification keys. */
export interface KeySource {
  /**
   * The key for a token's `alg` and `kid`: returned synchronously when the keys are in memory,
   * a promise only while a remote key set is fetched. Never looks at `jku`, `x5u`, `jwk` or `x5c`.
   */
  resolve(
    alg: Algorithm,
    kid: string | undefined,
    header: JwsHeader,
  ): VerificationKey | Promise<VerificationKey>
  /** Changes whenever the keys change, so that cached verifications are dropped. */
  readonly version: number
}

/** An immutable set of keys, indexed for exact lookups. */
export interface KeyIndex {
  readonly byKid: ReadonlyMap<string, VerificationKey>
  /** For tokens without `kid`: the keys that accept each algorithm. */
  readonly byAlg: ReadonlyMap<Algorithm, readonly VerificationKey[]>
}

/** Indexes keys; `undefined` kid keys are reachable only by tokens without `kid`. */
export function indexKeys(keys: readonly VerificationKey[]): KeyIndex {
  const byKid = new Map<string, VerificationKey>()
  const byAlg = new Map<Algorithm, VerificationKey[]>()
  for (const key of keys) {
    if (key.kid !== undefined) byKid.set(key.kid, key)
    for (const alg of key.algorithms) {
      const list = byAlg.get(alg)
      if (list === undefined) byAlg.set(alg, [key])
      else list.push(key)
    }
  }
  return { byKid, byAlg }
}

/**
 * Picks the key for `alg` and `kid` by exact match.
 * @throws {KeyError} `key_not_found` when no key (or more than one, for a token without `kid`) fits.
 * @throws {AuthError} `token_invalid` when the `kid` names a key of another algorithm.
 */
export function selectKey(
  index: KeyIndex,
  alg: Algorithm,
  kid: string | undefined,
): VerificationKey {
  if (kid !== undefined) {
    const key = index.byKid.get(kid)
    if (key === undefined)
      throw new KeyError('key_not_found', 'No key matches the token\'s "kid".', { kid })
    // RFC 8725 §3.1: the key decides the algorithm, never the token.
    if (!key.algorithms.has(alg)) {
      throw new AuthError('token_invalid', "The token's algorithm is not the one of its key.", {
        kid,
      })
    }
    return key
  }
  const keys = index.byAlg.get(alg)
  if (keys === undefined)
    throw new KeyError('key_not_found', "No key accepts the token's algorithm.")
  if (keys.length > 1 || keys[0] === undefined) {
    throw new KeyError('key_not_found', 'The token has no "kid" and several keys could verify it.')
  }
  return keys[0]
}

/** A source over one fixed key (`secret`, `publicKey`): the token's `kid` is not consulted. */
export function singleKeySource(key: VerificationKey): KeySource {
  return {
    version: 0,
    resolve(alg) {
      if (!key.algorithms.has(alg)) {
        throw new AuthError('token_invalid', "The token's algorithm is not the one of the key.")
      }
      return key
    },
  }
}

/** A source over a fixed key set (`jwks`). */
export function localKeySource(index: KeyIndex): KeySource {
  return { version: 0, resolve: (alg, kid) => selectKey(index, alg, kid) }
}
