// A remote JWK set (`jwksUri`): fetched lazily, one fetch in flight at a time, a cooldown between
// fetches, a refetch when a token names an unknown `kid`, and the last good keys kept usable for
// `staleIfErrorMs` past their age: they keep serving while the set is refreshed in the background
// and while the endpoint fails. Lookups of known keys are synchronous.
import { KeyError, type AuthError } from '../errors.js'
import type { Algorithm } from '../jws/algorithms.js'
import { FetchJsonError, fetchJson, type FetchJsonOptions } from './fetch-json.js'
import { importJwk, type VerificationKey } from './import-key.js'
import { indexKeys, selectKey, type KeyIndex, type KeySource } from './key-source.js'
import { createSingleFlight } from './single-flight.js'

/** The normalised settings of a remote key set. */
export interface RemoteKeySetConfig extends FetchJsonOptions {
  readonly url: URL
  readonly algorithms: readonly Algorithm[]
  readonly cooldownMs: number
  readonly cacheMaxAgeMs: number
  readonly staleIfErrorMs: number
  readonly now: () => number
}

/** Makes a remote key source; nothing is fetched until the first token needs a key. */
export function createRemoteKeySet(config: RemoteKeySetConfig): KeySource {
  let index: KeyIndex | undefined
  let fingerprint: string | undefined
  let fetchedAt = -Infinity
  let version = 0

  // Never rejects: the outcome is in `index`, `fetchedAt` and `loader.lastError`.
  const loader = createSingleFlight(async () => {
    const document = await fetchJson(config.url, config)
    const { keys, print } = importRemoteKeys(document, config.algorithms)
    index = indexKeys(keys)
    if (print !== fingerprint) {
      fingerprint = print
      version++
    }
    fetchedAt = config.now()
  }, config.now)
  const load = (): Promise<void> => loader.run()

  const unavailable = (): KeyError =>
    new KeyError('keys_unavailable', 'The key set could not be fetched.', {
      cause: loader.lastError,
    })

  const inStaleWindow = (now: number): boolean =>
    index !== undefined && now - fetchedAt < config.cacheMaxAgeMs + config.staleIfErrorMs

  // Keys past their age but inside the stale window still serve while the endpoint fails. A kid
  // they lack may be a key the failed fetch would have brought: "retry later", not "unknown".
  const fromStale = (alg: Algorithm, kid: string | undefined, now: number): VerificationKey => {
    if (index === undefined || !inStaleWindow(now)) throw unavailable()
    try {
      return selectKey(index, alg, kid)
    } catch (error) {
      if ((error as AuthError).code === 'key_not_found' && loader.lastError !== undefined)
        throw unavailable()
      throw error
    }
  }

  // Stale-while-revalidate: past its age, a key the set has serves at once and the set is
  // refreshed in the background (once per cooldown), so a slow or failing endpoint never holds
  // up the handshakes of tokens whose key is known. Undefined when the key is not there.
  const staleKey = (
    alg: Algorithm,
    kid: string | undefined,
    now: number,
  ): VerificationKey | undefined => {
    if (index === undefined || !inStaleWindow(now)) return undefined
    let key: VerificationKey
    try {
      key = selectKey(index, alg, kid)
    } catch (error) {
      if ((error as AuthError).code === 'key_not_found') return undefined
      throw error
    }
    if (!loader.busy && now - loader.attemptedAt >= config.cooldownMs) void load()
    return key
  }

  return {
    get version() {
      return version
    },
    resolve(alg, kid) {
      const now = config.now()
      if (index !== undefined && now - fetchedAt < config.cacheMaxAgeMs) {
        try {
          return selectKey(index, alg, kid)
        } catch (error) {
          // An unknown kid may be a key the issuer just rotated in: refetch, once per cooldown.
          if ((error as AuthError).code !== 'key_not_found') throw error
          // When the set could not be refreshed, the kid may be real: say "retry later".
          const settle = (): VerificationKey => {
            if (loader.lastError !== undefined) throw unavailable()
            return selectKey(index ?? indexKeys([]), alg, kid)
          }
          if (!loader.busy && now - loader.attemptedAt < config.cooldownMs) return settle()
          return load().then(settle)
        }
      }
      const stale = staleKey(alg, kid, now)
      if (stale !== undefined) return stale
      if (
        !loader.busy &&
        loader.lastError !== undefined &&
        now - loader.attemptedAt < config.cooldownMs
      ) {
        return fromStale(alg, kid, now)
      }
      return load().then(() => {
        const later = config.now()
        if (index !== undefined && later - fetchedAt < config.cacheMaxAgeMs)
          return selectKey(index, alg, kid)
        return fromStale(alg, kid, later)
      })
    },
  }
}

/**
 * Imports the usable keys of a fetched JWK set. Keys for encryption, secrets, keys carrying
 * private members, unsupported or weak keys are skipped; a repeated `kid` or a set without any
 * usable key refuses the whole document (the previous keys stay in use).
 */
function importRemoteKeys(
  document: unknown,
  algorithms: readonly Algorithm[],
): { keys: VerificationKey[]; print: string } {
  const list: unknown =
    typeof document === 'object' && document !== null
      ? (document as { keys?: unknown }).keys
      : undefined
  if (!Array.isArray(list)) throw new FetchJsonError('not a JWK set')
  const keys: VerificationKey[] = []
  const kids = new Set<string>()
  for (const [i, jwk] of list.entries()) {
    let key: VerificationKey
    // importJwk refuses encryption keys, keys with private members and, since remote sets only
    // take public-key algorithms, HMAC secrets: such keys are skipped, the rest of the set serves.
    try {
      key = importJwk(jwk, { option: `jwks_uri keys[${i}]`, algorithms })
    } catch {
      continue
    }
    if (key.kid !== undefined) {
      if (kids.has(key.kid)) throw new FetchJsonError('the key set repeats a kid')
      kids.add(key.kid)
    }
    keys.push(key)
  }
  if (keys.length === 0) throw new FetchJsonError('the key set has no usable key')
  return { keys, print: JSON.stringify(list) }
}
