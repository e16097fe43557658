// Recognises asymmetric key material handed over as an HMAC secret. A public key is public: if
// a verifier took it as an HMAC secret, anyone holding it could MAC tokens that verify (the
// "algorithm confusion" attack, CVE-2015-9235 and CVE-2022-23540 in jsonwebtoken). Runs when a
// secret is imported, never on the hot path.
//
// Public keys travel in many wrappings (a JWK set's text, hex or base64 of DER or of JWK JSON,
// an OpenSSH line or blob, UTF-16 or UTF-32 text, a bare RSA modulus, code that spells the key
// out as string literals or `0x` bytes, DER as languages' byte printers print it (number lists,
// escaped strings, a latin1 string), escapes of JSON, .NET or HTML, compression, `openssl -text`
// output), so the material is unwrapped layer by layer: text is trimmed of a BOM and whitespace,
// then read as PEM, OpenSSH, JSON, XML key values or DER, then decodings and normalisations of it
// (hex, base64 at any alignment or with `+` as spaces, URL encoding, `\uXXXX` and HTML escapes
// undone, string literals gathered, number lists and escaped strings read as bytes, text read as
// latin1, decompression) are read the same way, to a bounded depth. Every layer either finds a
// key node:crypto parses or a marker a random secret never holds (armour, `kty`, `<RSAKeyValue>`,
// a key algorithm's OID where a DER key starts, `Public-Key: (2048 bit)`), so random secrets are
// not refused; the cost is bounded by the depth, the run and literal caps, a cheap DER
// plausibility check before node:crypto is asked, and not reading the same bytes twice.
//
// Not recognised (the limit, docs/security.md item 1): base32, ascii85, uuencode, EBCDIC, full-width characters, hex dumps (`xxd`,
// `od`), quoted-printable, DER read as a (lossy) UTF-8 string, password-protected containers
// (JKS, PKCS#12 with a password), and raw key components.
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto'
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib'

