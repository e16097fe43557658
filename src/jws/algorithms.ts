// The JWS algorithms sockguard verifies (RFC 7518 §3, RFC 8037), and how each one checks a
// signature on node:crypto. `none` is not here and cannot be configured (RFC 8725 §3.1, §3.2).
import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto'

/** HMAC algorithms, used with a shared secret. */
export const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const
/** Public-key algorithms, used with an RSA, EC or Ed25519 public key. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const
/** Every algorithm a verifier can be configured with. */
export const ALGORITHMS = [...HMAC_ALGORITHMS, ...ASYMMETRIC_ALGORITHMS] as const

/** An HMAC algorithm name. */
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]
/** A public-key algorithm name. */
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number]
/** Any algorithm name a verifier accepts in `algorithms`. */
export type Algorithm = HmacAlgorithm | AsymmetricAlgorithm

/** The node:crypto key type (`asymmetricKeyType`, or `secret`) an algorithm needs. */
export type KeyKind = 'secret' | 'rsa' | 'rsa-pss' | 'ec' | 'ed25519'

/** How one algorithm is checked. */
export interface AlgorithmSpec {
  readonly name: Algorithm
  readonly kinds: readonly KeyKind[]
  /** node:crypto digest name, `null` for EdDSA (the hash is part of the scheme). */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null
  /** Named curve (node's name) for ECDSA. */
  readonly curve?: string
  /** Exact signature length in bytes where fixed by the algorithm (HMAC, ECDSA P1363, EdDSA). */
  readonly signatureBytes?: number
  /** Minimum HMAC secret length: the hash output size (RFC 7518 §3.2). */
  readonly minSecretBytes?: number
  /**
   * Signature check over the signing input (`header.payload`, ASCII: both segments passed the
   * base64url check before); `signature` already has the right length.
   */
  readonly check: (input: string, signature: Buffer, key: KeyObject) => boolean
}

// crypto.verify takes bytes only.
const ascii = (input: string): Buffer => Buffer.from(input, 'latin1')

function hmac(hash: 'sha256' | 'sha384' | 'sha512', bytes: number): AlgorithmSpec['check'] {
  return (input, signature, key) =>
    // Length is checked by the caller, so timingSafeEqual compares the whole MAC in constant time.
    signature.length === bytes &&
    // The string goes straight to OpenSSL (ASCII, so UTF-8 is the same bytes): no Buffer copy.
    timingSafeEqual(createHmac(hash, key).update(input).digest(), signature)
}

function pkcs1(hash: 'sha256' | 'sha384' | 'sha512'): AlgorithmSpec['check'] {
  return (input, signature, key) =>
    verify(hash, ascii(input), { key, padding: constants.RSA_PKCS1_PADDING }, signature)
}

function pss(hash: 'sha256' | 'sha384' | 'sha512'): AlgorithmSpec['check'] {
  // RFC 7518 §3.5: MGF1 with the same hash, salt length equal to the hash output.
  return (input, signature, key) =>
    verify(
      hash,
      ascii(input),
      {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      signature,
    )
}

function ecdsa(hash: 'sha256' | 'sha384' | 'sha512'): AlgorithmSpec['check'] {
  // RFC 7518 §3.4: R || S, fixed length. DER signatures are refused by the length check before.
  return (input, signature, key) =>
    verify(hash, ascii(input), { key, dsaEncoding: 'ieee-p1363' }, signature)
}

const eddsa: AlgorithmSpec['check'] = (input, signature, key) =>
  verify(null, ascii(input), key, signature)

const SPECS: Readonly<Record<Algorithm, AlgorithmSpec>> = {
  HS256: {
    name: 'HS256',
    kinds: ['secret'],
    hash: 'sha256',
    signatureBytes: 32,
    minSecretBytes: 32,
    check: hmac('sha256', 32),
  },
  HS384: {
    name: 'HS384',
    kinds: ['secret'],
    hash: 'sha384',
    signatureBytes: 48,
    minSecretBytes: 48,
    check: hmac('sha384', 48),
  },
  HS512: {
    name: 'HS512',
    kinds: ['secret'],
    hash: 'sha512',
    signatureBytes: 64,
    minSecretBytes: 64,
    check: hmac('sha512', 64),
  },
  RS256: { name: 'RS256', kinds: ['rsa'], hash: 'sha256', check: pkcs1('sha256') },
  RS384: { name: 'RS384', kinds: ['rsa'], hash: 'sha384', check: pkcs1('sha384') },
  RS512: { name: 'RS512', kinds: ['rsa'], hash: 'sha512', check: pkcs1('sha512') },
  PS256: { name: 'PS256', kinds: ['rsa', 'rsa-pss'], hash: 'sha256', check: pss('sha256') },
  PS384: { name: 'PS384', kinds: ['rsa', 'rsa-pss'], hash: 'sha384', check: pss('sha384') },
  PS512: { name: 'PS512', kinds: ['rsa', 'rsa-pss'], hash: 'sha512', check: pss('sha512') },
  ES256: {
    name: 'ES256',
    kinds: ['ec'],
    hash: 'sha256',
    curve: 'prime256v1',
    signatureBytes: 64,
    check: ecdsa('sha256'),
  },
  ES384: {
    name: 'ES384',
    kinds: ['ec'],
    hash: 'sha384',
    curve: 'secp384r1',
    signatureBytes: 96,
    check: ecdsa('sha384'),
  },
  ES512: {
    name: 'ES512',
    kinds: ['ec'],
    hash: 'sha512',
    curve: 'secp521r1',
    signatureBytes: 132,
    check: ecdsa('sha512'),
  },
  EdDSA: { name: 'EdDSA', kinds: ['ed25519'], hash: null, signatureBytes: 64, check: eddsa },
  Ed25519: { name: 'Ed25519', kinds: ['ed25519'], hash: null, signatureBytes: 64, check: eddsa },
}

/** The spec of a supported algorithm, or `undefined` (for `none`, unknown or mis-cased names). */
export function algorithmSpec(name: unknown): AlgorithmSpec | undefined {
  return typeof name === 'string' && Object.hasOwn(SPECS, name)
    ? SPECS[name as Algorithm]
    : undefined
}

/** True for the HMAC algorithms. */
export function isHmacAlgorithm(name: Algorithm): name is HmacAlgorithm {
  return name === 'HS256' || name === 'HS384' || name === 'HS512'
}
