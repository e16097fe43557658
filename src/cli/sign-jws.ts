// Signing for `sockguard token`, on node:crypto alone (jose is not a runtime dependency): the
// mirror image of the verifier's algorithm table, plus the keys a developer can be given.
import {
  constants,
  createHmac,
  generateKeyPairSync,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import { algorithmSpec, type Algorithm } from '../jws/algorithms.js'
import { jwkThumbprint } from '../jws/jwk-thumbprint.js'

const base64url = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url')

/**
 * Signs a compact JWS (RFC 7515 §7.1) over the JSON of `header` and `payload`. The caller has
 * checked that `key` fits `header.alg` (see {@link keyMismatch}).
 *
 * @example
 * signJws({ alg: 'HS256', typ: 'JWT' }, { sub: 'alice', exp }, createSecretKey(secret))
 */
export function signJws(
  header: { readonly alg: Algorithm; readonly [name: string]: unknown },
  payload: Readonly<Record<string, unknown>>,
  key: KeyObject,
): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`
  const data = Buffer.from(input, 'ascii')
  const spec = algorithmSpec(header.alg)
  if (spec === undefined) throw new TypeError(`unsupported algorithm ${header.alg}`)
  const hash = spec.hash
  let signature: Buffer
  if (hash === null) {
    signature = sign(null, data, key)
  } else if (spec.name.startsWith('HS')) {
    signature = createHmac(hash, key).update(data).digest()
  } else if (spec.name.startsWith('RS')) {
    signature = sign(hash, data, { key, padding: constants.RSA_PKCS1_PADDING })
  } else if (spec.name.startsWith('PS')) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash output.
    signature = sign(hash, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    })
  } else {
    // RFC 7518 §3.4: ECDSA signatures are R || S, not node's default DER.
    signature = sign(hash, data, { key, dsaEncoding: 'ieee-p1363' })
  }
  return `${input}.${base64url(signature)}`
}

const EC_ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
}

/** The algorithm a key signs with when `--alg` is not given; `undefined` for other key types. */
export function defaultAlgorithm(key: KeyObject): Algorithm | undefined {
  if (key.type === 'secret') return 'HS256'
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256'
    case 'rsa-pss':
      return 'PS256'
    case 'ec':
      return EC_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? '']
    case 'ed25519':
      return 'EdDSA'
    default:
      return undefined
  }
}

/** Why `key` cannot sign with `alg` (the verifier's rule), or `undefined` when it can. */
export function keyMismatch(key: KeyObject, alg: Algorithm): string | undefined {
  const spec = algorithmSpec(alg)
  if (spec === undefined) return `${alg} is not a supported algorithm`
  const kind = key.type === 'secret' ? 'secret' : key.asymmetricKeyType
  const curve = key.asymmetricKeyDetails?.namedCurve
  const fits =
    spec.kinds.some((k) => k === kind) && (spec.curve === undefined || spec.curve === curve)
  const described = kind === 'ec' ? `an EC ${String(curve)} key` : `a ${String(kind)} key`
  if (!fits) return `${alg} cannot be used with ${described}`
  if (kind === 'rsa' || kind === 'rsa-pss') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
    if (bits < 2048) return `RSA keys need at least 2048 bits (this one has ${bits})`
  }
  return undefined
}

/** A fresh key pair for `alg`: P-256/P-384/P-521 for ES*, RSA 2048 for RS and PS, Ed25519. */
export function generateSigningKey(alg: Algorithm): {
  privateKey: KeyObject
  publicKey: KeyObject
} {
  const spec = algorithmSpec(alg)
  if (spec?.curve !== undefined) return generateKeyPairSync('ec', { namedCurve: spec.curve })
  if (spec?.kinds.includes('rsa') === true)
    return generateKeyPairSync('rsa', { modulusLength: 2048 })
  if (spec?.kinds.includes('ed25519') === true) return generateKeyPairSync('ed25519')
  throw new TypeError(`no key pair can be generated for ${alg}`)
}

/** The public JWK of `publicKey`, pinned to `alg`, with `kid` (its thumbprint by default). */
export function publicJwk(publicKey: KeyObject, alg: Algorithm, kid?: string): JsonWebKey {
  const jwk = publicKey.export({ format: 'jwk' })
  return { ...jwk, kid: kid ?? jwkThumbprint(jwk), alg, use: 'sig' }
}
