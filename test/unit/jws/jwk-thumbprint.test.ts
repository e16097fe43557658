// The one RFC 7638 implementation (CLI generated keys, the reference server's issuer), held to
// jose's calculateJwkThumbprint for every key type it supports.
import { generateKeyPairSync } from 'node:crypto'
import { calculateJwkThumbprint } from 'jose'
import { describe, expect, it } from 'vitest'
import { jwkThumbprint } from '../../../src/jws/jwk-thumbprint.js'

describe('jwkThumbprint', () => {
  it.each([
    ['EC P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
    ['EC P-521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    ['OKP Ed25519', () => generateKeyPairSync('ed25519')],
    ['RSA', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ])('agrees with jose for %s, whatever else the JWK carries', async (_, generate) => {
    const jwk = { ...generate().publicKey.export({ format: 'jwk' }), alg: 'x', use: 'sig' }
    expect(jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk as never))
  })

  it('refuses a key type RFC 7638 gives no members for rather than hashing "{}"', () => {
    expect(() => jwkThumbprint({ kty: 'oct', k: 'c2VjcmV0' })).toThrow(TypeError)
  })
})
