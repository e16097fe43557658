// Turns configured key material (a secret, a PEM string, a JWK, a KeyObject) into a checked
// KeyObject and the algorithms it may verify. Runs once per key, never on the hot path; every
// refusal is an InvalidOptionError naming the option.
import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto'
import { InvalidOptionError } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'
import { ALGORITHMS, algorithmSpec, type Algorithm, type KeyKind } from '../jws/algorithms.js'
import { asymmetricKeyForm } from './asymmetric-key-form.js'
import { isRocaModulus } from './roca.js'

/** A key ready for the hot path. */
export interface VerificationKey {
  readonly key: KeyObject
  readonly kind: KeyKind
  /** The algorithms this key may verify: one family, intersected with the policy. */
  readonly algorithms: ReadonlySet<Algorithm>
  readonly kid: string | undefined
  /** Exact signature length for RSA (the modulus size); other kinds use the algorithm's. */
  readonly signatureBytes: number | undefined
}

/** What an import checks a key against. */
export interface ImportContext {
  /** Option path for error messages (`publicKey`, `jwks.keys[1]`). */
  readonly option: string
  /** The verifier's `algorithms`, or `undefined` when keys must pin their own `alg`. */
  readonly algorithms: readonly Algorithm[] | undefined
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const
const MIN_RSA_BITS = 2048
const MAX_KID_LENGTH = 256

function fail(option: string, message: string, cause?: unknown): never {
  throw new InvalidOptionError(option, message, cause === undefined ? undefined : { cause })
}

/**
 * Imports an HMAC secret given as a string (UTF-8), bytes or a secret KeyObject. Anything that is
 * or reads as asymmetric key material (PEM, JWK JSON text, DER key or certificate, a public or
 * private KeyObject) is refused: as an HMAC secret, a public key lets anyone who has it sign.
 */
export function importSecret(secret: unknown, ctx: ImportContext): VerificationKey {
  let bytes: Buffer
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8')
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret)
  else if (secret instanceof KeyObject) {
    if (secret.type !== 'secret') {
      fail(ctx.option, `is a ${secret.type} key; an HMAC secret must be a secret key`)
    }
    bytes = secret.export()
  } else return fail(ctx.option, 'must be a string, a Uint8Array or a secret KeyObject')
  if (bytes.length === 0) fail(ctx.option, 'is empty')
  refuseAsymmetric(bytes, ctx.option)
  return checkKey(createSecretKey(bytes), undefined, undefined, ctx)
}

function refuseAsymmetric(bytes: Uint8Array, option: string): void {
  const form = asymmetricKeyForm(bytes)
  if (form !== undefined) {
    fail(option, `is ${form}, not an HMAC secret: whoever has a public key could sign tokens`)
  }
}

/**
 * Imports a public key: a PEM string (SPKI, PKCS#1 or an X.509 certificate), a JWK, or a
 * KeyObject. Private keys are refused: a verifier never needs one. A secret KeyObject is
 * imported as {@link importSecret} does, its bytes checked like any secret's.
 */
export function importPublicKey(input: unknown, ctx: ImportContext): VerificationKey {
  if (input instanceof KeyObject) {
    // A secret KeyObject has bytes like any other secret (a getKey() may wrap a public PEM in
    // `createSecretKey`): they go through the same asymmetric-material check.
    if (input.type === 'secret') return importSecret(input, ctx)
    return checkKey(input, undefined, undefined, ctx)
  }
  if (typeof input === 'string') {
    if (!input.includes('-----BEGIN ')) fail(ctx.option, 'a string must be a PEM public key')
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(input)) {
      fail(ctx.option, 'is a private key; give the public key')
    }
    let key: KeyObject
    try {
      key = createPublicKey(input)
    } catch (cause) {
      return fail(ctx.option, 'is not a readable PEM public key', cause)
    }
    return checkKey(key, undefined, undefined, ctx)
  }
  if (isObject(input)) return importJwk(input, ctx)
  return fail(ctx.option, 'must be a PEM string, a JWK object or a KeyObject')
}

/** Imports one JWK, checking `use`, `key_ops`, `alg`, and refusing private members. */
export function importJwk(jwk: unknown, ctx: ImportContext): VerificationKey {
  if (!isObject(jwk)) return fail(ctx.option, 'must be a JWK object')
  const { kty, kid, alg, use } = jwk
  const keyOps: unknown = jwk.key_ops
  if (
    kid !== undefined &&
    (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH)
  ) {
    fail(`${ctx.option}.kid`, `must be a non-empty string of at most ${MAX_KID_LENGTH} characters`)
  }
  if (use !== undefined && use !== 'sig')
    fail(`${ctx.option}.use`, 'must be "sig" for a verification key')
  if (
    keyOps !== undefined &&
    !(
      Array.isArray(keyOps) &&
      keyOps.every((op) => typeof op === 'string') &&
      keyOps.includes('verify')
    )
  ) {
    fail(`${ctx.option}.key_ops`, 'must include "verify"')
  }
  let pinned: Algorithm | undefined
  if (alg !== undefined) {
    const spec = algorithmSpec(alg)
    if (spec === undefined)
      fail(`${ctx.option}.alg`, `is not a supported JWS algorithm (${ALGORITHMS.join(', ')})`)
    pinned = spec.name
  }
  let key: KeyObject
  if (kty === 'oct') {
    const bytes = typeof jwk.k === 'string' ? decodeBase64url(jwk.k) : undefined
    if (bytes === undefined) return fail(`${ctx.option}.k`, 'must be canonical base64url')
    if (bytes.length === 0) fail(`${ctx.option}.k`, 'is empty')
    refuseAsymmetric(bytes, `${ctx.option}.k`)
    key = createSecretKey(bytes)
  } else if (kty === 'RSA' || kty === 'EC' || kty === 'OKP') {
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
      fail(
        ctx.option,
        'holds private key material; a key set for verification holds public keys only',
      )
    }
    try {
      // node:crypto validates the members (and, for EC, that the point is on the curve).
      key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    } catch (cause) {
      return fail(ctx.option, 'is not a valid public JWK', cause)
    }
  } else {
    return fail(`${ctx.option}.kty`, 'must be "oct", "RSA", "EC" or "OKP"')
  }
  return checkKey(key, pinned, kid, ctx)
}