// Every DER key or certificate is an ASN.1 SEQUENCE.
const DER_SEQUENCE = 0x30
const DER_INTEGER = 0x02
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
// Whatever may stand between the lines of a base64 body: escaped line breaks however often
// escaped (`\n`, `\\n`: JSON-encoded twice), HTML line breaks, and any run of characters in
// neither base64 alphabet (the commas of `String(lines)`, `;`, `|`, `:`, quotes, whitespace).
// Taking all of it out leaves the body, with at most words of armour around it.
const BASE64_LINE_SEPARATORS = /\\+[nrt]|<br\s*\/?>|[^A-Za-z0-9+/=_-]+/gi
// Less than this, once separators are out, holds no key (an Ed25519 SPKI is 60 characters).
const MIN_BASE64_KEY = 56
// Numbers as languages' byte printers write them (`[48, -126, 1]`, `[48 130 1]`, `0x30`, Rust's
// `{:x?}` and Node's `<Buffer 30 82 01>` in hex without `0x`), whatever code or text is around
// them: whole words only, so `uint8` or `Uint8Array` are no numbers.
const NUMBER_TOKEN = /-?\b(?:0[xX][0-9a-fA-F]+|[0-9a-fA-F]+)\b/g
const DECIMAL_TOKEN = /^-?\d+$/
const PREFIXED_HEX_TOKEN = /^-?0[xX]([0-9a-fA-F]+)$/
const BARE_HEX_TOKEN = /^-?([0-9a-fA-F]{1,2})$/
// Escaped bytes in a string (`\x82`, octal `\202`, `\u0082`), as Python's bytes repr, Ruby's
// inspect, a C string or JSON write them, printable characters left as they are between them.
const BYTE_ESCAPE = /\\(?:x[0-9a-fA-F]{1,2}|[0-7]{1,3}|u00[0-9a-fA-F]{2})/g
const MIN_BYTE_ESCAPES = 8
// A UTF-16 code unit past U+00FF: text that is no latin1 string.
const BEYOND_LATIN1 = /[\u0100-\uffff]/
// The quotes (and call) around an escaped string: `b'…'`, `"…"`, `bytearray(b'…')`.
const QUOTED_STRING = /^[\w.]*\(?\s*[bB]?(["'])([\s\S]*)\1\s*\)?;?$/
const STRING_ESCAPE = /\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{4}|[0-7]{1,3}|[\s\S])/g
const SHORT_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  e: '\x1b',
}
// The DER of a key's AlgorithmIdentifier OID: rsaEncryption, RSASSA-PSS, id-ecPublicKey,
// Ed25519, Ed448, X25519, X448, DSA. Right after a SEQUENCE header (and a PKCS#8 version) at the
// start, it marks a key even when the DER is cut short (Node's inspect prints 50 bytes of it).
const KEY_ALGORITHM_OIDS = [
  '06092a864886f70d010101',
  '06092a864886f70d01010a',
  '06072a8648ce3d0201',
  '06032b6570',
  '06032b6571',
  '06032b656e',
  '06032b656f',
  '06072a8648ce380401',
].map((hex) => Buffer.from(hex, 'hex'))
const MARKER_SCAN_BYTES = 32
// `openssl pkey -text` and `openssl rsa -text` output: `Public-Key: (2048 bit)`,
// `ED25519 Public-Key:`, or a modulus in colon-separated hex followed by an exponent.
const OPENSSL_KEY_TEXT =
  /\b(?:Public|Private)-Key:\s*\(\d+ bit|\b(?:ED|X)(?:25519|448) (?:Public|Private)-Key:|\bmodulus:\s+(?:[0-9a-f]{2}:){8}[\s\S]*\bexponent:/i
// Key objects as languages print them: Java's `RSAPublicKey.toString()`, Go's `%v` of an
// `*rsa.PublicKey`, Python cryptography's public numbers.
const PRINTED_KEY_OBJECT =
  /\bSun (?:RSA|EC) public key\b|\bpublic exponent:\s*\d|&\{N:\d{64,} E:\d+\}|<(?:RSA|EllipticCurve)PublicNumbers\(/
// Runs of hex long enough to hold a key, anywhere in the text (`JWT_SECRET=…`, `secret: …`,
// Postgres's `\x…`, `0x…`, a prefix such as `hex:`, quotes, a trailing `;`).
const HEX_RUN = /[0-9a-fA-F]{40,}/g
// Windows-1252's characters for the bytes 0x80 to 0x9f (five are unassigned and stay as is):
// a DER key read as text by a Windows default charset.
const CP1252_HIGH =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178'
// Windows key blobs: CNG's `RSA1`/`ECK1`… magic first, or a CSP `PUBLICKEYBLOB` header (type 6,
// version 2) before `RSA1`. A random secret does not start so, with a plausible key size after.
const CNG_EC_MAGIC = /^EC[KS][1-6]$/
// At most this many runs are read from one text (a secret is one value, not a document).
const MAX_RUNS = 8
// gzip's magic bytes, and the most a gzipped secret may inflate to.
const GZIP_MAGIC_0 = 0x1f
const GZIP_MAGIC_1 = 0x8b
const MAX_INFLATED_BYTES = 1 << 20
// zlib's header: CMF 0x78 (deflate, 32K window), and CMF·256+FLG a multiple of 31 (RFC 1950).
const ZLIB_CMF = 0x78
// Raw deflate and brotli have no magic bytes: they are tried only on bytes that are not text (a
// compressed key always has bytes outside printable ASCII; a text secret has none).
const NOT_TEXT = /[^\t\n\r\x20-\x7e]/
// UTF-32 byte order marks (a key saved as UTF-32 by an editor).
const UTF32_LE_BOM = Buffer.from([0xff, 0xfe, 0, 0])
const UTF32_BE_BOM = Buffer.from([0, 0, 0xfe, 0xff])
// .NET's and XML-DSig's key formats: `<RSAKeyValue><Modulus>…`, `<ECKeyValue>`, `<DSAKeyValue>`
// (a namespace prefix allowed). A random secret never holds these tags.
const XML_KEY_VALUE = /<(?:[\w-]+:)?(?:RSA|DSA|EC|ECDSA)KeyValue\b|<Modulus>[^<]{40,}<\/Modulus>/i
// `\uXXXX` escapes (JSON, .NET's `\u002B` for `+`, a string escaped character by character).
const UNICODE_ESCAPE = /\\u([0-9a-fA-F]{4})/g
// HTML/XML character references: numeric, and the named ones base64, PEM or JSON text can hold.
const HTML_ENTITY =
  /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos|plus|sol|equals|NewLine|Tab|colon|comma|lbrack|rbrack|lbrace|rbrace));/g
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  plus: '+',
  sol: '/',
  equals: '=',
  NewLine: '\n',
  Tab: '\t',
  colon: ':',
  comma: ',',
  lbrack: '[',
  rbrack: ']',
  lbrace: '{',
  rbrace: '}',
}
// String literals in code or JSON (double, single or backtick quotes, escapes inside kept): a PEM
// body as a JSON array of lines or concatenated across lines (`"..." +`, Python's `("..." "...")`,
// C's adjacent literals). At most this many are gathered from one text.
const STRING_LITERAL = /"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|`((?:[^`\\]|\\.)*)`/g
const MAX_LITERALS = 1024
// The fewest numbers in a row read as bytes.
const MIN_LISTED_BYTES = 20
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

