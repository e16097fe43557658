// Recognises asymmetric key material handed over as an HMAC secret. A public key is public: if
// a verifier took it as an HMAC secret, anyone holding it could MAC tokens that verify (the
// "algorithm confusion" attack, CVE-2015-9235 and CVE-2022-23540 in jsonwebtoken). Runs when a
// secret is imported, never on the hot path.
//
// Public keys travel in many wrappings (a JWK set's text, hex or base64 of DER or of JWK JSON,
// an OpenSSH line, a bare RSA modulus), so the material is unwrapped layer by layer: text is
// trimmed of a BOM and whitespace, then read as PEM, OpenSSH, JSON or DER, then hex and base64
// decodings of it are read the same way (to a bounded depth).
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto'

// Every DER key or certificate is an ASN.1 SEQUENCE.
const DER_SEQUENCE = 0x30
const BASE64_TEXT = /^[A-Za-z0-9+/_\-=\s]+$/
const BASE64URL_TEXT = /^[A-Za-z0-9_-]+$/
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})+$/
// OpenSSH public key lines (`ssh-rsa AAAA... comment`), certificates and FIDO keys included.
const OPENSSH_LINE = /^(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-|sk-ssh-|sk-ecdsa-)\S*\s+AAAA/
const DER_PUBLIC = ['spki', 'pkcs1'] as const
const DER_PRIVATE = ['pkcs8', 'pkcs1', 'sec1'] as const
// Decodings read inside decodings: base64 of hex of DER is already far-fetched.
const MAX_DEPTH = 2
// A bare RSA modulus (a JWK's `n`): 2048 to 16384 bits, top bit set, odd. Read only from text
// in the base64url alphabet alone (as JWK members are), so random secrets in base64 (which has
// `+`, `/` and padding) or hex are never taken for one.
const MIN_MODULUS_BYTES = 256
const MAX_MODULUS_BYTES = 2048

function succeeds(run: () => unknown): boolean {
  try {
    run()
    return true
  } catch {
    return false
  }
}

// DER may come after a few stray bytes (a length prefix, a zero byte): read from each SEQUENCE
// tag among the first bytes. Random bytes never parse as a key, so this costs no false positive.
const DER_SCAN_BYTES = 32

function derForm(bytes: Buffer): string | undefined {
  for (let i = 0; i < Math.min(bytes.length, DER_SCAN_BYTES); i++) {
    if (bytes[i] !== DER_SEQUENCE) continue
    const form = derFormAt(bytes.subarray(i))
    if (form !== undefined) return form
  }
  return undefined
}

function derFormAt(der: Buffer): string | undefined {
  if (der.length < 2) return undefined
  if (DER_PUBLIC.some((type) => succeeds(() => createPublicKey({ key: der, format: 'der', type }))))
    return 'a DER public key'
  if (succeeds(() => new X509Certificate(der))) return 'a DER X.509 certificate'
  if (
    DER_PRIVATE.some((type) => succeeds(() => createPrivateKey({ key: der, format: 'der', type })))
  )
    return 'a DER private key'
  return undefined
}

function isJwkLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'kty' in value
}

/** What JSON text is, when it is a JWK, a JWK set, or an array of JWKs. */
function jsonForm(text: string): string | undefined {
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (Array.isArray(json)) return json.some(isJwkLike) ? 'the JSON text of JWKs' : undefined
  if (isJwkLike(json)) return 'the JSON text of a JWK'
  if (typeof json === 'object' && json !== null && 'keys' in json)
    return 'the JSON text of a JWK set'
  return undefined
}

function isRsaModulus(bytes: Buffer): boolean {
  return (
    bytes.length >= MIN_MODULUS_BYTES &&
    bytes.length <= MAX_MODULUS_BYTES &&
    ((bytes[0] ?? 0) & 0x80) !== 0 &&
    ((bytes[bytes.length - 1] ?? 0) & 1) === 1
  )
}

function formOf(buffer: Buffer, depth: number): string | undefined {
  const latin1 = buffer.toString('latin1')
  // Any PEM: a secret never contains armour, and PEM is how public keys are usually shipped.
  if (/-----begin/i.test(latin1)) return 'PEM text'
  const text = buffer
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim()
  if (OPENSSH_LINE.test(text)) return 'an OpenSSH public key'
  const json = jsonForm(text)
  if (json !== undefined) return json
  const der = derForm(buffer)
  if (der !== undefined) return der
  if (depth >= MAX_DEPTH || text.length < 16) return undefined
  if (HEX_TEXT.test(text)) {
    const decoded = formOf(Buffer.from(text, 'hex'), depth + 1)
    if (decoded !== undefined) return `${decoded} in hex`
  }
  if (BASE64_TEXT.test(text)) {
    // Buffer's base64 decoder reads both alphabets and skips whitespace.
    const bytes = Buffer.from(text, 'base64')
    const decoded = formOf(bytes, depth + 1)
    if (decoded !== undefined) return `${decoded} in base64`
    if (BASE64URL_TEXT.test(text) && !HEX_TEXT.test(text) && isRsaModulus(bytes))
      return 'an RSA modulus in base64url'
  }
  return undefined
}

/**
 * What asymmetric key material `bytes` is, or `undefined` when they are none. Read after a BOM
 * and surrounding whitespace are trimmed: PEM text of any kind (`-----BEGIN` anything, in any
 * case), an
 * OpenSSH public key line, the JSON text of a JWK, of an array of JWKs or of a JWK set (an
 * object with `kty` or `keys`), DER (from any of its first 32 bytes) that node:crypto reads as
 * an SPKI or PKCS#1 public key, an X.509 certificate or a private key; any of these in hex or base64 (either alphabet, nested up
 * to twice); or base64url text alone that decodes to 256 to 2048 bytes with the top bit and the
 * lowest bit set (a bare RSA modulus, a JWK's `n`).
 */
export function asymmetricKeyForm(bytes: Uint8Array): string | undefined {
  return formOf(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0)
}
