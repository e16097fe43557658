// The shared test signer against an independent implementation (jose): a token it signs for each
// algorithm verifies, so a test that expects a refusal is refused for what it forged, not for a
// signer bug; and a forged header is kept byte for byte.
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { compactVerify, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import {
  b64json,
  ecSigner,
  forge,
  hmacSigner,
  signJwt,
  unsignedJwt,
  type SigningAlg,
} from '../../support/sign.js'

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const pairs: Record<string, { privateKey: KeyObject; publicKey: KeyObject }> = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  ES384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ES512: generateKeyPairSync('ec', { namedCurve: 'P-521' }),
  EdDSA: generateKeyPairSync('ed25519'),
}
const secret = randomBytes(64)

describe('signJwt', () => {
  it.each<SigningAlg>(['HS256', 'HS384', 'HS512'])('%s verifies with jose', async (alg) => {
    const token = signJwt(alg, secret, { sub: 'alice' }, { kid: 'k' })
    const { protectedHeader, payload } = await compactVerify(token, secret)
    expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: 'k' })
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ sub: 'alice' })
  })

  it.each<SigningAlg>(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'])(
    '%s verifies with jose',
    async (alg) => {
      const token = signJwt(alg, rsa.privateKey, { sub: 'alice' })
      await expect(compactVerify(token, rsa.publicKey)).resolves.toBeDefined()
    },
  )

  it.each<SigningAlg>(['ES256', 'ES384', 'ES512', 'EdDSA'])(
    '%s verifies with jose',
    async (alg) => {
      const { privateKey, publicKey } = pairs[alg]!
      await expect(
        compactVerify(signJwt(alg, privateKey, { sub: 'a' }), publicKey),
      ).resolves.toBeDefined()
    },
  )

  it('refuses a string or bytes as the key of an asymmetric algorithm', () => {
    expect(() => signJwt('RS256', 'not a key', {})).toThrow(TypeError)
  })
})

describe('forge', () => {
  it('keeps a raw header and payload byte for byte, and signs over them', () => {
    const token = forge(
      '{"alg":"HS256","alg":"none"}',
      Buffer.from([0xff, 0xfe]),
      hmacSigner(secret),
    )
    const [header, payload, signature] = token.split('.')
    expect(Buffer.from(header!, 'base64url').toString()).toBe('{"alg":"HS256","alg":"none"}')
    expect(Buffer.from(payload!, 'base64url')).toEqual(Buffer.from([0xff, 0xfe]))
    expect(signature).toBe(hmacSigner(secret)(`${header}.${payload}`).toString('base64url'))
  })

  it('signs ECDSA as R || S (64 bytes for P-256), or as DER on request', () => {
    const { privateKey } = pairs.ES256!
    expect(ecSigner(privateKey)('x')).toHaveLength(64)
    expect(ecSigner(privateKey, 'sha256', true)('x')[0]).toBe(0x30) // a DER SEQUENCE
  })

  it('makes unsigned tokens with an empty signature', () => {
    const token = unsignedJwt({ sub: 'a' })
    expect(token.endsWith('.')).toBe(true)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'none', typ: 'JWT' })
    expect(token.split('.')[1]).toBe(b64json({ sub: 'a' }))
  })
})