/**
 * True when `der` starts as every DER key or certificate does: a SEQUENCE whose length (short
 * form, or long form of 1 to 3 bytes) fits in the bytes, holding a SEQUENCE or an INTEGER first.
 * node:crypto's parsers are slow on garbage (OpenSSL tries decoder after decoder); this cheap
 * check keeps most random bytes away from them.
 */
function plausibleDer(der: Buffer): boolean {
  const first = der[1]
  if (first === undefined) return false
  let header = 2
  let length = first
  if (first & 0x80) {
    const count = first & 0x7f
    if (count === 0 || count > 3 || der.length < 2 + count) return false
    length = der.readUIntBE(2, count)
    header += count
  }
  if (length < 2 || header + length > der.length) return false
  const inner = der[header]
  return inner === DER_SEQUENCE || inner === DER_INTEGER
}

function derFormAt(der: Buffer): string | undefined {
  if (!plausibleDer(der)) return undefined
  if (DER_PUBLIC.some((type) => succeeds(() => createPublicKey({ key: der, format: 'der', type }))))
    return 'a DER public key'
  if (succeeds(() => new X509Certificate(der))) return 'a DER X.509 certificate'
  if (
    DER_PRIVATE.some((type) => succeeds(() => createPrivateKey({ key: der, format: 'der', type })))
  )
    return 'a DER private key'
  return undefined
}

/** The length of the DER length field at `bytes[at]`, or 0 when there is none (1 to 3 bytes). */
function derLengthSize(bytes: Buffer, at: number): number {
  const first = bytes[at]
  if (first === undefined) return 0
  if (first < 0x80) return 1
  const count = first & 0x7f
  return count >= 1 && count <= 3 ? 1 + count : 0
}

/**
 * True when `bytes` hold, among their first bytes, a SEQUENCE header, a PKCS#8 version or not,
 * then an AlgorithmIdentifier SEQUENCE starting with a key algorithm's OID: the start of an SPKI
 * or PKCS#8 key, even cut short. Random bytes hold no 5-to-11-byte OID at such a place.
 */
/** True when `bytes` are a Windows key blob (CNG or CSP), by their magic and key size. */
function isWindowsKeyBlob(bytes: Buffer): boolean {
  if (bytes.length < 16) return false
  const rsaAt = bytes[0] === 6 && bytes[1] === 2 && bytes[2] === 0 && bytes[3] === 0 ? 8 : 0
  if (bytes.toString('latin1', rsaAt, rsaAt + 4) === 'RSA1') {
    const bits = bytes.readUInt32LE(rsaAt + 4)
    return bits >= 512 && bits <= 16384
  }
  if (CNG_EC_MAGIC.test(bytes.toString('latin1', 0, 4)))
    return [32, 48, 66].includes(bytes.readUInt32LE(4))
  return false
}

