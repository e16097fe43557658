// Recognises asymmetric key material handed over as an HMAC secret. A public key is public: if
// a verifier took it as an HMAC secret, anyone holding it could MAC tokens that verify (the
// "algorithm confusion" attack, CVE-2015-9235 and CVE-2022-23540 in jsonwebtoken). Runs when a
// secret is imported, never on the hot path.
//
// Public keys travel in many wrappings (a JWK set's text, hex or base64 of DER or of JWK JSON,
// an OpenSSH line or blob, UTF-16 text, a bare RSA modulus), so the material is unwrapped layer by layer: text is
// trimmed of a BOM and whitespace, then read as PEM, OpenSSH, JSON or DER, then hex and base64
// decodings of it are read the same way (to a bounded depth).
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto'
import { gunzipSync } from 'node:zlib'

// Every DER key or certificate is an ASN.1 SEQUENCE.
const DER_SEQUENCE = 0x30
const BASE64_TEXT = /^[A-Za-z0-9+/_\-=\s]+$/
const BASE64URL_TEXT = /^[A-Za-z0-9_-]+$/
const HEX_TEXT = /^(?:[0-9a-fA-F]{2})+$/
// OpenSSH public key lines (`ssh-rsa AAAA... comment`), certificates and FIDO keys included,
// anywhere in the text: an authorized_keys line puts options (`no-pty,from="..." `) before the
// key type. The type must be followed by base64 that starts as its wire blob does (a uint32
// length under 256: `AAAA`).
const OPENSSH_KEY =
  /(?:^|[\s,"'])(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-|sk-ssh-|sk-ecdsa-)\S*\s+AAAA[A-Za-z0-9+/]{12}/
// RFC 4716 (`---- BEGIN SSH2 PUBLIC KEY ----`): four dashes, not PEM's five.
const SSH2_ARMOUR = /-{4,}\s*begin ssh2 /i
// The key type at the start of an SSH wire blob (RFC 4253 §6.6): `ssh-...`, `ecdsa-sha2-...`,
// `sk-...`, printable ASCII.
const SSH_WIRE_TYPE = /^(?:ssh-|ecdsa-sha2-|sk-)[\x21-\x7e]+$/
// JSON nesting walked for a `kty` member, and JSON text decoded inside JSON strings.
const MAX_JSON_DEPTH = 8
const MAX_JSON_NODES = 10_000
const DER_PUBLIC = ['spki', 'pkcs1'] as const
const DER_PRIVATE = ['pkcs8', 'pkcs1', 'sec1'] as const
// Decodings read inside decodings (hex, base64, URL encoding, stacked in any order). Each one
// shrinks the text or fails, and this runs once per secret at import, so the bound is about
// giving up on nonsense, not about cost: six layers is past any wrapping a config file applies.
const MAX_DEPTH = 6
// A JWK however it is written down (JSON, JSON5, YAML, a trailing comma): a `kty` member naming
// an asymmetric key type. A random secret never spells that.
const JWK_TEXT = /["']?\bkty\b["']?\s*[:=]\s*["']?(?:RSA|EC|OKP)\b/
// Runs of base64 (either alphabet) long enough to hold a key, anywhere in the text: quotes kept by
// an env file, `export NAME=`, a trailing comment, a `data:` URI around the encoded DER.
const BASE64_RUN = /[A-Za-z0-9+/_-]{40,}={0,2}/g
// Hex written with separators (`30:82:01:22`, `30 82 01 22`), quotes around it or not.
const SEPARATED_HEX = /^["']?(?:[0-9a-fA-F]{2}[:\s-]?){20,}["']?$/
// Armour written by hand or mangled by a word processor: four or more dashes or dash-like
// characters (en and em dashes, minus signs) around BEGIN.
const ARMOUR_LIKE = /[-\u2010-\u2015\u2212]{4,}\s*begin\b/i
// What text around a base64 body leaves in it: escaped line breaks and slashes (`\n`, `\r`, `\/`
// written literally by an env file or JSON), line continuations (`\` at a line's end), zero-width
// characters, and whitespace.
const LITERAL_ESCAPES = /\\[nr]|\\(?=\/)|\\\r?\n|[\u200B-\u200D\u2060\uFEFF]|\s/g
// A list of byte values (`[48,130,...]`, `48, 130, ...`, Buffer's toJSON) or escaped bytes
// (`\x30\x82`, octal `\060\202`, a Python bytes repr).
const BYTE_LIST = /^(?:\d{1,3}\s*,\s*){20,}\d{1,3}$/
const HEX_ESCAPES = /(?:\\x[0-9a-fA-F]{2}){20,}/
const OCTAL_ESCAPES = /(?:\\[0-7]{3}){20,}/
// At most this many runs are read from one text (a secret is one value, not a document).
const MAX_RUNS = 8
// gzip's magic bytes, and the most a gzipped secret may inflate to.
const GZIP_MAGIC_0 = 0x1f
const GZIP_MAGIC_1 = 0x8b
const MAX_INFLATED_BYTES = 1 << 20
// Percent-encoding (a secret pasted from a URL or a form body): `%` and two hex digits.
const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/
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
const DER_LONG_LENGTH_2 = 0x82

function derForm(bytes: Buffer): string | undefined {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== DER_SEQUENCE) continue
    // Past the first bytes, only a SEQUENCE with a two-byte length (every key or certificate of a
    // useful size: one inside a PKCS#7 or PKCS#12 container, or after junk) is worth a parse.
    if (i >= DER_SCAN_BYTES && bytes[i + 1] !== DER_LONG_LENGTH_2) continue
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

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown }
  } catch {
    return undefined
  }
}

