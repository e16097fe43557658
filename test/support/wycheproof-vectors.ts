// Reads the Wycheproof JWS and JWK vectors committed under `test/vectors/wycheproof` (Apache-2.0,
// see the README there) and runs one vector through key-set import and the JWS layer, reporting what the verifier did.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { AuthError, InvalidOptionError } from '../../src/errors.js'
import { localKeySource } from '../../src/keys/key-source.js'
import { importLocalKeySet } from '../../src/keys/local-key-set.js'
import { createJwsVerifier } from '../../src/verifier/verify-jws.js'

/** The vectors, copied into the repository so that a fresh clone runs them. */
export const WYCHEPROOF_DIR = path.resolve(import.meta.dirname, '..', 'vectors', 'wycheproof')

/** A JWK as the vector files hold it, private members included. */
export type VectorJwk = Readonly<Record<string, unknown>> & { readonly kty?: unknown }

/** A key or a key set, as in the `private` and `public` members of a group. */
export type VectorKeyMaterial = VectorJwk | { readonly keys: readonly VectorJwk[] }

/** One Wycheproof test. `jws` is a string for compact vectors, an object for JSON ones. */
export interface WycheproofTest {
  readonly tcId: number
  readonly comment: string
  readonly jws: unknown
  readonly result: 'valid' | 'invalid' | 'acceptable'
  readonly flags: readonly string[]
}

/** One group: the key material and the tests verified with it. */
export interface WycheproofGroup {
  readonly comment?: string
  readonly private?: VectorKeyMaterial
  readonly public?: VectorKeyMaterial
  readonly tests: readonly WycheproofTest[]
}

/** One vector file. */
export interface WycheproofFile {
  readonly numberOfTests: number
  readonly testGroups: readonly WycheproofGroup[]
}

/** The two files, or why they could not be read. */
export type LoadedVectors =
  | { readonly ok: true; readonly signatures: WycheproofFile; readonly keys: WycheproofFile }
  | { readonly ok: false; readonly message: string }

function readVectorFile(name: string): WycheproofFile {
  const file = path.join(WYCHEPROOF_DIR, name)
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<WycheproofFile>
  if (typeof parsed.numberOfTests !== 'number' || !Array.isArray(parsed.testGroups)) {
    throw new Error(`${file} is not a Wycheproof vector file (no numberOfTests / testGroups)`)
  }
  return parsed as WycheproofFile
}

/** Loads both files; a missing folder is reported, never skipped over. */
export function loadWycheproof(): LoadedVectors {
  if (!existsSync(WYCHEPROOF_DIR)) {
    return {
      ok: false,
      message:
        `Wycheproof vectors not found at ${WYCHEPROOF_DIR} (json_web_signature_test.json and ` +
        'json_web_key_test.json are committed there).',
    }
  }
  try {
    return {
      ok: true,
      signatures: readVectorFile('json_web_signature_test.json'),
      keys: readVectorFile('json_web_key_test.json'),
    }
  } catch (error) {
    return { ok: false, message: `Wycheproof vectors unreadable: ${String(error)}` }
  }
}

const PRIVATE_MEMBERS: ReadonlySet<string> = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'])

/** The public half of a JWK; an `oct` key is returned as is (`k` is the secret it verifies with). */
export function publicHalf(jwk: VectorJwk): VectorJwk {
  if (jwk.kty === 'oct') return jwk
  return Object.fromEntries(Object.entries(jwk).filter(([name]) => !PRIVATE_MEMBERS.has(name)))
}

function isKeySet(
  material: VectorKeyMaterial,
): material is { readonly keys: readonly VectorJwk[] } {
  return Array.isArray((material as { keys?: unknown }).keys)
}

/**
 * The JWK set a verifier is given for a group: the `public` member when present, else the
 * `private` one with private members removed. With `asGiven`, the material is passed untouched
 * (for vectors whose point is the set itself, such as a set mixing key kinds).
 */
export function verificationKeySet(
  group: WycheproofGroup,
  asGiven = false,
): { readonly keys: readonly VectorJwk[] } {
  const material = group.public ?? group.private
  if (material === undefined) throw new Error('a Wycheproof group without key material')
  const keys = isKeySet(material) ? material.keys : [material]
  return { keys: asGiven ? keys : keys.map(publicHalf) }
}

/** What the verifier did with one vector. */
export type VectorOutcome =
  | { readonly outcome: 'accepted'; readonly payload: Buffer }
  | {
      readonly outcome: 'rejected'
      /** `import` when the key set was refused, `verify` when the token was. */
      readonly stage: 'import' | 'verify'
      /** `invalid_option` at import, the AuthError code at verification. */
      readonly code: string
      /** The option path of an import refusal (`jwks.keys[0].use`). */
      readonly option: string | undefined
      readonly message: string
    }

/**
 * Imports `keySet` as a local JWK set whose keys pin their own algorithms, then verifies `jws`
 * at the JWS layer. Refusals are InvalidOptionError at import and AuthError at verification;
 * any other exception is rethrown, since it would be a crash path.
 */
export function runVector(keySet: unknown, jws: string): VectorOutcome {
  let verify: ReturnType<typeof createJwsVerifier>
  try {
    const { index, keys } = importLocalKeySet(keySet, undefined)
    verify = createJwsVerifier(
      {
        algorithms: new Set(keys.flatMap((key) => [...key.algorithms])),
        typ: undefined,
        refuseNonAccess: true,
      },
      localKeySource(index),
    )
  } catch (error) {
    if (!(error instanceof InvalidOptionError)) throw error
    return {
      outcome: 'rejected',
      stage: 'import',
      code: error.code,
      option: error.option,
      message: error.message,
    }
  }
  try {
    const result = verify(jws)
    // A local key set resolves synchronously; a promise here would be a regression.
    if (result instanceof Promise) {
      result.catch(() => undefined)
      throw new Error('the JWS layer went asynchronous on local keys')
    }
    return { outcome: 'accepted', payload: result.payload }
  } catch (error) {
    if (!(error instanceof AuthError)) throw error
    return {
      outcome: 'rejected',
      stage: 'verify',
      code: error.code,
      option: undefined,
      message: error.message,
    }
  }
}
