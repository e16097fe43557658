// Strict base64url (RFC 7515 §2, RFC 4648 §5): the alphabet only, no padding, no whitespace, and
// no non-zero trailing bits, so one byte string has exactly one encoding. Buffer's decoder is
// lenient on all three, so each segment is checked before it is decoded.

const ALPHABET = /^[A-Za-z0-9_-]*$/

// Value of each base64url character, for the trailing-bits check.
const VALUES = new Int8Array(128).fill(-1)
const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
for (let i = 0; i < DIGITS.length; i++) VALUES[DIGITS.charCodeAt(i)] = i

/** True when `text` is canonical unpadded base64url. */
export function isCanonicalBase64url(text: string): boolean {
  const rest = text.length & 3
  if (rest === 1 || !ALPHABET.test(text)) return false
  if (rest === 0) return true
  // 2 chars carry 1 byte (4 spare bits), 3 chars carry 2 bytes (2 spare bits): they must be zero.
  const last = VALUES[text.charCodeAt(text.length - 1)] ?? -1
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0
}

/** Decodes canonical base64url; `undefined` when `text` is not canonical. */
export function decodeBase64url(text: string): Buffer | undefined {
  return isCanonicalBase64url(text) ? Buffer.from(text, 'base64url') : undefined
}
