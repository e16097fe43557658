// `sockguard token`: the claims and header it mints, checked by jose (an independent
// implementation) for every algorithm, and the mistakes it refuses as usage errors.
import { constants, createSecretKey, generateKeyPairSync, verify } from 'node:crypto'
import {
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  jwtVerify,
  type JWK,
} from 'jose'
import { describe, expect, it } from 'vitest'
import { ASYMMETRIC_ALGORITHMS, HMAC_ALGORITHMS } from '../../../src/jws/algorithms.js'
import { cli, mint, printedJwk, tempDir } from './support.js'

const NOW = 1_900_000_000_000
const now = (): number => NOW
const SECRET64 = 'x'.repeat(64)

describe('sockguard token: claims and header', () => {
  it('sets sub, iat, exp (5 minutes), a random jti and typ JWT by default', async () => {
    const token = await mint(['--secret', SECRET64], { now })
    const token2 = await mint(['--secret', SECRET64], { now })
    const claims = decodeJwt(token)
    expect(claims).toEqual({
      sub: 'dev-user',
      iat: NOW / 1000,
      exp: NOW / 1000 + 300,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
    })
    expect(decodeJwt(token2).jti).not.toBe(claims.jti)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' })
  })

  it('takes every claim flag', async () => {
    const token = await mint(
      [
        '--secret',
        SECRET64,
        '--sub=alice',
        '--scope',
        'chat admin',
        '--scope',
        'billing',
        '--aud',
        'api',
        '--aud',
        'chat',
        '--iss',
        'https://dev.example',
        '--jti',
        'id-1',
        '--nbf',
        '1m',
        '--ttl',
        '2h',
        '--kid',
        'k1',
        '--typ',
        'at+jwt',
        '--claim',
        'admin=true',
        '--claim',
        'rooms=["lobby","ops"]',
        '--claim',
        'team=blue=green',
        '--claim',
        'n=3',
      ],
      { now },
    )
    expect(decodeJwt(token)).toEqual({
      iss: 'https://dev.example',
      sub: 'alice',
      aud: ['api', 'chat'],
      scope: 'chat admin billing',
      iat: NOW / 1000,
      nbf: NOW / 1000 + 60,
      exp: NOW / 1000 + 7200,
      jti: 'id-1',
      admin: true,
      rooms: ['lobby', 'ops'],
      team: 'blue=green',
      n: 3,
    })
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: 'k1' })
  })

  it.each([
    ['90', 90],
    ['90s', 90],
    ['5m', 300],
    ['2h', 7200],
    ['1d', 86_400],
  ])('reads --ttl %s as %i seconds', async (ttl, seconds) => {
    const claims = decodeJwt(await mint(['--secret', SECRET64, '--ttl', ttl], { now }))
    expect(claims.exp! - claims.iat!).toBe(seconds)
  })

  it('gives a single --aud as a string', async () => {
    expect(decodeJwt(await mint(['--secret', SECRET64, '--aud', 'api'])).aud).toBe('api')
  })
})

describe('sockguard token: signatures jose accepts', () => {
  it.each(HMAC_ALGORITHMS)('signs %s with a secret', async (alg) => {
    const token = await mint(['--secret-env', 'S', '--alg', alg], { env: { S: SECRET64 } })
    const { protectedHeader } = await jwtVerify(token, createSecretKey(Buffer.from(SECRET64)), {
      algorithms: [alg],
    })
    expect(protectedHeader.alg).toBe(alg)
  })

  it.each(ASYMMETRIC_ALGORITHMS)(
    'signs %s with a generated key whose public JWK (thumbprint kid) it prints',
    async (alg) => {
      const result = await cli(['token', '--alg', alg])
      expect(result.code).toBe(0)
      const token = result.stdout.trim()
      expect(result.stdout).toBe(`${token}\n`)
      const jwk = printedJwk(result.stderr) as JWK
      expect(jwk).toMatchObject({ alg, use: 'sig' })
      expect(jwk).not.toHaveProperty('d')
      expect(jwk.kid).toBe(await calculateJwkThumbprint(jwk))
      expect(result.stderr).toContain('-----BEGIN PUBLIC KEY-----')
      expect(result.stderr).not.toContain('PRIVATE KEY')
      const { protectedHeader } = await jwtVerify(token, await importJWK(jwk, alg), {
        algorithms: [alg],
      })
      expect(protectedHeader).toEqual({ alg, typ: 'JWT', kid: jwk.kid })
    },
  )

  it('signs with a PEM or JWK private key file, the algorithm taken from the key', async () => {
    await using dir = await tempDir()
    const cases = [
      { pair: generateKeyPairSync('rsa', { modulusLength: 2048 }), alg: 'RS256' },
      { pair: generateKeyPairSync('rsa-pss', { modulusLength: 2048 }), alg: 'PS256' },
      { pair: generateKeyPairSync('ec', { namedCurve: 'P-384' }), alg: 'ES384' },
      { pair: generateKeyPairSync('ec', { namedCurve: 'P-521' }), alg: 'ES512' },
      { pair: generateKeyPairSync('ed25519'), alg: 'EdDSA' },
    ]
    for (const [i, { pair, alg }] of cases.entries()) {
      const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
      const files = [await dir.write(`k${i}.pem`, pem)]
      // node:crypto cannot export RSA-PSS keys as JWK.
      if (alg !== 'PS256') {
        const jwk = JSON.stringify(pair.privateKey.export({ format: 'jwk' }))
        files.push(await dir.write(`k${i}.json`, jwk))
      }
      for (const file of files) {
        const result = await cli(['token', '--key', file])
        expect(result.stderr).toBe('')
        const token = result.stdout.trim()
        expect(decodeProtectedHeader(token).alg).toBe(alg)
        // jose takes no RSA-PSS KeyObject (nor does sockguard's importPublicKey, which exports
        // it as a JWK): node:crypto checks that one.
        if (pair.publicKey.asymmetricKeyType === 'rsa-pss') {
          const [h, p, sig] = token.split('.') as [string, string, string]
          const valid = verify(
            'sha256',
            Buffer.from(`${h}.${p}`),
            {
              key: pair.publicKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            },
            Buffer.from(sig, 'base64url'),
          )
          expect(valid).toBe(true)
        } else {
          await expect(jwtVerify(token, pair.publicKey)).resolves.toBeDefined()
        }
      }
    }
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const file = await dir.write(
      'rsa.pem',
      rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    )
    const token = await mint(['--key', file, '--alg', 'PS512', '--kid', 'r1'])
    const { protectedHeader } = await jwtVerify(token, rsa.publicKey, { algorithms: ['PS512'] })
    expect(protectedHeader).toEqual({ alg: 'PS512', typ: 'JWT', kid: 'r1' })
  })
})

