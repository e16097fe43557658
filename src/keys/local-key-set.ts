// Imports a local JWK set (the `jwks` option) once, at creation, refusing ambiguous sets.
import { InvalidOptionError } from '../errors.js'
import type { Algorithm } from '../jws/algorithms.js'
import { importJwk, type VerificationKey } from './import-key.js'
import { indexKeys, type KeyIndex } from './key-source.js'

/**
 * Imports every key of `jwks`. Refused (RFC 8725 §3.1, Wycheproof `json_web_key_test`): an empty
 * set, two keys with one `kid`, HMAC secrets mixed with public keys, and any key that
 * `importJwk` refuses.
 * @throws {InvalidOptionError} naming the key at fault.
 */
export function importLocalKeySet(
  jwks: unknown,
  algorithms: readonly Algorithm[] | undefined,
  option = 'jwks',
): { index: KeyIndex; keys: readonly VerificationKey[] } {
  const list: unknown =
    typeof jwks === 'object' && jwks !== null ? (jwks as { keys?: unknown }).keys : undefined
  if (!Array.isArray(list))
    throw new InvalidOptionError(option, 'must be a JWK set `{ keys: [...] }`')
  if (list.length === 0) throw new InvalidOptionError(`${option}.keys`, 'is empty')
  const keys = list.map((jwk: unknown, i) =>
    importJwk(jwk, { option: `${option}.keys[${i}]`, algorithms }),
  )
  const kids = new Set<string>()
  for (const [i, key] of keys.entries()) {
    if (key.kid === undefined) continue
    if (kids.has(key.kid))
      throw new InvalidOptionError(`${option}.keys[${i}].kid`, 'repeats the kid of another key')
    kids.add(key.kid)
  }
  const secrets = keys.filter((key) => key.kind === 'secret').length
  if (secrets > 0 && secrets < keys.length) {
    throw new InvalidOptionError(
      option,
      'mixes HMAC secrets and public keys; use one verifier for each',
    )
  }
  return { index: indexKeys(keys), keys }
}
