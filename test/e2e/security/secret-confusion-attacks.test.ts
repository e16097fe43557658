// Attack: a public key used as an HMAC secret. Whoever has the public key (it is public) MACs a
// token with it; a verifier that took the key as an HS256 secret accepts the forgery. Every form
// of asymmetric key material is refused as a secret, at creation for configured secrets and with
// a coded error for secrets looked up per token (getKey, the drop-in's secret function).
import { inspect } from 'node:util'
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib'
import {
  X509Certificate,
  createSecretKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto'
import type { Socket } from 'socket.io'
import { afterAll, describe, expect, it } from 'vitest'
import { requireAuth } from '../../../src/express/index.js'
import {
  authorize,
  type SecretFunction,
  type UnauthorizedPayload,
} from '../../../src/compat/socketio-jwt.js'
import { KeyError, createGuard, createVerifier, isAuthError } from '../../../src/index.js'
import { connected, expectRefused, watchProcess } from '../../support/guard-e2e.js'
import { signJwt } from '../../support/sign.js'
import { nextEvent, startServer } from '../../support/socket-server.js'

// A self-signed P-256 certificate (openssl req -x509), for the certificate encodings.
const CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBiDCCAS+gAwIBAgIUXVUmO+ZjYZsw22Ey+5FYG3NE198wCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOc29ja2d1YXJkIHRlc3QwIBcNMjYxMjA2MjAxNjE4WhgPMjEy
NjExMTIyMDE2MThaMBkxFzAVBgNVBAMMDnNvY2tndWFyZCB0ZXN0MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEV3pc59YCmf3cwJt+u+QjH1eIv+c5DjFEAxK+x7rX
3Q5S1gX78JYwNaj5qSskxLVc5MikF4Focy0rjPlkJvV936NTMFEwHQYDVR0OBBYE
FPLQFAFGqvDOT92/yNI2cXOXL7BzMB8GA1UdIwQYMBaAFPLQFAFGqvDOT92/yNI2
cXOXL7BzMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgIVsr4GtX
QXMFdy2SnqVPMWSFWDousdQq+PmmXybfv1MCIHJUlUb0hz0+PNBIOFOhq0/sb36A
VqKAmCOCgKsI8D0Z
-----END CERTIFICATE-----
`

const pairs = {
  RSA: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  EC: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  Ed25519: generateKeyPairSync('ed25519'),
}

type Material = string | Buffer | KeyObject

/** Every encoding in which a key pair's public (and private) half can be handed over. */
function encodings(name: string, pair: { publicKey: KeyObject; privateKey: KeyObject }) {
  const { publicKey, privateKey } = pair
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' })
  const list: [string, Material][] = [
    [`${name} SPKI PEM string`, publicKey.export({ type: 'spki', format: 'pem' })],
    [`${name} SPKI PEM Buffer`, Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }))],
    [`${name} JWK JSON text`, JSON.stringify(publicKey.export({ format: 'jwk' }))],
    [`${name} JWK JSON Buffer`, Buffer.from(JSON.stringify(publicKey.export({ format: 'jwk' })))],
    [`${name} SPKI DER bytes`, spkiDer],
    [`${name} SPKI DER as a Uint8Array`, new Uint8Array(spkiDer) as Buffer],
    [`${name} SPKI DER in base64 (a PEM body)`, spkiDer.toString('base64')],
    [`${name} public KeyObject`, publicKey],
    [`${name} private KeyObject`, privateKey],
    [`${name} PKCS#8 private PEM`, privateKey.export({ type: 'pkcs8', format: 'pem' })],
    [`${name} PKCS#8 private DER`, privateKey.export({ type: 'pkcs8', format: 'der' })],
  ]
  if (name === 'RSA') {
    list.push(
      ['RSA PKCS#1 PEM string', publicKey.export({ type: 'pkcs1', format: 'pem' })],
      ['RSA PKCS#1 DER bytes', publicKey.export({ type: 'pkcs1', format: 'der' })],
    )
  }
  return list
}

const CERTIFICATE_DER = Buffer.from(new X509Certificate(CERTIFICATE_PEM).raw)

/** An OpenSSH public key line (RFC 4253 §6.6 wire format in base64), built from the key's JWK. */
function openSshLine(pair: { publicKey: KeyObject }): string {
  const jwk = pair.publicKey.export({ format: 'jwk' })
  const b = (value: string | undefined): Buffer => Buffer.from(value ?? '', 'base64url')
  const field = (bytes: Buffer | string): Buffer => {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    return Buffer.concat([length, data])
  }
  // An mpint with its high bit set gets a leading zero byte.
  const mpint = (bytes: Buffer): Buffer =>
    field((bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), bytes]) : bytes)
  let type: string
  let body: Buffer[]
  if (jwk.kty === 'RSA') {
    type = 'ssh-rsa'
    body = [mpint(b(jwk.e)), mpint(b(jwk.n))]
  } else if (jwk.kty === 'OKP') {
    type = 'ssh-ed25519'
    body = [field(b(jwk.x))]
  } else {
    type = 'ecdsa-sha2-nistp256'
    body = [field('nistp256'), field(Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]))]
  }
  return `${type} ${Buffer.concat([field(type), ...body]).toString('base64')} alice@example`
}

