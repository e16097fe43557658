import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { importJwk, importPublicKey, importSecret } from '../../../src/keys/import-key.js'
import { importLocalKeySet } from '../../../src/keys/local-key-set.js'
import { selectKey } from '../../../src/keys/key-source.js'
import { isRocaModulus } from '../../../src/keys/roca.js'
import { createVerifier } from '../../../src/verifier/create-verifier.js'
import type { Algorithm } from '../../../src/jws/algorithms.js'
import { signJwt } from '../../support/sign.js'

const ctx = (algorithms?: Algorithm[], option = 'publicKey') => ({ option, algorithms })
const jwkOf = (key: KeyObject) =>
  key.export({ format: 'jwk' }) as Record<string, unknown> & { kty: string }
const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 })
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const ed25519 = generateKeyPairSync('ed25519')

function refused(run: () => unknown, option: string): void {
  expect(run).toThrow(expect.objectContaining({ code: 'invalid_option', option }) as Error)
}

describe('importSecret', () => {
  it('accepts a secret as long as the hash output, from a string or bytes', () => {
    expect(importSecret('x'.repeat(32), ctx(['HS256'], 'secret')).algorithms).toEqual(
      new Set(['HS256']),
    )
    expect(importSecret(randomBytes(64), ctx(['HS256', 'HS512'], 'secret')).kind).toBe('secret')
  })

  it('refuses empty and short secrets for the longest configured hash (RFC 7518 §3.2)', () => {
    refused(() => importSecret('', ctx(['HS256'], 'secret')), 'secret')
    refused(() => importSecret(randomBytes(31), ctx(['HS256'], 'secret')), 'secret')
    refused(() => importSecret(randomBytes(48), ctx(['HS256', 'HS512'], 'secret')), 'secret')
    refused(() => importSecret(42, ctx(['HS256'], 'secret')), 'secret')
  })
})

describe('importPublicKey', () => {
  it('reads SPKI and PKCS#1 PEM, JWK and KeyObject forms', () => {
    const spki = rsa2048.publicKey.export({ type: 'spki', format: 'pem' }) as string
    const pkcs1 = rsa2048.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string
    for (const input of [spki, pkcs1, jwkOf(rsa2048.publicKey), rsa2048.publicKey]) {
      const key = importPublicKey(input, ctx(['RS256', 'PS256']))
      expect(key.algorithms).toEqual(new Set(['RS256', 'PS256']))
      expect(key.signatureBytes).toBe(256)
    }
  })

  it('refuses private keys in every form', () => {
    const pem = rsa2048.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    refused(() => importPublicKey(pem, ctx(['RS256'])), 'publicKey')
    refused(() => importPublicKey(rsa2048.privateKey, ctx(['RS256'])), 'publicKey')
    refused(() => importPublicKey(jwkOf(p256.privateKey), ctx(['ES256'])), 'publicKey')
  })

  it('refuses strings that are not PEM instead of guessing their format', () => {
    refused(() => importPublicKey('c2VjcmV0', ctx(['RS256'])), 'publicKey')
    refused(
      () =>
        importPublicKey(
          '-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----',
          ctx(['RS256']),
        ),
      'publicKey',
    )
  })

  it('refuses RSA keys under 2048 bits and unsafe exponents', () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
    refused(() => importPublicKey(small.publicKey, ctx(['RS256'])), 'publicKey')
    refused(
      () => importPublicKey({ ...jwkOf(rsa2048.publicKey), e: 'AQ' }, ctx(['RS256'])),
      'publicKey',
    )
  })

  it('reads RSA-PSS keys (which Node cannot export as JWK) and checks them like RSA keys', async () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 })
    const imported = importPublicKey(pss.publicKey, ctx(['PS256']))
    expect(imported).toMatchObject({ kind: 'rsa-pss', signatureBytes: 256 })
    const token = signJwt('PS256', pss.privateKey, {
      sub: 'a',
      exp: Math.floor(Date.now() / 1000) + 60,
    })
    const verifier = createVerifier({ publicKey: pss.publicKey, algorithms: ['PS256'] })
    await expect(verifier.verify(token)).resolves.toMatchObject({
      claims: { sub: 'a' },
    })
    const small = generateKeyPairSync('rsa-pss', { modulusLength: 1024 })
    refused(() => importPublicKey(small.publicKey, ctx(['PS256'])), 'publicKey')
  })

  it('binds EC keys to the algorithm of their curve', () => {
    expect(importPublicKey(p256.publicKey, ctx(['ES256', 'ES384'])).algorithms).toEqual(
      new Set(['ES256']),
    )
    refused(() => importPublicKey(p384.publicKey, ctx(['ES256'])), 'publicKey')
    refused(() => importPublicKey(p384.publicKey, ctx(['RS256'])), 'publicKey')
  })

  it('takes Ed25519 for EdDSA and refuses key types without a JWS algorithm here', () => {
    expect(importPublicKey(ed25519.publicKey, ctx(['EdDSA'])).algorithms).toEqual(
      new Set(['EdDSA']),
    )
    refused(
      () => importPublicKey(generateKeyPairSync('ed448').publicKey, ctx(['EdDSA'])),
      'publicKey',
    )
    refused(
      () => importPublicKey(generateKeyPairSync('x25519').publicKey, ctx(['EdDSA'])),
      'publicKey',
    )
  })
})