function startsAsDerKey(bytes: Buffer): boolean {
  const end = Math.min(bytes.length, MARKER_SCAN_BYTES)
  for (let i = 0; i < end; i++) {
    if (bytes[i] !== DER_SEQUENCE) continue
    const outer = derLengthSize(bytes, i + 1)
    if (outer === 0) continue
    let at = i + 1 + outer
    // PKCS#8's version, INTEGER 0 or 1.
    if (bytes[at] === DER_INTEGER && bytes[at + 1] === 1 && (bytes[at + 2] ?? 2) <= 1) at += 3
    if (bytes[at] !== DER_SEQUENCE) continue
    const inner = derLengthSize(bytes, at + 1)
    if (inner === 0) continue
    at += 1 + inner
    if (KEY_ALGORITHM_OIDS.some((oid) => bytes.subarray(at, at + oid.length).equals(oid)))
      return true
  }
  return false
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

/** `decompress(bytes)` bounded, or undefined when the bytes are not of that format after all. */
function decompressed(decompress: (bytes: Buffer) => Buffer, bytes: Buffer): Buffer | undefined {
  try {
    return decompress(bytes)
  } catch {
    return undefined
  }
}

const BOUND = { maxOutputLength: MAX_INFLATED_BYTES }
const DECOMPRESSORS = {
  gzipped: (bytes: Buffer) => gunzipSync(bytes, BOUND),
  'zlib-compressed': (bytes: Buffer) => inflateSync(bytes, BOUND),
  'raw-deflated': (bytes: Buffer) => inflateRawSync(bytes, BOUND),
  'brotli-compressed': (bytes: Buffer) => brotliDecompressSync(bytes, BOUND),
}

/**
 * What a key compressed into `bytes` is: gzip and zlib when their header says so, raw deflate and
 * brotli (which have none) only when the bytes are not text. Each is inflated to at most 1 MiB.
 */
function compressedForm(bytes: Buffer, latin1: string, depth: number): string | undefined {
  const formats: (keyof typeof DECOMPRESSORS)[] = []
  if (bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1) formats.push('gzipped')
  if (bytes[0] === ZLIB_CMF && bytes.length > 2 && bytes.readUInt16BE(0) % 31 === 0)
    formats.push('zlib-compressed')
  if (NOT_TEXT.test(latin1)) formats.push('raw-deflated', 'brotli-compressed')
  for (const format of formats) {
    const inflated = decompressed(DECOMPRESSORS[format], bytes)
    if (inflated === undefined || inflated.length === 0) continue
    const decoded = formOf(inflated, depth + 1)
    if (decoded !== undefined) return `${decoded}, ${format}`
  }
  return undefined
}

/** UTF-32 text with a BOM (LE or BE) as UTF-8 bytes; `undefined` for anything else. */
function fromUtf32(bytes: Buffer): Buffer | undefined {
  if (bytes.length < 8 || bytes.length % 4 !== 0) return undefined
  const bom = bytes.subarray(0, 4)
  const le = bom.equals(UTF32_LE_BOM)
  if (!le && !bom.equals(UTF32_BE_BOM)) return undefined
  let text = ''
  for (let i = 4; i < bytes.length; i += 4) {
    const code = le ? bytes.readUInt32LE(i) : bytes.readUInt32BE(i)
    if (code > 0x10ffff) return undefined
    text += String.fromCodePoint(code)
  }
  return Buffer.from(text, 'utf8')
}

/**
 * The texts `text` reads as once escapes are decoded: `\uXXXX` escapes (JSON, .NET), HTML/XML
 * character references (numeric, and the named ones base64, PEM or JSON can hold); and the
 * contents of its string literals joined, without and with line breaks (a PEM body as a JSON
 * array of lines, or as literals concatenated in code).
 */
function normalisations(text: string): string[] {
  const texts = new Set<string>()
  if (text.includes('\\u'))
    texts.add(
      text.replace(UNICODE_ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    )
  if (text.includes('&'))
    texts.add(
      text.replace(HTML_ENTITY, (entity, decimal?: string, hex?: string, name?: string) => {
        if (name !== undefined) return NAMED_ENTITIES[name] ?? entity
        const code = decimal !== undefined ? parseInt(decimal, 10) : parseInt(hex ?? '', 16)
        return code <= 0x10ffff ? String.fromCodePoint(code) : entity
      }),
    )
  if (/["'`]/.test(text)) {
    const parts: string[] = []
    for (const match of text.matchAll(STRING_LITERAL)) {
      const content = match[1] ?? match[2] ?? match[3] ?? ''
      if (content !== '') parts.push(content)
      if (parts.length >= MAX_LITERALS) break
    }
    if (parts.length > 0) {
      texts.add(parts.join(''))
      texts.add(parts.join('\n'))
    }
  }
  texts.delete(text)
  return [...texts].filter((candidate) => candidate.trim().length >= 16)
}

/** What a key is in `text` once escapes are decoded or string literals gathered (above). */
function normalisedForm(text: string, depth: number): string | undefined {
  for (const normalised of normalisations(text)) {
    const decoded = formOf(Buffer.from(normalised, 'utf8'), depth + 1)
    if (decoded !== undefined) return `${decoded} (escaped, or in string literals)`
  }
  return undefined
}

/**
 * DER in base64 that does not start on a 4-character boundary of `run` (a word or armour without
 * dashes before the body): the run read from its 2nd, 3rd and 4th character; the DER scan finds
 * the key behind the junk bytes this leaves before it.
 */
function misalignedBase64Form(run: string): string | undefined {
  for (let offset = 1; offset < 4; offset++) {
    const der = derForm(Buffer.from(run.slice(offset), 'base64'))
    if (der !== undefined) return `${der} (not 4-aligned)`
  }
  return undefined
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
  for (const [run] of text.matchAll(HEX_RUN)) {
    if (run === text || ++runs > MAX_RUNS) continue
    // An odd run has a stray hex character at one end (the `x` of `0x` is no hex; a word may be).
    const candidates = run.length % 2 === 0 ? [run] : [run.slice(1), run.slice(0, -1)]
    for (const hex of candidates) {
      const decoded = formOf(Buffer.from(hex, 'hex'), depth + 1)
      if (decoded !== undefined) return `${decoded} in hex, inside other text`
    }
  }
  runs = 0
  for (const [run] of text.matchAll(BASE64_RUN)) {
    if (run === text || ++runs > MAX_RUNS) continue
    const decoded = formOf(Buffer.from(run, 'base64'), depth + 1) ?? misalignedBase64Form(run)
    if (decoded !== undefined) return `${decoded} in base64, inside other text`
  }
  return undefined
}

/** The longest run of consecutive entries of `values` that are defined, when it has 20 or more. */
function longestRun(values: (number | undefined)[]): Buffer | undefined {
  let best: [number, number] = [0, 0]
  let start = 0
  for (let i = 0; i <= values.length; i++) {
    if (i < values.length && values[i] !== undefined) continue
    if (i - start > best[1] - best[0]) best = [start, i]
    start = i + 1
  }
  if (best[1] - best[0] < MIN_LISTED_BYTES) return undefined
  return Buffer.from(values.slice(best[0], best[1]) as number[])
}

/** `value` as a byte when it is one: -128 to 255, negatives (Java's signed bytes) plus 256. */
function asByte(value: number): number | undefined {
  return value >= -128 && value <= 255 ? (value + 256) % 256 : undefined
}

/**
 * The bytes a printed list of numbers in `text` may be: the longest run of consecutive numbers
 * that are all bytes (decimal, signed, `0x..`), read as decimal and, when every one is one or two
 * hex digits, as hex (Rust's `{:x?}`, Node's `<Buffer 30 82 …>`); and the values of index–value
 * pairs counting up from 0 or 1 (`{"0":48,"1":130}`, PHP's `1 => 48`), indexes past 255 too.
 */
function listedBytes(text: string): Buffer[] {
  const tokens = text.match(NUMBER_TOKEN)
  if (tokens === null || tokens.length < MIN_LISTED_BYTES) return []
  const numbers = tokens.map((token) => {
    if (DECIMAL_TOKEN.test(token)) return parseInt(token, 10)
    const hex = PREFIXED_HEX_TOKEN.exec(token)?.[1]
    if (hex === undefined) return undefined
    const value = parseInt(hex, 16)
    return token.startsWith('-') ? -value : value
  })
  const decimal = numbers.map((value) => (value === undefined ? undefined : asByte(value)))
  const hex = tokens.map((token) => {
    const digits = BARE_HEX_TOKEN.exec(token)?.[1] ?? PREFIXED_HEX_TOKEN.exec(token)?.[1]
    return digits === undefined || digits.length > 2 ? undefined : parseInt(digits, 16)
  })
  const lists = [longestRun(decimal), longestRun(hex), indexedBytes(numbers)]
  const unique = new Map<string, Buffer>()
  for (const list of lists) if (list !== undefined) unique.set(list.toString('latin1'), list)
  return [...unique.values()]
}

/** The values of index–value pairs in `numbers` counting up from 0 or 1, when 20 or more. */
function indexedBytes(numbers: (number | undefined)[]): Buffer | undefined {
  for (let i = 0; i + 2 * MIN_LISTED_BYTES <= numbers.length; i++) {
    const first = numbers[i]
    if (first !== 0 && first !== 1) continue
    const bytes: number[] = []
    for (let j = i; j + 1 < numbers.length && numbers[j] === first + bytes.length; j += 2) {
      const value = numbers[j + 1]
      if (value === undefined || value < 0 || value > 255) break
      bytes.push(value)
    }
    if (bytes.length >= MIN_LISTED_BYTES) return Buffer.from(bytes)
  }
  return undefined
}

/**
 * The bytes of an escaped string in `text` (Python's bytes repr, Ruby's inspect, a C string, a
 * JSON string of a latin1 string): several `\x..`, octal or `\u00..` escapes, printable characters
 * between them, quotes and a call (`b'…'`, `bytearray(b'…')`) around them or not.
 */
function escapedBytes(text: string): Buffer | undefined {
  if ((text.match(BYTE_ESCAPE)?.length ?? 0) < MIN_BYTE_ESCAPES) return undefined
  const content = QUOTED_STRING.exec(text)?.[2] ?? text
  const unescaped = content.replace(STRING_ESCAPE, (_, escape: string) => {
    const kind = escape.charAt(0)
    if (escape.length > 1 && kind === 'x') return String.fromCharCode(parseInt(escape.slice(1), 16))
    if (escape.length > 1 && kind === 'u') return String.fromCharCode(parseInt(escape.slice(1), 16))
    if (/^[0-7]/.test(escape)) return String.fromCharCode(parseInt(escape, 8) & 0xff)
    return SHORT_ESCAPES[escape] ?? escape
  })
  return BEYOND_LATIN1.test(unescaped) ? undefined : Buffer.from(unescaped, 'latin1')
}

/**
 * What a key is in `text` once the mangling of configuration files is undone: PEM-like armour with
 * the wrong dashes; a base64 body with escaped line breaks, slashes, continuations or zero-width
 * characters in it; byte values printed as a list of numbers, or as an escaped string.
 */
function mangledForm(text: string, depth: number): string | undefined {
  if (ARMOUR_LIKE.test(text)) return 'PEM-like armour'
  const cleaned = text.replace(LITERAL_ESCAPES, '')
  if (cleaned !== text && cleaned.length >= 16) {
    const decoded = formOf(Buffer.from(cleaned, 'utf8'), depth + 1)
    if (decoded !== undefined) return `${decoded} (with escapes or breaks in it)`
  }
  // A body whose lines were joined by anything at all: every separator out, read at any alignment.
  const bare = text.replace(BASE64_LINE_SEPARATORS, '')
  if (bare !== text && bare !== cleaned && bare.length >= MIN_BASE64_KEY) {
    const decoded = formOf(Buffer.from(bare, 'base64'), depth + 1) ?? misalignedBase64Form(bare)
    if (decoded !== undefined) return `${decoded} (base64 lines with separators between them)`
  }
  for (const bytes of listedBytes(text)) {
    const decoded = formOf(bytes, depth + 1)
    if (decoded !== undefined) return `${decoded} as a list of bytes`
  }
  const unescaped = escapedBytes(text)
  if (unescaped !== undefined) {
    const decoded = formOf(unescaped, depth + 1)
    if (decoded !== undefined) return `${decoded} as an escaped byte string`
  }
  return undefined
}

/**
 * What a key is in `buffer` read as UTF-8 text whose characters are all U+00FF or under, some over
 * U+007F: bytes a program read as a latin1 (`binary`) string before it was written out as UTF-8.
 */
function latin1Form(buffer: Buffer, depth: number): string | undefined {
  const raw = buffer.toString('utf8')
  if (!BEYOND_LATIN1.test(raw)) {
    if (!/[\x80-\xff]/.test(raw)) return undefined
    const decoded = formOf(Buffer.from(raw, 'latin1'), depth + 1)
    return decoded === undefined ? undefined : `${decoded} read as a latin1 string`
  }
  // Read by a Windows default charset (the 0x80-0x9f bytes became other characters), or as
  // UTF-16 code units (`toString('utf16le')`): both map back to the bytes. Text with U+FFFD lost
  // some on the way (a lone surrogate), or is no text at all (random bytes read as UTF-8): only
  // its start is looked at, for a key's algorithm identifier (cheap, and enough for a DER key).
  if (raw.includes('\uFFFD'))
    return startsAsDerKey(Buffer.from(raw, 'utf16le'))
      ? 'the start of a DER key read as UTF-16 text'
      : undefined
  let cp1252: Buffer | undefined = Buffer.alloc(raw.length)
  for (let i = 0; i < raw.length && cp1252 !== undefined; i++) {
    const code = raw.charCodeAt(i)
    const high = code > 0xff ? CP1252_HIGH.indexOf(raw[i] ?? '') : -1
    if (code <= 0xff) cp1252[i] = code
    else if (high >= 0) cp1252[i] = 0x80 + high
    else cp1252 = undefined
  }
  const decoded =
    (cp1252 === undefined ? undefined : formOf(cp1252, depth + 1)) ??
    formOf(Buffer.from(raw, 'utf16le'), depth + 1)
  return decoded === undefined ? undefined : `${decoded} read as text`
}

function isRsaModulus(bytes: Buffer): boolean {
  return (
    bytes.length >= MIN_MODULUS_BYTES &&
    bytes.length <= MAX_MODULUS_BYTES &&
    ((bytes[0] ?? 0) & 0x80) !== 0 &&
    ((bytes[bytes.length - 1] ?? 0) & 1) === 1
  )
}

// The bytes already read during one `asymmetricKeyForm` call: different unwrappings often reach
// the same bytes (literals joined with and without line breaks, escapes undone in either order),
// and reading them again (at the same depth or deeper) finds nothing new.
let seen = new Map<string, number>()

function formOf(buffer: Buffer, depth: number): string | undefined {
  const latin1 = buffer.toString('latin1')
  if ((seen.get(latin1) ?? MAX_DEPTH + 1) <= depth) return undefined
  seen.set(latin1, depth)
  // Any PEM: a secret never contains armour, and PEM is how public keys are usually shipped.
  if (/-----begin/i.test(latin1)) return 'PEM text'
  if (SSH2_ARMOUR.test(latin1)) return 'an RFC 4716 SSH2 key'
  if (isSshWireBlob(buffer)) return 'an SSH public key blob'
  const utf32 = fromUtf32(buffer)
  if (utf32 !== undefined) {
    const decoded = formOf(utf32, depth + 1)
    if (decoded !== undefined) return `${decoded} in UTF-32`
  }
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
  if (XML_KEY_VALUE.test(text)) return 'an XML key value (.NET or XML-DSig)'
  if (OPENSSL_KEY_TEXT.test(text)) return 'openssl -text output of a key'
  if (PRINTED_KEY_OBJECT.test(text)) return 'a key object as a language prints it'
  if (isWindowsKeyBlob(buffer)) return 'a Windows key blob'
  const der = derForm(buffer)
  if (der !== undefined) return der
  if (startsAsDerKey(buffer)) return 'the start of a DER key (its algorithm identifier)'
  if (depth >= MAX_DEPTH || text.length < 16) return undefined
  const latin1Text = latin1Form(buffer, depth)
  if (latin1Text !== undefined) return latin1Text
  const compressed = compressedForm(buffer, latin1, depth)
  if (compressed !== undefined) return compressed
  const wrapped = wrappedForm(text, depth)
  if (wrapped !== undefined) return wrapped
  const mangled = mangledForm(text, depth)
  if (mangled !== undefined) return mangled
  const normalised = normalisedForm(text, depth)
  if (normalised !== undefined) return normalised
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
    const decoded = formOf(bytes, depth + 1) ?? misalignedBase64Form(text.replace(/\s/g, ''))
    if (decoded !== undefined) return `${decoded} in base64`
    // A URL-decoded value turns `+` into spaces.
    if (text.includes(' ') && !text.includes('+')) {
      const plus = text.replace(/ /g, '+')
      const restored =
        formOf(Buffer.from(plus, 'base64'), depth + 1) ??
        misalignedBase64Form(plus.replace(/\s/g, ''))
      if (restored !== undefined) return `${restored} in base64 with + as spaces`
    }
    if (BASE64URL_TEXT.test(text) && !HEX_TEXT.test(text) && isRsaModulus(bytes))
      return 'an RSA modulus in base64url'
  }
  return undefined
}

/**
 * What asymmetric key material `bytes` is, or `undefined` when they are none. Read after a BOM
 * and surrounding whitespace are trimmed (and UTF-16 decoded, with a BOM or every other byte
 * zero, or UTF-32 with a BOM): PEM text of any kind (`-----BEGIN` anything, in any case); an RFC
 * 4716 SSH2 block; an OpenSSH key type followed by its base64 blob anywhere (`authorized_keys`
 * options before it included); a bare SSH wire blob (uint32 length, then `ssh-...`); the JSON text
 * of a JWK, of an array of JWKs or of a JWK set, JSON with a `kty` object nested anywhere
 * (bounded), or such JSON encoded again as a JSON string; text holding `kty: RSA|EC|OKP` however
 * written (JSON5, YAML, a trailing comma); .NET's or XML-DSig's `<RSAKeyValue>`, `<ECKeyValue>`,
 * `<DSAKeyValue>` (or a `<Modulus>`); DER (from any of its first 32 bytes, or a SEQUENCE with a
 * two-byte length anywhere) that node:crypto reads as an SPKI or PKCS#1 public key, an X.509
 * certificate or a private key; any of these in hex, base64 (either alphabet, from any of the
 * first four characters of a run: a word line or dashless armour before the body), URL encoding,
 * `\uXXXX` escapes (.NET's `\u002B`, or every character escaped), HTML/XML character references,
 * string literals (a JSON array of PEM lines, literals concatenated in JS, Java, C#, Python or C),
 * `0x..` byte literals (C, Go, Rust, Java casts), number lists as byte printers write them (the
 * longest run of 20 or more byte values, signed or unsigned, commas or spaces, any code around
 * them: Java's `Arrays.toString`, Go's `fmt.Println`, `bytes([…])`, `vec![…]`, `<<…>>`, numpy,
 * Node's `Uint8Array(294) […]`; the same run as bare hex: Rust's `{:x?}`, `<Buffer 30 82 …>`;
 * index–value pairs: `{"0":48,…}`, PHP's `1 => 48`), escaped strings (Python's `b'0\x82…'`,
 * Ruby's inspect, C strings with octal escapes, printable characters between the escapes), text
 * whose characters are all U+00FF or under read as latin1 bytes, gzip, zlib, raw deflate or
 * brotli, base64 with `+` turned into spaces, stacked up to six layers deep in any order, or as a
 * base64 run or separated hex inside other text (quotes, `export NAME=`, a comment, a `data:`
 * URI); bytes that start as a DER SPKI or PKCS#8 key does, cut short or not (a SEQUENCE, then an
 * AlgorithmIdentifier with the OID of RSA, RSA-PSS, EC, Ed25519, Ed448, X25519, X448 or DSA, among
 * the first 32 bytes: Node's inspect prints 50 bytes of a Buffer); `openssl -text` output of a key
 * (`Public-Key: (N bit)`, `ED25519 Public-Key:`, a hex modulus and an exponent); or base64url
 * text alone that decodes to 256 to 2048 bytes with the top bit and the lowest bit set (a bare
 * RSA modulus, a JWK's `n`).
 *
 * Raw key components in other encodings (a modulus in hex, base64 or bytes, an EC/Ed25519
 * coordinate, a raw EC point) are NOT recognised: they cannot be told from random secrets of the
 * same length, and refusing them would refuse real secrets (docs/security.md, item 1). Neither
 * are base32, ascii85, uuencode, EBCDIC, full-width characters, hex dumps, quoted-printable, DER read as a lossy UTF-8 string or
 * password-protected containers: the detector is a net for mistakes; the defence is explicit
 * `algorithms` and public keys only in `publicKey`, `jwks` or `jwksUri`.
 */
export function asymmetricKeyForm(bytes: Uint8Array): string | undefined {
  seen = new Map()
  try {
    return formOf(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0)
  } finally {
    seen = new Map()
  }
}
