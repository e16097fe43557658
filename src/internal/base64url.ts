// Strict base64url (RFC 7515 §2, RFC 4648 §5): the alphabet only, no padding, no whitespace, and
// no non-zero trailing bits, so one byte string has exactly one encoding. Buffer's decoder is
// lenient on all three, so its output is checked.

// Value of each base64url character, for the trailing-bits check.
const VALUES = new Int8Array(128).fill(-1)
const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
for (let i = 0; i < DIGITS.length; i++) VALUES[DIGITS.charCodeAt(i)] = i

/** True when the last character of `text` leaves no non-zero spare bits. */
function zeroTrailingBits(text: string, rest: number): boolean {
  if (rest === 0) return true
  // 2 chars carry 1 byte (4 spare bits), 3 chars carry 2 bytes (2 spare bits): they must be zero.
  const last = VALUES[text.charCodeAt(text.length - 1)] ?? -1
  return last !== -1 && (last & (rest === 2 ? 0x0f : 0x03)) === 0
}

/**
 * Decodes canonical base64url; `undefined` when `text` is not canonical.
 *
 * This is the hot path of every verification, so instead of a regex pass it checks what the
 * lenient decoder did: Buffer skips characters outside its alphabet (whitespace, `=`, anything
 * non-ASCII) or stops at them, and every such character makes the output shorter than the
 * ⌊3n/4⌋ bytes that n canonical characters give; the only extra characters it reads as digits,
 * `+` and `/` (standard base64), are looked for directly.
 */
export function decodeBase64url(text: string): Buffer | undefined {
  const rest = text.length & 3
  if (rest === 1) return undefined
  const bytes = Buffer.from(text, 'base64url')
  if (bytes.length !== (text.length * 3) >> 2) return undefined
  if (text.includes('+') || text.includes('/')) return undefined
  return zeroTrailingBits(text, rest) ? bytes : undefined
}