// The text forms the second outside attack (issue 10, B2) got through as HMAC secrets.
const rsaJwk = pairs.RSA.publicKey.export({ format: 'jwk' })
const TEXT_FORMS: [string, Material][] = [
  [
    'the text of a JWK set (a jwks.json body)',
    JSON.stringify({ keys: [{ ...rsaJwk, kid: 'k1', alg: 'RS256', use: 'sig' }] }),
  ],
  ['JWK JSON text after a BOM', `\uFEFF${JSON.stringify(rsaJwk)}`],
  ['JWK JSON bytes after a UTF-8 BOM', Buffer.from(`\uFEFF${JSON.stringify(rsaJwk)}`, 'utf8')],
  ['JWK JSON text after whitespace', `\n\t  ${JSON.stringify(rsaJwk)}`],
  ['SPKI DER in hex', pairs.RSA.publicKey.export({ type: 'spki', format: 'der' }).toString('hex')],
  ['JWK JSON text in base64', Buffer.from(JSON.stringify(rsaJwk)).toString('base64')],
  ['JWK JSON text in base64url', Buffer.from(JSON.stringify(rsaJwk)).toString('base64url')],
  ['an OpenSSH ssh-rsa line', openSshLine(pairs.RSA)],
  ['an OpenSSH ssh-ed25519 line', openSshLine(pairs.Ed25519)],
  ['an OpenSSH ecdsa-sha2-nistp256 line', openSshLine(pairs.EC)],
  ['the RSA modulus n alone (base64url)', rsaJwk.n as string],
  [
    'PEM armour in lower case',
    (pairs.RSA.publicKey.export({ type: 'spki', format: 'pem' }) as string)
      .replace('BEGIN PUBLIC KEY', 'begin public key')
      .replace('END PUBLIC KEY', 'end public key'),
  ],
  [
    'SPKI DER after a stray zero byte',
    Buffer.concat([Buffer.alloc(1), pairs.RSA.publicKey.export({ type: 'spki', format: 'der' })]),
  ],
]
// The unambiguous forms the third round (attack2) got through.
const rsaPem = pairs.RSA.publicKey.export({ type: 'spki', format: 'pem' }) as string
const sshRsaLine = openSshLine(pairs.RSA)
const sshRsaBlob = Buffer.from(sshRsaLine.split(' ')[1] ?? '', 'base64')
const utf16be = (text: string): Buffer => {
  const le = Buffer.from(text, 'utf16le')
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1] ?? 0, le[i] ?? 0]
  return le
}
const ATTACK2_FORMS: [string, Material][] = [
  ['a JWK JSON-encoded twice', JSON.stringify(JSON.stringify(rsaJwk))],
  ['a JWK nested in an object', JSON.stringify({ key: rsaJwk })],
  ['a JWK nested deeper, in an array', JSON.stringify({ config: { keys: [[{ a: 1 }, rsaJwk]] } })],
  ['a nested JWK JSON-encoded as a member', JSON.stringify({ key: JSON.stringify(rsaJwk) })],
  ['PEM in UTF-16LE bytes', Buffer.from(rsaPem, 'utf16le')],
  ['PEM in UTF-16LE bytes with a BOM', Buffer.from(`\uFEFF${rsaPem}`, 'utf16le')],
  ['PEM in UTF-16BE bytes', utf16be(rsaPem)],
  [
    'an RFC 4716 SSH2 public key block',
    `---- BEGIN SSH2 PUBLIC KEY ----\nComment: "alice"\n${sshRsaBlob.toString('base64')}\n---- END SSH2 PUBLIC KEY ----\n`,
  ],
  ['an authorized_keys line with options', `no-pty,from="10.0.0.1" ${sshRsaLine}`],
  [
    'an authorized_keys line with a quoted command',
    `command="echo hi" ${openSshLine(pairs.Ed25519)}`,
  ],
  ['a bare ssh-rsa wire blob (bytes)', sshRsaBlob],
  ['a bare ssh-rsa wire blob (base64)', sshRsaBlob.toString('base64')],
  [
    'a bare ssh-ed25519 wire blob (base64)',
    Buffer.from(openSshLine(pairs.Ed25519).split(' ')[1] ?? '', 'base64').toString('base64'),
  ],
  ['a bare ssh-rsa wire blob (hex)', sshRsaBlob.toString('hex')],
]
// Encodings stacked deeper, and URL encoding (issue 10, the round after attack2).
const spkiDer = pairs.RSA.publicKey.export({ type: 'spki', format: 'der' })
const b64 = (material: Buffer | string): string => Buffer.from(material).toString('base64')
const DEEPER_FORMS: [string, Material][] = [
  ['SPKI DER in base64 three times', b64(b64(b64(spkiDer)))],
  ['SPKI DER in base64 four times', b64(b64(b64(b64(spkiDer))))],
  ['SPKI DER in hex of base64 of hex', Buffer.from(b64(spkiDer.toString('hex'))).toString('hex')],
  ['JWK JSON text URL-encoded', encodeURIComponent(JSON.stringify(rsaJwk))],
  ['PEM text URL-encoded', encodeURIComponent(rsaPem)],
  [
    'JWK JSON text URL-encoded twice',
    encodeURIComponent(encodeURIComponent(JSON.stringify(rsaJwk))),
  ],
  [
    'JWK JSON text form-encoded (spaces as +)',
    encodeURIComponent(JSON.stringify(rsaJwk, null, 1)).replace(/%20/g, '+'),
  ],
  ['SPKI DER in base64, URL-encoded', encodeURIComponent(b64(spkiDer))],
]