/**
 * True when JSON `value` holds an object with `kty` anywhere (a JWK nested in a config object,
 * in arrays), or a string member that is itself JSON text holding one: walked to a bounded depth
 * and node count.
 */
function holdsJwk(value: unknown, depth: number, budget: { nodes: number }): boolean {
  if (depth > MAX_JSON_DEPTH || --budget.nodes < 0) return false
  if (typeof value === 'string') {
    const text = value.trim()
    if (!/^["{[]/.test(text)) return false
    const parsed = parseJson(text)
    return parsed !== undefined && holdsJwk(parsed.value, depth + 1, budget)
  }
  if (typeof value !== 'object' || value === null) return false
  if (isJwkLike(value)) return true
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value)
  return children.some((child) => holdsJwk(child, depth + 1, budget))
}

/**
 * What JSON text is, when it is a JWK, a JWK set, or an array of JWKs; a JWK nested anywhere
 * inside JSON (to a bounded depth), or JSON-encoded again as a JSON string, counts too.
 */
function jsonForm(text: string): string | undefined {
  if (!/^["{[]/.test(text)) return undefined
  const parsed = parseJson(text)
  if (parsed === undefined) return undefined
  const json = parsed.value
  if (Array.isArray(json) && json.some(isJwkLike)) return 'the JSON text of JWKs'
  if (isJwkLike(json)) return 'the JSON text of a JWK'
  if (typeof json === 'object' && json !== null && !Array.isArray(json) && 'keys' in json)
    return 'the JSON text of a JWK set'
  if (holdsJwk(json, 0, { nodes: MAX_JSON_NODES })) return 'JSON text holding a JWK'
  return undefined
}

/**
 * UTF-16 text as UTF-8 bytes, when `bytes` are UTF-16 (a BOM, or every other byte zero: ASCII
 * such as PEM or JSON saved as UTF-16); `undefined` otherwise.
 */
function fromUtf16(bytes: Buffer): Buffer | undefined {
  if (bytes.length < 4 || bytes.length % 2 !== 0) return undefined
  const leBom = bytes[0] === 0xff && bytes[1] === 0xfe
  let be = bytes[0] === 0xfe && bytes[1] === 0xff
  if (!leBom && !be) {
    let oddZero = true
    let evenZero = true
    for (let i = 0; i < bytes.length; i += 2) {
      if (bytes[i] !== 0) evenZero = false
      if (bytes[i + 1] !== 0) oddZero = false
    }
    // All zero bytes are no text at all; mixed ones are no UTF-16 of ASCII.
    if (oddZero === evenZero) return undefined
    be = evenZero
  }
  const units = Buffer.from(bytes)
  if (be) units.swap16()
  return Buffer.from(units.toString('utf16le').replace(/^\uFEFF/, ''), 'utf8')
}

/** True when `bytes` start as an SSH public key wire blob: a uint32 length, then `ssh-...`. */
function isSshWireBlob(bytes: Buffer): boolean {
  if (bytes.length < 8) return false
  const length = bytes.readUInt32BE(0)
  if (length < 4 || length > 64 || bytes.length < 4 + length) return false
  return SSH_WIRE_TYPE.test(bytes.subarray(4, 4 + length).toString('latin1'))
}

/**
 * The texts `text` may be the URL encoding of: as `encodeURIComponent` writes it, and as a form
 * body does (`+` for a space). Malformed escapes decode to nothing.
 */
function urlDecodings(text: string): string[] {
  const decodings: string[] = []
  for (const candidate of new Set([text, text.replace(/\+/g, ' ')])) {
    try {
      decodings.push(decodeURIComponent(candidate))
    } catch {
      // Not URL encoding after all (a `%` followed by something else): nothing to read.
    }
  }
  return decodings
}

/** gzip-compressed bytes inflated (bounded), or undefined when they are not gzip after all. */
function inflate(bytes: Buffer): Buffer | undefined {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES })
  } catch {
    return undefined
  }
}