function checkKey(
  key: KeyObject,
  pinned: Algorithm | undefined,
  kid: string | undefined,
  ctx: ImportContext,
): VerificationKey {
  if (key.type === 'private') fail(ctx.option, 'is a private key; give the public key')
  const kind = keyKind(key, ctx.option)
  const curve = key.asymmetricKeyDetails?.namedCurve
  const fits = (name: Algorithm): boolean => {
    const spec = algorithmSpec(name)
    return (
      spec !== undefined &&
      spec.kinds.includes(kind) &&
      (spec.curve === undefined || spec.curve === curve)
    )
  }
  let allowed: Algorithm[]
  if (pinned !== undefined) {
    if (!fits(pinned))
      fail(`${ctx.option}.alg`, `${pinned} does not match the key (${describe(kind, curve)})`)
    if (ctx.algorithms !== undefined && !ctx.algorithms.includes(pinned)) {
      fail(`${ctx.option}.alg`, `${pinned} is not in \`algorithms\``)
    }
    allowed = [pinned]
  } else {
    if (ctx.algorithms === undefined) {
      fail('algorithms', `is required: the key at \`${ctx.option}\` does not pin its own "alg"`)
    }
    allowed = ctx.algorithms.filter(fits)
    if (allowed.length === 0) {
      fail(
        ctx.option,
        `a ${describe(kind, curve)} key cannot verify any of ${ctx.algorithms.join(', ')}`,
      )
    }
  }
  let signatureBytes: number | undefined
  if (kind === 'secret') {
    const size = key.symmetricKeySize ?? 0
    for (const name of allowed) {
      const min = algorithmSpec(name)?.minSecretBytes ?? 0
      // RFC 7518 §3.2: a key of the same size as the hash output or larger.
      if (size < min) fail(ctx.option, `is ${size} bytes; ${name} needs at least ${min}`)
    }
  } else if (kind === 'rsa' || kind === 'rsa-pss') {
    const details = key.asymmetricKeyDetails ?? {}
    const bits = details.modulusLength ?? 0
    if (bits < MIN_RSA_BITS)
      fail(ctx.option, `RSA keys need at least ${MIN_RSA_BITS} bits (this one has ${bits})`)
    const e = details.publicExponent ?? 0n
    if (e < 3n || e % 2n === 0n) fail(ctx.option, 'has an unsafe RSA public exponent')
    if (isRocaModulus(rsaModulus(key))) {
      fail(ctx.option, 'is an RSA key weakened by ROCA (CVE-2017-15361)')
    }
    signatureBytes = Math.ceil(bits / 8)
  }
  return Object.freeze({ key, kind, algorithms: new Set(allowed), kid, signatureBytes })
}

/**
 * The modulus of an RSA public key. Node exports RSA-PSS keys in neither JWK nor PKCS#1 form, so
 * it is read from the SPKI encoding: SEQUENCE { AlgorithmIdentifier, BIT STRING { SEQUENCE {
 * INTEGER n, INTEGER e } } }.
 */
function rsaModulus(key: KeyObject): bigint {
  const der = key.export({ format: 'der', type: 'spki' })
  let offset = 0
  // Reads one DER header at `offset`; returns where its content starts and ends.
  const header = (expectedTag: number): { start: number; end: number } => {
    if (der[offset] !== expectedTag) throw new TypeError('unexpected SPKI structure')
    let length = der[offset + 1] ?? 0
    let start = offset + 2
    if (length & 0x80) {
      const bytes = length & 0x7f
      length = 0
      for (let i = 0; i < bytes; i++) length = length * 256 + (der[start + i] ?? 0)
      start += bytes
    }
    return { start, end: start + length }
  }
  offset = header(0x30).start // SubjectPublicKeyInfo
  offset = header(0x30).end // skip AlgorithmIdentifier
  offset = header(0x03).start + 1 // BIT STRING, past its unused-bits byte
  offset = header(0x30).start // RSAPublicKey
  const { start, end } = header(0x02) // modulus
  return BigInt(`0x${der.subarray(start, end).toString('hex')}`)
}

function keyKind(key: KeyObject, option: string): KeyKind {
  if (key.type === 'secret') return 'secret'
  const type = key.asymmetricKeyType
  if (type === 'rsa' || type === 'rsa-pss' || type === 'ec' || type === 'ed25519') return type
  return fail(option, `key type ${String(type)} is not supported for JWS verification`)
}

function describe(kind: KeyKind, curve: string | undefined): string {
  return kind === 'ec'
    ? `EC ${String(curve)}`
    : kind === 'secret'
      ? 'HMAC secret'
      : kind.toUpperCase()
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  )
}