describe('sockguard token: usage errors', () => {
  async function refused(argv: readonly string[], flag: string, env = {}) {
    await using dir = await tempDir()
    const args = argv.map((a) => a.replace('$DIR', dir.path))
    const result = await cli(['token', ...args], { env })
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^sockguard token: /)
    expect(result.stderr.split('\n')[0]).toContain(flag)
    expect(result.code).toBe(2)
    return result.stderr
  }

  it('refuses unknown flags and flags without a value', async () => {
    await refused(['--secret', SECRET64, '--subject', 'alice'], '--subject')
    await refused(['--secret', SECRET64, '--sub'], '--sub')
    await refused(['--secret', SECRET64, '--ttl', '--sub', 'x'], '--ttl')
  })

  it('refuses a secret shorter than the algorithm needs, without echoing it', async () => {
    const short = 'short-secret-31-bytes-long.....'
    expect(await refused(['--secret', short], '--secret')).not.toContain(short)
    await refused(['--secret-env', 'S', '--alg', 'HS384'], '--secret-env', { S: 'y'.repeat(47) })
    await refused(['--secret-env', 'MISSING'], '--secret-env')
  })

  it('refuses two key sources, mismatched algorithms and unsupported ones', async () => {
    await refused(['--secret', SECRET64, '--key', 'k.pem'], '--key')
    await refused(['--secret', SECRET64, '--alg', 'RS256'], '--alg')
    await refused(['--alg', 'HS256'], '--alg')
    await refused(['--alg', 'none'], '--alg')
    await refused(['--alg', 'hs256', '--secret', SECRET64], '--alg')
  })

  it('refuses key files that are missing, public, or too weak', async () => {
    await using dir = await tempDir()
    await refused(['--key', '$DIR/nope.pem'], '--key')
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const pub = await dir.write('pub.pem', ec.publicKey.export({ type: 'spki', format: 'pem' }))
    await refused(['--key', pub], '--key')
    const priv = await dir.write('ec.pem', ec.privateKey.export({ type: 'pkcs8', format: 'pem' }))
    await refused(['--key', priv, '--alg', 'ES384'], '--alg')
    await refused(['--key', priv, '--alg', 'RS256'], '--alg')
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const weak = await dir.write(
      'weak.pem',
      small.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    )
    expect(await refused(['--key', weak], '--key')).toContain('2048')
  })

  it('refuses bad durations, claims set twice, empty values and arguments', async () => {
    for (const ttl of ['0', '-5', '5w', '1.5h', 'soon', '99999999999d']) {
      await refused(['--secret', SECRET64, `--ttl=${ttl}`], '--ttl')
    }
    await refused(['--secret', SECRET64, '--nbf', 'x'], '--nbf')
    expect(await refused(['--secret', SECRET64, '--claim', 'sub=bob'], '--claim')).toContain(
      '--sub',
    )
    expect(await refused(['--secret', SECRET64, '--claim', 'exp=1'], '--claim')).toContain('--ttl')
    await refused(['--secret', SECRET64, '--claim', 'novalue'], '--claim')
    await refused(['--secret', SECRET64, '--claim', '=x'], '--claim')
    await refused(['--secret', SECRET64, '--sub', ''], '--sub')
    const stderr = await refused(
      ['--secret', SECRET64, 'eyJhbGciOiJIUzI1NiJ9.e30.sig'],
      'arguments',
    )
    expect(stderr).not.toContain('eyJ')
  })

  it('prints its help on --help and -h, even next to other flags', async () => {
    for (const argv of [['--help'], ['-h'], ['--secret', 'x', '-h'], ['--bogus', '--help']]) {
      const result = await cli(['token', ...argv])
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^Usage: sockguard token/)
      for (const flag of ['--secret-env', '--key', '--ttl', '--claim', '--alg', '--kid']) {
        expect(result.stdout).toContain(flag)
      }
    }
  })
})