// The same bytes wrapped in a secret KeyObject (issue 10, B1): `createSecretKey(publicPem)`.
const SECRET_KEY_OBJECTS: [string, KeyObject][] = [
  ['SPKI PEM', Buffer.from(pairs.RSA.publicKey.export({ type: 'spki', format: 'pem' }))],
  ['JWK JSON', Buffer.from(JSON.stringify(rsaJwk))],
  ['SPKI DER', pairs.EC.publicKey.export({ type: 'spki', format: 'der' })],
  [
    'SPKI DER in base64',
    Buffer.from(pairs.RSA.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')),
  ],
  ['JWK set text', Buffer.from(JSON.stringify({ keys: [rsaJwk] }))],
].map(([name, bytes]) => [
  `a secret KeyObject of ${name as string}`,
  createSecretKey(bytes as Buffer),
])

// Public keys wrapped in the text around them (the fifth outside attack): quotes kept by an env
// file, a shell export, a comment, hex with separators, a data: URI, JWK text that is not JSON, and
// gzip.
const spkiB64 = b64(spkiDer)
const WRAPPED_FORMS: [string, Material][] = [
  ['SPKI DER in base64 in double quotes', `"${spkiB64}"`],
  ['SPKI DER in base64 in single quotes', `'${spkiB64}'`],
  ['SPKI DER in base64 with a trailing comment', `${spkiB64} # public key`],
  ['a shell export of SPKI DER in base64', `export JWT_SECRET=${spkiB64}`],
  ['SPKI DER in hex with colons', spkiDer.toString('hex').replace(/(..)(?!$)/g, '$1:')],
  [
    'SPKI DER in hex with spaces, quoted',
    `"${spkiDer.toString('hex').replace(/(..)(?!$)/g, '$1 ')}"`,
  ],
  ['a data: URI of SPKI DER', `data:application/octet-stream;base64,${spkiB64}`],
  ['JWK JSON with a trailing comma', JSON.stringify(rsaJwk).replace(/}$/, ',}')],
  ['JWK written with single quotes', JSON.stringify(rsaJwk).replace(/"/g, "'")],
  [
    'JWK written as YAML lines',
    Object.entries(rsaJwk)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('\n'),
  ],
  ['PEM gzipped, then base64', gzipSync(Buffer.from(rsaPem)).toString('base64')],
]

// Mangled by configuration files and copy-paste (the sixth outside attack).
const lines64 = (text: string): string[] => text.match(/.{1,64}/g) ?? []
const MANGLED_FORMS: [string, Material][] = [
  ['SPKI DER in base64 joined by a literal \\n', lines64(spkiB64).join('\\n')],
  ['SPKI DER in base64 joined by a literal \\r\\n', lines64(spkiB64).join('\\r\\n')],
  ['SPKI DER in base64 with JSON-escaped slashes', spkiB64.replace(/\//g, '\\/')],
  ['SPKI DER in base64 with .properties continuations', lines64(spkiB64).join('\\\n  ')],
  [
    'SPKI DER in base64 with a zero-width space in it',
    `${spkiB64.slice(0, 100)}\u200B${spkiB64.slice(100)}`,
  ],
  ['PEM armour with four dashes', rsaPem.replace(/-----/g, '----')],
  ['PEM armour with en dashes', rsaPem.replace(/-----/g, '\u2013\u2013\u2013\u2013\u2013')],
  ['SPKI DER as Buffer JSON', JSON.stringify(spkiDer)],
  ['SPKI DER as a JSON array of bytes', JSON.stringify([...spkiDer])],
  [
    'SPKI DER as \\x escapes',
    [...spkiDer].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join(''),
  ],
  [
    'SPKI DER as octal escapes',
    [...spkiDer].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join(''),
  ],
  ['SPKI DER after 40 bytes of junk', Buffer.concat([Buffer.alloc(40, 7), spkiDer])],
]

// Mangled further (the eighth outside attack, attack7): .NET/JSON `\uXXXX` escapes, PEM body lines
// as a JSON array or as string literals concatenated in code, base64 after a word line or armour
// without its dashes, DER as a C/Go/Java byte array, HTML entities, UTF-32, zlib/deflate/brotli,
// and .NET's XML key format.
const ecPem = pairs.EC.publicKey.export({ type: 'spki', format: 'pem' }) as string
const edPem = pairs.Ed25519.publicKey.export({ type: 'spki', format: 'pem' }) as string
const pemBody = (pem: string): string[] => pem.split('\n').filter((l) => l && !l.startsWith('-'))
const rsaBody = pemBody(rsaPem)
const uEscape = (c: string): string =>
  `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`
const dotnetEscapes = (text: string): string => text.replace(/[+/]/g, uEscape)
const hexLiterals = (der: Buffer, upper = false): string[] =>
  [...der].map((b) => `0${upper ? 'X' : 'x'}${b.toString(16).padStart(2, '0')}`)
const htmlEscapes = (text: string): string =>
  text.replace(/\+/g, '&#43;').replace(/\//g, '&#x2F;').replace(/=/g, '&#61;')
const utf32 = (text: string, bigEndian: boolean): Buffer => {
  const units = Array.from(`\uFEFF${text}`)
  const out = Buffer.alloc(units.length * 4)
  units.forEach((c, i) => {
    if (bigEndian) out.writeUInt32BE(c.codePointAt(0) ?? 0, i * 4)
    else out.writeUInt32LE(c.codePointAt(0) ?? 0, i * 4)
  })
  return out
}
const b64u = (value: string | undefined): string =>
  Buffer.from(value ?? '', 'base64url').toString('base64')
const ATTACK7_FORMS: [string, Material][] = [
  ['SPKI DER in base64 with .NET \\u002B/\\u002F escapes', dotnetEscapes(spkiB64)],
  ['a PEM body with .NET \\u002B/\\u002F escapes', dotnetEscapes(rsaPem)],
  ['an EC PEM body alone with \\u002B/\\u002F escapes', dotnetEscapes(pemBody(ecPem).join('\n'))],
  ['a PEM fully \\u-escaped as a JSON string', `"${rsaPem.replace(/[\s\S]/g, uEscape)}"`],
  ['SPKI DER in base64 fully \\u-escaped', spkiB64.replace(/[\s\S]/g, uEscape)],
  ['PEM body lines as a JSON array', JSON.stringify(rsaBody)],
  ['PEM lines with armour as a JSON array', JSON.stringify(rsaPem.trim().split('\n'))],
  ['an Ed25519 PEM as a JSON array of lines', JSON.stringify(edPem.trim().split('\n'))],
  ['PEM body as JS/Java concatenation', rsaBody.map((l) => `"${l}"`).join(' +\n  ')],
  ['PEM body as single-quoted concatenation', rsaBody.map((l) => `'${l}'`).join(' + ')],
  [
    'PEM body as Python implicit concatenation',
    `(\n${rsaBody.map((l) => `    "${l}"`).join('\n')}\n)`,
  ],
  ['PEM body as C adjacent literals', `${rsaBody.map((l) => `"${l}"`).join('\n')};`],
  [
    'an EC PEM body as concatenated backtick literals',
    pemBody(ecPem)
      .map((l) => `\`${l}\``)
      .join(' + '),
  ],
  ['PEM body after a word line', `RSA\n${rsaBody.join('\n')}`],
  ['an EC PEM body after a word line', `EC\n${pemBody(ecPem).join('\n')}`],
  ['PEM armour with its dashes removed', rsaPem.replace(/-----/g, '')],
  ['an Ed25519 PEM with its dashes removed', edPem.replace(/-----/g, '')],
  ['SPKI DER as a C byte array', `{${hexLiterals(spkiDer).join(', ')}}`],
  ['SPKI DER as a Go []byte', `[]byte{${hexLiterals(spkiDer).join(', ')}}`],
  [
    'SPKI DER as a Java byte array with casts',
    `new byte[] {${hexLiterals(spkiDer)
      .map((h) => `(byte)${h}`)
      .join(', ')}}`,
  ],
  ['SPKI DER as 0X literals without spaces', hexLiterals(spkiDer, true).join(',')],
  [
    'an EC SPKI DER as a Rust byte array',
    `[${hexLiterals(pairs.EC.publicKey.export({ type: 'spki', format: 'der' })).join(', ')}]`,
  ],
  ['SPKI DER in base64 with HTML entities', htmlEscapes(spkiB64)],
  ['a PEM with HTML entities', htmlEscapes(rsaPem)],
  [
    'a PEM body with &amp;-escaped entities',
    htmlEscapes(rsaBody.join('\n')).replace(/&/g, '&amp;'),
  ],
  ['PEM in UTF-32LE with a BOM', utf32(rsaPem, false)],
  ['PEM in UTF-32BE with a BOM', utf32(rsaPem, true)],
  ['PEM brotli-compressed', brotliCompressSync(Buffer.from(rsaPem))],
  ['PEM brotli-compressed, then base64', b64(brotliCompressSync(Buffer.from(rsaPem)))],
  ['PEM zlib-compressed, then base64', b64(deflateSync(Buffer.from(rsaPem)))],
  ['SPKI DER zlib-compressed', deflateSync(spkiDer)],
  ['PEM raw-deflated, then base64', b64(deflateRawSync(Buffer.from(rsaPem)))],
  ['an Ed25519 PEM raw-deflated', deflateRawSync(Buffer.from(edPem))],
  [
    '.NET XML RSAKeyValue',
    `<RSAKeyValue><Modulus>${b64u(rsaJwk.n)}</Modulus><Exponent>${b64u(rsaJwk.e)}</Exponent></RSAKeyValue>`,
  ],
  [
    'an XML ECKeyValue',
    '<ECKeyValue xmlns="http://www.w3.org/2009/xmldsig11#"><NamedCurve URI="urn:oid:1.2.840.10045.3.1.7"/><PublicKey>BAAA</PublicKey></ECKeyValue>',
  ],
  ['an XML DSAKeyValue', '<DSAKeyValue><P>AAAA</P><Q>AAAA</Q><G>AAAA</G><Y>AAAA</Y></DSAKeyValue>'],
]

// The ninth outside attack: a PEM body without its armour, its lines joined by anything but
// whitespace or one escaped line break (String(array) commas, `;`, `|`, `:`, `<br>`, `\\n`
// escaped twice, JSON-encoded twice).
const ecBody = pemBody(ecPem)
const ATTACK9_FORMS: [string, Material][] = [
  ['PEM body lines joined by commas (String(array))', String(rsaBody)],
  ['PEM body lines joined by ", "', rsaBody.join(', ')],
  ['PEM body lines joined by ";"', rsaBody.join(';')],
  ['PEM body lines joined by "|"', rsaBody.join('|')],
  ['PEM body lines joined by ":"', rsaBody.join(':')],
  ['PEM body lines joined by <br>', rsaBody.join('<br>')],
  ['PEM body lines joined by a twice-escaped \\n', rsaBody.join('\\\\n')],
  ['PEM body lines joined by a twice-escaped \\r\\n', rsaBody.join('\\\\r\\\\n')],
  ['a PEM with twice-escaped line breaks', rsaPem.trim().split('\n').join('\\\\n')],
  ['a PEM body JSON-encoded twice', JSON.stringify(JSON.stringify(rsaBody.join('\n')))],
  ['an EC PEM body joined by commas', String(ecBody)],
  ['an EC PEM body joined by a twice-escaped \\n', ecBody.join('\\\\n')],
]

// The tenth outside attack: DER as languages' byte printers print it (signed or unsigned
// decimals, with or without commas, wrapped in code; hex without `0x`; Node's inspect, cut short
// after 50 or 100 bytes; Python's, Ruby's and C's escaped strings), DER read as a latin1 string,
// base64 with `+` turned into spaces, and `openssl pkey -pubin -text` output.
const ecDer = pairs.EC.publicKey.export({ type: 'spki', format: 'der' })
const edDer = pairs.Ed25519.publicKey.export({ type: 'spki', format: 'der' })
const signed = (der: Buffer): number[] => [...der].map((b) => (b > 127 ? b - 256 : b))
const escapedBytes = (der: Buffer, quote: string, escape: (b: number) => string): string =>
  [...der]
    .map((b) => {
      if (b === 0x5c) return '\\\\'
      if (b === quote.charCodeAt(0)) return `\\${quote}`
      if (b === 9) return '\\t'
      if (b === 10) return '\\n'
      if (b === 13) return '\\r'
      return b >= 32 && b < 127 ? String.fromCharCode(b) : escape(b)
    })
    .join('')
const pyEscape = (b: number): string => `\\x${b.toString(16).padStart(2, '0')}`
const pyRepr = (der: Buffer): string => `b'${escapedBytes(der, "'", pyEscape)}'`
const rubyInspect = (der: Buffer): string =>
  `"${escapedBytes(der, '"', (b) => `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`)}"`
const cOctal = (der: Buffer): string =>
  `"${escapedBytes(der, '"', (b) => `\\${b.toString(8).padStart(3, '0')}`)}"`
const opensslRsaText = (): string => {
  const n = Buffer.concat([Buffer.alloc(1), Buffer.from(rsaJwk.n ?? '', 'base64url')])
  const hex = [...n].map((b) => b.toString(16).padStart(2, '0'))
  const lines: string[] = []
  for (let i = 0; i < hex.length; i += 15) lines.push(`    ${hex.slice(i, i + 15).join(':')}:`)
  return `Public-Key: (2048 bit)\nModulus:\n${lines.join('\n').replace(/:$/, '')}\nExponent: 65537 (0x10001)\n`
}
const ATTACK10_FORMS: [string, Material][] = [
  ['SPKI DER as Java Arrays.toString (signed)', `[${signed(spkiDer).join(', ')}]`],
  ['an EC SPKI DER as Kotlin contentToString (signed)', `[${signed(ecDer).join(', ')}]`],
  ['SPKI DER as a Java new byte[] {…} (signed)', `new byte[] {${signed(spkiDer).join(', ')}}`],
  ['SPKI DER as Go fmt.Println', `[${[...spkiDer].join(' ')}]`],
  ['an Ed25519 SPKI DER as Go fmt.Println', `[${[...edDer].join(' ')}]`],
  ['SPKI DER as Go fmt.Println of []int8', `[${signed(spkiDer).join(' ')}]`],
  ['SPKI DER as a Go []byte{…} in decimal', `[]byte{${[...spkiDer].join(', ')}}`],
  ['SPKI DER as Python bytes([…])', `bytes([${[...spkiDer].join(', ')}])`],
  ['SPKI DER as Node Buffer.from([…])', `Buffer.from([${[...spkiDer].join(', ')}])`],
  ['SPKI DER as a Rust vec![…]', `vec![${[...spkiDer].join(', ')}]`],
  ['SPKI DER as an Erlang binary <<…>>', `<<${[...spkiDer].join(',')}>>`],
  ['SPKI DER as a PHP array(…)', `array(${[...spkiDer].join(', ')})`],
  [
    'SPKI DER as PHP var_export(unpack("C*"))',
    `array (\n${[...spkiDer].map((b, i) => `  ${i + 1} => ${b},`).join('\n')}\n)`,
  ],
  ['SPKI DER as a numpy array', `array([${[...spkiDer].join(', ')}], dtype=uint8)`],
  [
    'SPKI DER as Node util.inspect(Uint8Array), all of it',
    inspect(new Uint8Array(spkiDer), { maxArrayLength: null }),
  ],
  ['SPKI DER as Node util.inspect(Uint8Array), cut at 100', inspect(new Uint8Array(spkiDer))],
  ['SPKI DER as JSON.stringify(Uint8Array)', JSON.stringify(new Uint8Array(spkiDer))],
  ['an EC SPKI DER as JSON.stringify(Uint8Array)', JSON.stringify(new Uint8Array(ecDer))],
  ['SPKI DER as Rust {:x?}', `[${[...spkiDer].map((b) => b.toString(16)).join(', ')}]`],
  [
    'SPKI DER as Rust {:02X?}',
    `[${[...spkiDer].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(', ')}]`,
  ],
  ['SPKI DER as Node util.inspect(Buffer) (cut at 50 bytes)', inspect(spkiDer)],
  ['an EC SPKI DER as Node util.inspect(Buffer) (cut at 50)', inspect(ecDer)],
  ['an Ed25519 SPKI DER as Node util.inspect(Buffer)', inspect(edDer)],
  ['SPKI DER as Node util.inspect(Buffer), all of it', inspect(spkiDer, { maxArrayLength: null })],
  ['SPKI DER as a Python bytes repr', pyRepr(spkiDer)],
  ['an EC SPKI DER as a Python bytes repr', pyRepr(ecDer)],
  ['an Ed25519 SPKI DER as a Python bytes repr', pyRepr(edDer)],
  ['SPKI DER as a Python bytearray repr', `bytearray(${pyRepr(spkiDer)})`],
  ['SPKI DER as a Ruby String#inspect', rubyInspect(spkiDer)],
  ['SPKI DER as a C string with octal escapes', cOctal(spkiDer)],
  ['SPKI DER read as a latin1 string', spkiDer.toString('latin1')],
  ['an EC SPKI DER read as a binary string', ecDer.toString('binary')],
  ['an Ed25519 SPKI DER read as a latin1 string', edDer.toString('latin1')],
  ['SPKI DER read as a latin1 string, JSON-encoded', JSON.stringify(spkiDer.toString('latin1'))],
  ['SPKI DER in base64 with + as spaces (URL-decoded)', spkiB64.replace(/\+/g, ' ')],
  ['a PEM body with + as spaces', rsaBody.join('\n').replace(/\+/g, ' ')],
  ['openssl pkey -pubin -text output (RSA)', opensslRsaText()],
  [
    'openssl -text output (EC)',
    `Public-Key: (256 bit)\npub:\n    04:${[...ecDer.subarray(27)].map((b) => b.toString(16).padStart(2, '0')).join(':')}\nASN1 OID: prime256v1\nNIST CURVE: P-256\n`,
  ],
  [
    'openssl -text output (Ed25519)',
    `ED25519 Public-Key:\npub:\n    ${[...edDer.subarray(12)].map((b) => b.toString(16).padStart(2, '0')).join(':')}\n`,
  ],
]

// A focused outside attack on this promise: hex with other text around it, and rarer forms.
const rsaHex = spkiDer.toString('hex')
const ecHex = ecDer.toString('hex')
const edHex = edDer.toString('hex')
// Windows-1252's characters for the bytes 0x80-0x9f (five of them unassigned: kept as is).
const CP1252 =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178'
const cp1252 = (bytes: Buffer): string =>
  [...bytes]
    .map((b) => (b >= 0x80 && b <= 0x9f ? CP1252[b - 0x80] : String.fromCharCode(b)))
    .join('')
const rsaModulusDecimal = BigInt(
  `0x${Buffer.from(rsaJwk.n as string, 'base64url').toString('hex')}`,
).toString()
const ATTACK11_FORMS: [string, Material][] = [
  ['SPKI DER in hex as a whole .env line', `JWT_SECRET=${rsaHex}`],
  ['an EC SPKI DER in hex as a YAML line', `secret: ${ecHex}`],
  ['SPKI DER in hex as Postgres bytea text', `\\x${rsaHex}`],
  ['an Ed25519 SPKI DER in hex with a 0x prefix', `0x${edHex}`],
  ['an EC SPKI DER in hex with a 0x prefix', `0x${ecHex}`],
  ['SPKI DER in hex with a trailing ;', `${rsaHex};`],
  ['an EC SPKI DER in hex with a 0X prefix, quoted', `"0X${ecHex.toUpperCase()}"`],
  ['an Ed25519 SPKI DER as Postgres bytea text', `\\x${edHex}`],
  ['SPKI DER in hex with a hex: prefix', `hex:${rsaHex}`],
  ['SPKI DER in hex in Buffer.from(…, "hex")', `Buffer.from('${rsaHex}', 'hex')`],
  ['the hex of a PEM with a trailing comma', `${Buffer.from(rsaPem).toString('hex')},`],
  ['SPKI DER read as UTF-16LE text', spkiDer.toString('utf16le')],
  ['an EC SPKI DER read as Windows-1252 text', cp1252(ecDer)],
  ['SPKI DER read as Windows-1252 text', cp1252(spkiDer)],
  [
    'a Windows BCRYPT_RSAPUBLIC_BLOB',
    Buffer.concat([
      Buffer.from('RSA1'),
      Buffer.from([0, 8, 0, 0, 3, 0, 0, 0, 0, 1, 0, 0]),
      randomBytes(259),
    ]),
  ],
  [
    'a Windows CSP PUBLICKEYBLOB in base64',
    Buffer.concat([
      Buffer.from([6, 2, 0, 0, 0, 0xa4, 0, 0]),
      Buffer.from('RSA1'),
      Buffer.from([0, 8, 0, 0, 1, 0, 1, 0]),
      randomBytes(256),
    ]).toString('base64'),
  ],
  [
    'a Windows BCRYPT_ECCPUBLIC_BLOB (P-256)',
    Buffer.concat([Buffer.from('ECK1'), Buffer.from([32, 0, 0, 0]), randomBytes(64)]),
  ],
  [
    'a Java RSAPublicKey printed',
    `Sun RSA public key, 2048 bits\n  params: null\n  modulus: ${rsaModulusDecimal}\n  public exponent: 65537`,
  ],
  ['a Go *rsa.PublicKey printed', `&{N:${rsaModulusDecimal} E:65537}`],
  ['Python RSAPublicNumbers printed', `<RSAPublicNumbers(e=65537, n=${rsaModulusDecimal})>`],
]

const FORMS: [string, Material][] = [
  ...Object.entries(pairs).flatMap(([name, pair]) => encodings(name, pair)),
  ...TEXT_FORMS,
  ...ATTACK2_FORMS,
  ...DEEPER_FORMS,
  ...WRAPPED_FORMS,
  ...MANGLED_FORMS,
  ...ATTACK7_FORMS,
  ...ATTACK9_FORMS,
  ...ATTACK10_FORMS,
  ...ATTACK11_FORMS,
  ...SECRET_KEY_OBJECTS,
  ['X.509 certificate PEM string', CERTIFICATE_PEM],
  ['X.509 certificate DER bytes', CERTIFICATE_DER],
  [
    'PEM armour of any kind',
    `-----BEGIN SOMETHING-----\n${'A'.repeat(64)}\n-----END SOMETHING-----`,
  ],
]
// The forms whose bytes an attacker could MAC with (a KeyObject has no bytes of its own).
const BYTE_FORMS = FORMS.filter(
  (entry): entry is [string, string | Buffer] =>
    typeof entry[1] === 'string' || Buffer.isBuffer(entry[1]),
)

/** An HS256 token MACed with `material` as jsonwebtoken would: a string's UTF-8 bytes. */
function forge(material: string | Buffer, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000)
  return signJwt('HS256', material, { sub: 'mallory', iat: now, exp: now + 60, ...claims })
}

const invalidSecret = (option = 'secret') =>
  expect.objectContaining({ code: 'invalid_option', option }) as Error

const crashes = watchProcess()
afterAll(() => {
  crashes.stop()
  expect(crashes.errors).toEqual([])
})

describe('a public key as an HMAC secret', () => {
  it('controls: real secrets (random bytes, text, a secret KeyObject) still verify', async () => {
    for (const secret of [randomBytes(32), 'a text secret of well over thirty-two bytes']) {
      const verifier = createVerifier({ secret, algorithms: ['HS256'] })
      await expect(verifier.verify(forge(secret))).resolves.toMatchObject({
        claims: { sub: 'mallory' },
      })
    }
  })

  it.each(FORMS)('createVerifier refuses %s as `secret`', (_name, material) => {
    expect(() => createVerifier({ secret: material, algorithms: ['HS256'] })).toThrow(
      invalidSecret(),
    )
  })

  it.each(FORMS)('createGuard refuses %s as `secret`', (_name, material) => {
    expect(() => createGuard({ secret: material, algorithms: ['HS256'] })).toThrow(invalidSecret())
  })

  it.each(FORMS)('requireAuth refuses %s as `secret`', (_name, material) => {
    expect(() => requireAuth({ secret: material, algorithms: ['HS256'] })).toThrow(invalidSecret())
  })

  it.each(FORMS)('the drop-in refuses %s as `secret`', (_name, material) => {
    expect(() => authorize({ secret: material as string })).toThrow(invalidSecret())
  })

  it('the drop-in refuses `fs.readFileSync("public.pem")` (a Buffer) with HMAC algorithms', () => {
    const file = Buffer.from(pairs.RSA.publicKey.export({ type: 'spki', format: 'pem' }))
    expect(() => authorize({ secret: file, handshake: true })).toThrow(invalidSecret())
    // The same key with its own algorithm is what the app meant, and still works.
    expect(() => authorize({ secret: file, algorithms: ['RS256'] })).not.toThrow()
  })

  it.each(BYTE_FORMS)(
    'a getKey that returns %s for HS256 gives a coded refusal of the forged token',
    async (_name, material) => {
      const verifier = createVerifier({ getKey: () => material, algorithms: ['HS256'] })
      const error: unknown = await verifier.verify(forge(material)).catch((e: unknown) => e)
      expect(isAuthError(error)).toBe(true)
      expect((error as { code: string }).code).toBe('key_not_found')
    },
  )

  it.each(SECRET_KEY_OBJECTS)(
    'a getKey that returns %s for HS256 gives a coded refusal of the forged token',
    async (_name, key) => {
      const verifier = createVerifier({ getKey: () => key, algorithms: ['HS256'] })
      const error: unknown = await verifier.verify(forge(key.export())).catch((e: unknown) => e)
      expect(isAuthError(error)).toBe(true)
      expect((error as { code: string }).code).toBe('key_not_found')
    },
  )

  it('over a real socket: a guard whose getKey wraps the public PEM in createSecretKey refuses the forgery', async () => {
    const pem = pairs.RSA.publicKey.export({ type: 'spki', format: 'pem' }) as string
    const key = createSecretKey(Buffer.from(pem))
    await using server = await startServer({
      guard: { verifier: createVerifier({ getKey: () => key, algorithms: ['HS256'] }) },
    })
    const forged = forge(pem, { sub: 'admin' })
    await expectRefused(server.connect({ auth: { token: forged } }), 'key_not_found', forged)
    await using control = await startServer()
    await connected(control.connect({ auth: { token: control.issuer.sign() } }))
  })

  it('a getKey that throws or rejects (its database is down) is server_error, not key_not_found', async () => {
    const boom = new Error('db down')
    const throwing = createVerifier({
      getKey: () => {
        throw boom
      },
      algorithms: ['HS256'],
    })
    const rejecting = createVerifier({ getKey: () => Promise.reject(boom), algorithms: ['HS256'] })
    const token = forge('x'.repeat(32))
    for (const verifier of [throwing, rejecting]) {
      const error: unknown = await verifier.verify(token).catch((e: unknown) => e)
      expect(isAuthError(error)).toBe(true)
      expect(error).toMatchObject({ code: 'server_error' })
      expect((error as Error).message).not.toContain('db down')
    }
    // No key at all is still the token's problem.
    const none = createVerifier({ getKey: () => null as never, algorithms: ['HS256'] })
    await expect(none.verify(token)).rejects.toMatchObject({ code: 'key_not_found' })
    // An AuthError the lookup throws on purpose keeps its code.
    const deliberate = createVerifier({
      getKey: () => {
        throw new KeyError('keys_unavailable', 'tenant keys unavailable')
      },
      algorithms: ['HS256'],
    })
    await expect(deliberate.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
  })

  it('over a real socket: a guard whose getKey rejects refuses with server_error (the client retries)', async () => {
    await using server = await startServer({
      guard: {
        verifier: createVerifier({
          getKey: () => Promise.reject(new Error('db down')),
          algorithms: ['HS256'],
        }),
      },
    })
    const token = forge('x'.repeat(32))
    await expectRefused(server.connect({ auth: { token } }), 'server_error', token)
  })

  it('a getKey that returns a public KeyObject for HS256 gives a coded refusal', async () => {
    const verifier = createVerifier({ getKey: () => pairs.EC.publicKey, algorithms: ['HS256'] })
    await expect(verifier.verify(forge('x'.repeat(32)))).rejects.toMatchObject({
      code: 'key_not_found',
    })
  })

  it('over a real socket: the guard whose getKey returns a PEM public key refuses the forgery', async () => {
    const pem = pairs.RSA.publicKey.export({ type: 'spki', format: 'pem' }) as string
    await using server = await startServer({
      guard: {
        verifier: createVerifier({ getKey: () => Promise.resolve(pem), algorithms: ['HS256'] }),
      },
    })
    const forged = forge(pem)
    await expectRefused(server.connect({ auth: { token: forged } }), 'key_not_found', forged)
    // The server is still up: a control with a legitimate secret behind the same port works.
    await using control = await startServer()
    await connected(control.connect({ auth: { token: control.issuer.sign() } }))
  })

  it('the drop-in with a secret function that returns a public key: invalid_secret, no crash', async () => {
    const pem = Buffer.from(pairs.EC.publicKey.export({ type: 'spki', format: 'pem' }))
    const jwkText = JSON.stringify(pairs.Ed25519.publicKey.export({ format: 'jwk' }))
    const lookups: Material[] = [
      pem,
      jwkText,
      pairs.RSA.publicKey.export({ type: 'spki', format: 'der' }),
      // Issue 10, B1 and B2: a secret KeyObject of the PEM, a JWK set's text, an OpenSSH line.
      createSecretKey(pem),
      JSON.stringify({ keys: [rsaJwk] }),
      openSshLine(pairs.RSA),
    ]
    let next = 0
    const authenticated: Socket[] = []
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.on(
          'connection',
          authorize({
            secret: ((_request, _payload, callback) => {
              callback(null, lookups[next++ % lookups.length])
            }) satisfies SecretFunction,
          }),
        )
        io.on('authenticated' as never, (socket: Socket) => {
          authenticated.push(socket)
        })
      },
    })
    for (const material of lookups) {
      const client = server.connect()
      await nextEvent(client, 'connect')
      const token = forge(
        typeof material === 'string' || Buffer.isBuffer(material) ? material : material.export(),
      )
      const refused = nextEvent<UnauthorizedPayload>(client, 'unauthorized')
      client.emit('authenticate', { token })
      const payload = await refused
      expect(payload).toEqual({
        message: 'invalid secret',
        inner: { message: 'invalid secret' },
        data: { message: 'invalid secret', code: 'invalid_secret', type: 'UnauthorizedError' },
      })
      expect(JSON.stringify(payload)).not.toContain(token.split('.')[2])
    }
    expect(authenticated).toEqual([])
  })
})
