// Recognises asymmetric key material handed over as an HMAC secret. A public key is public: if
// a verifier took it as an HMAC secret, anyone holding it could MAC tokens that verify (the
// "algorithm confusion" attack, CVE-2015-9235 and CVE-2022-23540 in jsonwebtoken). Runs when a
// secret is imported, never on the hot path.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto'

// Every DER key or certificate is an ASN.1 SEQUENCE.
const DER_SEQUENCE = 0x30
const BASE64_TEXT = /^[A-Za-z0-9+/_\-=\s]+$/
const DER_PUBLIC = ['spki', 'pkcs1'] as const
const DER_PRIVATE = ['pkcs8', 'pkcs1', 'sec1'] as const

function succeeds(run: () => unknown): boolean {
  try {
    run()
    return true
  } catch {
    return false
  }
}

function derForm(der: Buffer): string | undefined {
  if (der.length < 2 || der[0] !== DER_SEQUENCE) return undefined
  if (DER_PUBLIC.some((type) => succeeds(() => createPublicKey({ key: der, format: 'der', type }))))
    return 'a DER public key'
  if (succeeds(() => new X509Certificate(der))) return 'a DER X.509 certificate'
  if (
    DER_PRIVATE.some((type) => succeeds(() => createPrivateKey({ key: der, format: 'der', type })))
  )
    return 'a DER private key'
  return undefined
}

/**
 * What asymmetric key material `bytes` is, or `undefined` when they are none: PEM text of any
 * kind (`-----BEGIN` anything), JSON text of a JWK (an object with `kty`), DER that node:crypto
 * reads as an SPKI or PKCS#1 public key, an X.509 certificate or a private key, or that DER in
 * base64 text (a PEM body without its armour).
 */
export function asymmetricKeyForm(bytes: Uint8Array): string | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const text = buffer.toString('latin1')
  // Any PEM: a secret never contains armour, and PEM is how public keys are usually shipped.
  if (text.includes('-----BEGIN')) return 'PEM text'
  const trimmed = text.trim()
  if (trimmed.startsWith('{')) {
    let json: unknown
    try {
      json = JSON.parse(buffer.toString('utf8'))
    } catch {
      json = undefined
    }
    if (typeof json === 'object' && json !== null && 'kty' in json) return 'the JSON text of a JWK'
  }
  const der = derForm(buffer)
  if (der !== undefined) return der
  if (trimmed.length >= 16 && BASE64_TEXT.test(trimmed)) {
    // Buffer's base64 decoder reads both alphabets and skips whitespace.
    const decoded = derForm(Buffer.from(trimmed, 'base64'))
    if (decoded !== undefined) return `${decoded} in base64`
  }
  return undefined
}
