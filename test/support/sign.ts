// The one token signer of the tests and benchmarks: compact JWS over any header and payload (raw
// bytes too, for the attack tests), with HMAC, RSA, ECDSA (JOSE's R || S) and EdDSA on node:crypto.
// No JWT library is involved, so a test can sign what no library would (alg "none", bad JSON...).
import { constants, createHmac, randomBytes, sign, type KeyObject } from 'node:crypto'

/** base64url of a string (its UTF-8 bytes) or bytes. */
export const b64url = (input: string | Uint8Array): string =>
  Buffer.from(input).toString('base64url')

/** base64url of the JSON of `value`. */
export const b64json = (value: unknown): string => b64url(JSON.stringify(value))

/** Seconds since the epoch, the unit of `iat` and `exp`. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** Signs a JWS signing input (`header.payload`) and returns the raw signature. */
export type Signer = (input: string) => Buffer

/** A signature algorithm {@link signerFor} knows. */
export type SigningAlg =
  | 'HS256'
  | 'HS384'
  | 'HS512'
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'

/** HMAC signer for `hash` over `key` (any bytes or string: weak secrets, public keys...). */
export function hmacSigner(key: string | Uint8Array | KeyObject, hash = 'sha256'): Signer {
  return (input) => createHmac(hash, key).update(input).digest()
}

/** RSASSA-PKCS1-v1_5 signer (RS256 unless another `hash` is given). */
export function rsaSigner(privateKey: KeyObject, hash = 'sha256'): Signer {
  return (input) => sign(hash, Buffer.from(input), privateKey)
}

/** RSASSA-PSS signer, salt as long as the hash (RFC 7518 §3.5), PS256 unless another `hash`. */
export function psSigner(privateKey: KeyObject, hash = 'sha256'): Signer {
  const saltLength = Number(hash.slice(3)) / 8
  return (input) =>
    sign(hash, Buffer.from(input), {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength,
    })
}

/**
 * ECDSA signer with JOSE's R || S encoding (RFC 7518 §3.4), ES256 unless another `hash` is given.
 * `der: true` gives Node's default DER encoding instead, which a JOSE verifier must refuse.
 */
export function ecSigner(privateKey: KeyObject, hash = 'sha256', der = false): Signer {
  return (input) =>
    sign(
      hash,
      Buffer.from(input),
      der ? privateKey : { key: privateKey, dsaEncoding: 'ieee-p1363' },
    )
}

/** EdDSA signer (Ed25519 or Ed448: the key decides). */
export function edSigner(privateKey: KeyObject): Signer {
  return (input) => sign(null, Buffer.from(input), privateKey)
}

/** A signer that returns `bytes` random bytes: a forger without any key. */
export function randomSigner(bytes = 32): Signer {
  return () => randomBytes(bytes)
}

/** The signer of `alg`: `key` is the HMAC secret, or the private key of the other algorithms. */
export function signerFor(alg: SigningAlg, key: string | Uint8Array | KeyObject): Signer {
  const asymmetric = (): KeyObject => {
    if (typeof key === 'string' || key instanceof Uint8Array)
      throw new TypeError(`${alg} signs with a private KeyObject`)
    return key
  }
  if (alg === 'EdDSA') return edSigner(asymmetric())
  const hash = `sha${alg.slice(2)}`
  if (alg.startsWith('HS')) return hmacSigner(key, hash)
  if (alg.startsWith('RS')) return rsaSigner(asymmetric(), hash)
  if (alg.startsWith('PS')) return psSigner(asymmetric(), hash)
  return ecSigner(asymmetric(), hash)
}

/** One segment of a JWS: an object is JSON-encoded, a string or bytes are taken as they are. */
export type Segment = object | string | Uint8Array

const encode = (segment: Segment): string =>
  typeof segment === 'string' || segment instanceof Uint8Array ? b64url(segment) : b64json(segment)

/** A compact JWS over already base64url-encoded segments (e.g. with padding or bad characters). */
export function forgeSegments(header: string, payload: string, signer: Signer): string {
  const input = `${header}.${payload}`
  return `${input}.${b64url(signer(input))}`
}

/**
 * A compact JWS over any `header` and `payload` (objects are JSON-encoded, strings and bytes
 * encoded raw), signed by `signer`: nothing is added, so the header says exactly what the test
 * wants, however wrong.
 *
 * @example
 * forge({ alg: 'HS256', kid: '../../etc/passwd' }, { sub: 'mallory' }, hmacSigner(secret))
 */
export function forge(header: Segment, payload: Segment, signer: Signer): string {
  return forgeSegments(encode(header), encode(payload), signer)
}

/**
 * A well-formed JWT: header `{ alg, typ: 'JWT', ...header }` over `claims`, signed for `alg`
 * with `key` (see {@link signerFor}).
 *
 * @example
 * signJwt('ES256', key.privateKey, { sub: 'alice', exp: nowSeconds() + 60 }, { kid: 'k1' })
 */
export function signJwt(
  alg: SigningAlg,
  key: string | Uint8Array | KeyObject,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  return forge({ alg, typ: 'JWT', ...header }, claims, signerFor(alg, key))
}

/** An unsigned token (`alg: none` unless `header` says otherwise, empty signature). */
export function unsignedJwt(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  return `${b64json({ alg: 'none', typ: 'JWT', ...header })}.${b64json(claims)}.`
}
