// Recognises asymmetric key material handed over as an HMAC secret. A public key is public: if
// a verifier took it as an HMAC secret, anyone holding it could MAC tokens that verify (the
// "algorithm confusion" attack, CVE-2015-9235 and CVE-2022-23540 in jsonwebtoken). Runs when a
// secret is imported, never on the hot path.
//
// Public keys travel in many wrappings (a JWK set's text, hex or base64 of DER or of JWK JSON,
// an OpenSSH line or blob, UTF-16 or UTF-32 text, a bare RSA modulus, code that spells the key
// out as string literals or `0x` bytes, escapes of JSON, .NET or HTML, compression), so the
// material is unwrapped layer by layer: text is trimmed of a BOM and whitespace, then read as
// PEM, OpenSSH, JSON, XML key values or DER, then decodings and normalisations of it (hex,
// base64 at any alignment, URL encoding, `\uXXXX` and HTML escapes undone, string literals
// gathered, decompression) are read the same way, to a bounded depth. Every layer either finds a
// key node:crypto parses or a marker a random secret never holds (armour, `kty`, `<RSAKeyValue>`),
// so random secrets are not refused; the cost is bounded by the depth, the run and literal caps,
// a cheap DER plausibility check before node:crypto is asked, and not reading the same bytes twice.
//
// Not recognised (the limit, docs/security.md item 1): base32, ascii85, EBCDIC, hex dumps (`xxd`,
// `od`), password-protected containers (JKS, PKCS#12 with a password), and raw key components.
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
// Bytes written as `0x..` literals (C, Go, Rust, Java with `(byte)` casts, `0X` too), any
// separators between them.
const HEX_LITERAL = /\b0[xX]([0-9a-fA-F]{1,2})\b/g
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
  for (const [run] of text.matchAll(BASE64_RUN)) {
    if (run === text || ++runs > MAX_RUNS) continue
    const decoded = formOf(Buffer.from(run, 'base64'), depth + 1) ?? misalignedBase64Form(run)
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
  // A body whose lines were joined by anything at all: every separator out, read at any alignment.
  const bare = text.replace(BASE64_LINE_SEPARATORS, '')
  if (bare !== text && bare !== cleaned && bare.length >= MIN_BASE64_KEY) {
    const decoded = formOf(Buffer.from(bare, 'base64'), depth + 1) ?? misalignedBase64Form(bare)
    if (decoded !== undefined) return `${decoded} (base64 lines with separators between them)`
  }
  const list = text.replace(/^[[{]?(?:"type"\s*:\s*"Buffer"\s*,\s*"data"\s*:\s*\[)?|[\]}]*$/g, '')
  if (BYTE_LIST.test(list.trim())) {
    const bytes = list.split(',').map((value) => Number(value.trim()))
    if (bytes.every((value) => value <= 255)) {
      const decoded = formOf(Buffer.from(bytes), depth + 1)
      if (decoded !== undefined) return `${decoded} as a list of bytes`
    }
  }
  if (/0[xX]/.test(text)) {
    const values = [...text.matchAll(HEX_LITERAL)].map((match) => parseInt(match[1] ?? '', 16))
    if (values.length >= MIN_LISTED_BYTES) {
      const decoded = formOf(Buffer.from(values), depth + 1)
      if (decoded !== undefined) return `${decoded} as 0x byte literals`
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
  const der = derForm(buffer)
  if (der !== undefined) return der
  if (depth >= MAX_DEPTH || text.length < 16) return undefined
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
 * `0x..` byte literals (C, Go, Rust, Java casts), decimal byte lists or `\x`/octal escapes,
 * gzip, zlib, raw deflate or brotli, stacked up to six layers deep in any order, or as a base64
 * run or separated hex inside other text (quotes, `export NAME=`, a comment, a `data:` URI); or
 * base64url text alone that decodes to 256 to 2048 bytes with the top bit and the lowest bit set
 * (a bare RSA modulus, a JWK's `n`).
 *
 * Raw key components in other encodings (a modulus in hex, base64 or bytes, an EC/Ed25519
 * coordinate, a raw EC point) are NOT recognised: they cannot be told from random secrets of the
 * same length, and refusing them would refuse real secrets (docs/security.md, item 1). Neither
 * are base32, ascii85, EBCDIC, hex dumps or password-protected containers: the detector is a net
 * for mistakes; the defence is explicit `algorithms` and public keys only in `publicKey`, `jwks`
 * or `jwksUri`.
 */
export function asymmetricKeyForm(bytes: Uint8Array): string | undefined {
  seen = new Map()
  try {
    return formOf(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0)
  } finally {
    seen = new Map()
  }
}