describe('importJwk', () => {
  const ec = { ...jwkOf(p256.publicKey), kid: 'k1' }

  it('lets a JWK pin its algorithm, and needs `algorithms` when it does not', () => {
    expect(importJwk({ ...ec, alg: 'ES256' }, ctx(undefined)).algorithms).toEqual(
      new Set(['ES256']),
    )
    refused(() => importJwk(ec, ctx(undefined)), 'algorithms')
    refused(() => importJwk({ ...ec, alg: 'ES256' }, ctx(['RS256'])), 'publicKey.alg')
    refused(() => importJwk({ ...ec, alg: 'ES384' }, ctx(undefined)), 'publicKey.alg')
  })

  it('refuses keys not meant for verification', () => {
    refused(() => importJwk({ ...ec, use: 'enc' }, ctx(['ES256'])), 'publicKey.use')
    refused(() => importJwk({ ...ec, key_ops: ['encrypt'] }, ctx(['ES256'])), 'publicKey.key_ops')
    refused(() => importJwk({ ...ec, key_ops: 'verify' }, ctx(['ES256'])), 'publicKey.key_ops')
    refused(() => importJwk({ ...ec, alg: 'ECDH-ES' }, ctx(['ES256'])), 'publicKey.alg')
    refused(
      () => importJwk({ kty: 'oct', k: 'AAAA', alg: 'A128GCM' }, ctx(['HS256'])),
      'publicKey.alg',
    )
    expect(importJwk({ ...ec, use: 'sig', key_ops: ['verify'] }, ctx(['ES256'])).kid).toBe('k1')
  })

  it('refuses malformed members', () => {
    refused(() => importJwk({ ...ec, kid: '' }, ctx(['ES256'])), 'publicKey.kid')
    refused(() => importJwk({ ...ec, kid: 7 }, ctx(['ES256'])), 'publicKey.kid')
    refused(() => importJwk({ ...ec, kty: 'XYZ' }, ctx(['ES256'])), 'publicKey.kty')
    refused(() => importJwk({ ...ec, x: 'AAAA' }, ctx(['ES256'])), 'publicKey')
    refused(
      () =>
        importJwk(
          { kty: 'oct', k: `${createSecretKey(randomBytes(32)).export().toString('base64url')}=` },
          ctx(['HS256']),
        ),
      'publicKey.k',
    )
    refused(() => importJwk('{"kty":"EC"}', ctx(['ES256'])), 'publicKey')
  })
})

describe('ROCA', () => {
  it('recognises the fingerprint and passes ordinary moduli', () => {
    // 65537^k is in the subgroup generated by 65537 modulo every prime: the ROCA fingerprint.
    expect(isRocaModulus(65537n ** 40n)).toBe(true)
    const n = BigInt(
      `0x${Buffer.from(String(jwkOf(rsa2048.publicKey).n), 'base64url').toString('hex')}`,
    )
    expect(isRocaModulus(n)).toBe(false)
  })
})