/**
 * What a key encoded inside `text`, with other text around it, is: a base64 run (quoted, after
 * `export NAME=`, before a comment, in a `data:` URI) or hex written with separators. The whole
 * text was read as base64 and hex already; only parts of it, or it without separators, are new.
 */
function wrappedForm(text: string, depth: number): string | undefined {
  if (SEPARATED_HEX.test(text)) {
    const bare = text.replace(/["'\s:-]/g, '')
    if (bare !== text && HEX_TEXT.test(bare)) {
      const decoded = formOf(Buffer.from(bare, 'hex'), depth + 1)
      if (decoded !== undefined) return `${decoded} in hex with separators`
    }
  }
  let runs = 0
  for (const [run] of text.matchAll(BASE64_RUN)) {
    if (run === text || ++runs > MAX_RUNS) continue
    const decoded = formOf(Buffer.from(run, 'base64'), depth + 1)
    if (decoded !== undefined) return `${decoded} in base64, inside other text`
  }
  return undefined
}

/**
 * What a key is in `text` once the mangling of configuration files is undone: PEM-like armour with
 * the wrong dashes; a base64 body with escaped line breaks, slashes, continuations or zero-width
 * characters in it; byte values listed in decimal, or escaped as `\x..` or octal.
 */
function mangledForm(text: string, depth: number): string | undefined {
  if (ARMOUR_LIKE.test(text)) return 'PEM-like armour'
  const cleaned = text.replace(LITERAL_ESCAPES, '')
  if (cleaned !== text && cleaned.length >= 16) {
    const decoded = formOf(Buffer.from(cleaned, 'utf8'), depth + 1)
    if (decoded !== undefined) return `${decoded} (with escapes or breaks in it)`
  }
  const list = text.replace(/^[[{]?(?:"type"\s*:\s*"Buffer"\s*,\s*"data"\s*:\s*\[)?|[\]}]*$/g, '')
  if (BYTE_LIST.test(list.trim())) {
    const bytes = list.split(',').map((value) => Number(value.trim()))
    if (bytes.every((value) => value <= 255)) {
      const decoded = formOf(Buffer.from(bytes), depth + 1)
      if (decoded !== undefined) return `${decoded} as a list of bytes`
    }
  }
  const escaped = HEX_ESCAPES.exec(text)?.[0] ?? OCTAL_ESCAPES.exec(text)?.[0]
  if (escaped !== undefined) {
    const bytes = escaped.startsWith('\\x')
      ? Buffer.from(escaped.replace(/\\x/g, ''), 'hex')
      : Buffer.from(
          escaped
            .split('\\')
            .slice(1)
            .map((octal) => parseInt(octal, 8)),
        )
    const decoded = formOf(bytes, depth + 1)
    if (decoded !== undefined) return `${decoded} as escaped bytes`
  }
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
  if (SSH2_ARMOUR.test(latin1)) return 'an RFC 4716 SSH2 key'
  if (isSshWireBlob(buffer)) return 'an SSH public key blob'
  const utf16 = fromUtf16(buffer)
  if (utf16 !== undefined) {
    const decoded = formOf(utf16, depth + 1)
    if (decoded !== undefined) return `${decoded} in UTF-16`
  }
  const text = buffer
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim()
  if (OPENSSH_KEY.test(text)) return 'an OpenSSH public key'
  const json = jsonForm(text)
  if (json !== undefined) return json
  if (JWK_TEXT.test(text)) return 'text holding a JWK'
  const der = derForm(buffer)
  if (der !== undefined) return der
  if (depth >= MAX_DEPTH || text.length < 16) return undefined
  if (buffer[0] === GZIP_MAGIC_0 && buffer[1] === GZIP_MAGIC_1) {
    const inflated = inflate(buffer)
    const decoded = inflated === undefined ? undefined : formOf(inflated, depth + 1)
    if (decoded !== undefined) return `${decoded}, gzipped`
  }
  const wrapped = wrappedForm(text, depth)
  if (wrapped !== undefined) return wrapped
  const mangled = mangledForm(text, depth)
  if (mangled !== undefined) return mangled
  if (PERCENT_ESCAPE.test(text)) {
    const decoded = urlDecodings(text)
      .map((plain) => formOf(Buffer.from(plain, 'utf8'), depth + 1))
      .find((form) => form !== undefined)
    if (decoded !== undefined) return `${decoded}, URL-encoded`
  }
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
 * and surrounding whitespace are trimmed (and UTF-16 decoded, with a BOM or every other byte
 * zero): PEM text of any kind (`-----BEGIN` anything, in any case); an RFC 4716 SSH2 block; an
 * OpenSSH key type followed by its base64 blob anywhere (`authorized_keys` options before it
 * included); a bare SSH wire blob (uint32 length, then `ssh-...`); the JSON text of a JWK, of an
 * array of JWKs or of a JWK set, JSON with a `kty` object nested anywhere (bounded), or such JSON
 * encoded again as a JSON string; text holding `kty: RSA|EC|OKP` however written (JSON5, YAML, a
 * trailing comma); DER (from any of its first 32 bytes) that node:crypto reads as
 * an SPKI or PKCS#1 public key, an X.509 certificate or a private key; any of these in hex,
 * base64 (either alphabet) or URL encoding, stacked up to six layers deep in any order, gzipped,
 * or as a base64 run or separated hex inside other text (quotes, `export NAME=`, a comment, a
 * `data:` URI); or base64url text alone that decodes to 256 to
 * 2048 bytes with the top bit and the lowest bit set (a bare RSA modulus, a JWK's `n`).
 *
 * Raw key components in other encodings (a modulus in hex, base64 or bytes, an EC/Ed25519
 * coordinate, a raw EC point) are NOT recognised: they cannot be told from random secrets of the
 * same length, and refusing them would refuse real secrets (docs/security.md, item 1).
 */
export function asymmetricKeyForm(bytes: Uint8Array): string | undefined {
  return formOf(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0)
}