describe('importLocalKeySet', () => {
  const a = { ...jwkOf(p256.publicKey), kid: 'a', alg: 'ES256' }
  const b = {
    ...jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
    kid: 'b',
    alg: 'ES256',
  }

  it('indexes keys by kid and refuses repeated kids, empty and mixed sets', () => {
    const { index } = importLocalKeySet({ keys: [a, b] }, undefined)
    expect(selectKey(index, 'ES256', 'b').kid).toBe('b')
    refused(
      () => importLocalKeySet({ keys: [a, { ...b, kid: 'a' }] }, undefined),
      'jwks.keys[1].kid',
    )
    refused(() => importLocalKeySet({ keys: [] }, undefined), 'jwks.keys')
    refused(() => importLocalKeySet([a], undefined), 'jwks')
    const secret = { kty: 'oct', k: randomBytes(32).toString('base64url'), alg: 'HS256', kid: 's' }
    refused(() => importLocalKeySet({ keys: [a, secret] }, undefined), 'jwks')
  })

  it('selects by exact kid, refuses the wrong algorithm for a key, and ambiguity without kid', () => {
    const { index } = importLocalKeySet({ keys: [a, b] }, undefined)
    expect(() => selectKey(index, 'ES256', 'c')).toThrow(
      expect.objectContaining({ code: 'key_not_found', kid: 'c' }) as Error,
    )
    expect(() => selectKey(index, 'ES256', undefined)).toThrow(
      expect.objectContaining({ code: 'key_not_found' }) as Error,
    )
    const single = importLocalKeySet({ keys: [a] }, undefined).index
    expect(selectKey(single, 'ES256', undefined).kid).toBe('a')
    const rsa = importLocalKeySet(
      { keys: [{ ...jwkOf(rsa2048.publicKey), kid: 'r', alg: 'RS256' }] },
      undefined,
    )
    expect(() => selectKey(rsa.index, 'PS256', 'r')).toThrow(
      expect.objectContaining({ code: 'token_invalid' }) as Error,
    )
  })
})

describe('importSecret and asymmetric key material', () => {
  it('never mistakes random secrets (bytes, base64, base64url, hex) for key material', () => {
    for (let i = 0; i < 500; i++) {
      const bytes = randomBytes(32 + (i % 33))
      const encoded = [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')]
      for (const secret of [bytes, ...encoded, Buffer.from(encoded[0] as string)]) {
        expect(importSecret(secret, ctx(['HS256'], 'secret')).kind).toBe('secret')
      }
    }
  })

  it('never mistakes random secrets in quotes, escapes, entities, 0x words or JSON arrays for key material', () => {
    const uEscape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(32 + (i % 33))
      const base64 = bytes.toString('base64')
      const lines = base64.match(/.{1,16}/g) ?? []
      const shapes = [
        `"${base64}"`,
        `'${bytes.toString('hex')}'`,
        `\`${bytes.toString('base64url')}\``,
        JSON.stringify(lines),
        lines.map((line) => `"${line}"`).join(' +\n  '),
        `(${lines.map((line) => `"${line}"`).join(' ')})`,
        base64.replace(/[+/]/g, uEscape),
        base64.replace(/[\s\S]/g, uEscape),
        base64.replace(/\+/g, '&#43;').replace(/\//g, '&#x2F;').replace(/=/g, '&#61;'),
        `${base64}&amp;&lt;&gt;&quot;`,
        [...bytes].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(', '),
        `{${[...bytes].map((b) => `(byte)0X${b.toString(16)}`).join(',')}}`,
        `word\n${base64}`,
        `BEGIN SECRET\n${base64}\nEND SECRET`,
        `it's "a ${base64}" secret with 'quotes' and 0x${bytes.toString('hex', 0, 4)} words`,
      ]
      for (const secret of shapes)
        expect(importSecret(secret, ctx(['HS256'], 'secret')).kind).toBe('secret')
    }
  })

  it('never mistakes random secrets printed as number lists, escaped strings or latin1 text for key material', () => {
    const printable = (b: number): string =>
      b >= 32 && b < 127 && b !== 39 && b !== 92 ? String.fromCharCode(b) : `\\x${b.toString(16)}`
    for (let i = 0; i < 100; i++) {
      const bytes = randomBytes(32 + (i % 97))
      const dec = [...bytes]
      const signed = dec.map((b) => (b > 127 ? b - 256 : b))
      const shapes = [
        `[${signed.join(', ')}]`,
        `[${dec.join(' ')}]`,
        `new byte[] {${signed.join(', ')}}`,
        `<<${dec.join(',')}>>`,
        `Uint8Array(${dec.length}) [ ${dec.join(', ')} ]`,
        JSON.stringify(Object.fromEntries(dec.map((b, j) => [j, b]))),
        `array (\n${dec.map((b, j) => `  ${j + 1} => ${b},`).join('\n')}\n)`,
        `[${dec.map((b) => b.toString(16)).join(', ')}]`,
        `<Buffer ${dec.map((b) => b.toString(16).padStart(2, '0')).join(' ')}>`,
        `b'${dec.map(printable).join('')}'`,
        `"${dec.map((b) => (b >= 32 && b < 127 && b !== 34 && b !== 92 ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`)).join('')}"`,
        bytes.toString('latin1'),
        Buffer.from(bytes.toString('latin1'), 'utf8'),
        bytes.toString('base64').replace(/\+/g, ' '),
        // Random printable text with backslashes and numbers in it.
        [...randomBytes(80)].map((b) => '\\x0123456789 ,abcdefnrt"\''.charAt(b % 25)).join(''),
        `Modulus: ${bytes.toString('hex')} Exponent: 3`,
      ]
      for (const secret of shapes)
        expect(importSecret(secret, ctx(['HS256'], 'secret')).kind).toBe('secret')
    }
  })

  it('never takes random bytes for the start of a DER key (the algorithm marker)', () => {
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(32 + (i % 97))
      expect(importSecret(bytes, ctx(['HS256'], 'secret')).kind).toBe('secret')
    }
  })

  it('never mistakes long random secrets in base64 or hex (up to 512 bytes) for an RSA modulus', () => {
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(256 + (i % 257))
      for (const secret of [bytes, bytes.toString('base64'), bytes.toString('hex')]) {
        expect(importSecret(secret, ctx(['HS256'], 'secret')).kind).toBe('secret')
      }
    }
  })

  it('text secrets that are JSON strings, hold dashes or mention ssh are still secrets', () => {
    for (const secret of [
      JSON.stringify('a quoted text secret of well over 32 bytes'),
      JSON.stringify({ note: 'not a key', values: [1, 2, 3], more: 'padding padding' }),
      '---- a secret with dashes, well over thirty-two bytes ----',
      'my ssh-rsa passphrase is long enough to be a secret',
    ])
      expect(importSecret(secret, ctx(['HS256'], 'secret')).kind).toBe('secret')
  })

  it('raw key components cannot be told from random bytes, and are not refused (documented)', () => {
    // docs/security.md item 1: a 32-byte Ed25519 `x` is a valid random HS256 secret; the defence
    // is keeping public keys out of secret configuration.
    const x = Buffer.from(
      generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string,
      'base64url',
    )
    expect(importSecret(x, ctx(['HS256'], 'secret')).kind).toBe('secret')
  })

  it('refuses a JWK set "oct" key whose bytes are a public key', () => {
    const der = p256.publicKey.export({ type: 'spki', format: 'der' })
    refused(
      () => importJwk({ kty: 'oct', k: der.toString('base64url') }, ctx(['HS256'], 'jwks.keys[0]')),
      'jwks.keys[0].k',
    )
  })

  it('accepts a secret KeyObject and refuses public and private ones', () => {
    const secret = createSecretKey(randomBytes(32))
    expect(importSecret(secret, ctx(['HS256'], 'secret')).kind).toBe('secret')
    refused(() => importSecret(ed25519.publicKey, ctx(['HS256'], 'secret')), 'secret')
    refused(() => importSecret(ed25519.privateKey, ctx(['HS256'], 'secret')), 'secret')
  })
})
