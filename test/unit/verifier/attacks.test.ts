// The attack catalog: each known way of getting a forged or ambiguous JWT past a verifier, and the
// exact AuthError code sockguard answers with. Keys are generated at run time.
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  AuthError,
  ClaimInvalidError,
  createVerifier,
  isAuthError,
  type AuthErrorCode,
  type PublicJwk,
  type Verifier,
} from '../../../src/index.js'
import { p1363ToDer } from '../../support/differential.js'
import {
  b64json as json,
  b64url,
  ecSigner,
  forge,
  forgeSegments as signSegments,
  hmacSigner,
  rsaSigner,
  type Segment,
  type Signer,
} from '../../support/sign.js'

const NOW_S = 1_700_000_000
const now = (): number => NOW_S * 1000
const CLAIMS = { sub: 'alice', iat: NOW_S - 10, exp: NOW_S + 3600 }

const secret = randomBytes(32)
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' })

const hs256 = hmacSigner(secret)
const rs256 = rsaSigner(rsa.privateKey)
const es256 = ecSigner(ec.privateKey)

/** A compact JWS of `header` and `payload` (objects are JSON-encoded, strings and bytes raw). */
function token(header: Segment, payload: Segment = CLAIMS, signer: Signer = hs256): string {
  return forge(header, payload, signer)
}

/** The AuthError `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'the verifier must reject').toBeInstanceOf(AuthError)
  return error as AuthError
}

async function expectCode(
  verifier: Verifier,
  jwt: string,
  code: AuthErrorCode,
  claim?: string,
): Promise<AuthError> {
  const error = await rejection(verifier.verify(jwt))
  expect(error.code).toBe(code)
  if (claim !== undefined) expect(error.claim).toBe(claim)
  return error
}

const publicJwk = (key: KeyObject): PublicJwk => key.export({ format: 'jwk' }) as PublicJwk
const rsaJwk = { ...publicJwk(rsa.publicKey), kid: 'rsa-1', alg: 'RS256' }
const ecJwk = { ...publicJwk(ec.publicKey), kid: 'ec-1', alg: 'ES256' }

const hsVerifier = createVerifier({ secret, algorithms: ['HS256'], now })
const rsVerifier = createVerifier({ publicKey: rsa.publicKey, algorithms: ['RS256'], now })
const esVerifier = createVerifier({ publicKey: ec.publicKey, algorithms: ['ES256'], now })
const jwksVerifier = createVerifier({ jwks: { keys: [rsaJwk, ecJwk] }, now })

describe('sanity: the untampered tokens verify', () => {
  it.each([
    ['HS256', hsVerifier, token({ alg: 'HS256' })],
    ['RS256', rsVerifier, token({ alg: 'RS256' }, CLAIMS, rs256)],
    ['ES256', esVerifier, token({ alg: 'ES256' }, CLAIMS, es256)],
    ['jwks RS256', jwksVerifier, token({ alg: 'RS256', kid: 'rsa-1' }, CLAIMS, rs256)],
    ['jwks ES256', jwksVerifier, token({ alg: 'ES256', kid: 'ec-1' }, CLAIMS, es256)],
  ])('%s', async (_name, verifier, jwt) => {
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ claims: CLAIMS })
  })
})

describe('alg "none"', () => {
  const casings = ['none', 'None', 'NONE', 'nOnE']
  const cases = casings.flatMap((alg) => {
    const unsigned = `${json({ alg, typ: 'JWT' })}.${json(CLAIMS)}`
    return [
      [alg, 'no signature', `${unsigned}.`],
      [alg, 'an HMAC signature', `${unsigned}.${b64url(hs256(unsigned))}`],
      [alg, 'an RSA signature', `${unsigned}.${b64url(rs256(unsigned))}`],
    ] as const
  })
  it.each(cases)('%s with %s -> token_invalid', async (_alg, _what, jwt) => {
    for (const verifier of [hsVerifier, rsVerifier, esVerifier, jwksVerifier]) {
      await expectCode(verifier, jwt, 'token_invalid')
    }
  })

  it('none without the trailing dot -> token_malformed', async () => {
    await expectCode(hsVerifier, `${json({ alg: 'none' })}.${json(CLAIMS)}`, 'token_malformed')
  })

  it('cannot be configured in any casing', () => {
    for (const alg of casings) {
      expect(() => createVerifier({ secret, algorithms: [alg as 'HS256'], now })).toThrow(
        expect.objectContaining({ code: 'invalid_option', option: 'algorithms' }),
      )
    }
  })
})

describe('algorithm confusion: public key used as an HMAC secret', () => {
  const rsaPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string
  const rsaPkcs1 = rsa.publicKey.export({ format: 'pem', type: 'pkcs1' })
  const ecPem = ec.publicKey.export({ format: 'pem', type: 'spki' })
  const { e, kty, n } = rsa.publicKey.export({ format: 'jwk' })
  const secrets: [string, string | Buffer][] = [
    ['the RSA SPKI PEM', rsaPem],
    ['the RSA PKCS#1 PEM', rsaPkcs1],
    ['the RSA PEM without its final newline', rsaPem.trimEnd()],
    ['the RSA JWK JSON', JSON.stringify(rsaJwk)],
    ['the RSA JWK thumbprint JSON', JSON.stringify({ e, kty, n })],
    ['the RSA SPKI DER', rsa.publicKey.export({ format: 'der', type: 'spki' })],
    ['the EC SPKI PEM', ecPem],
    ['the EC JWK JSON', JSON.stringify(ecJwk)],
  ]
  const pinned = createVerifier({ publicKey: rsaJwk, now })
  const viaGetKey = createVerifier({ getKey: () => rsaPem, algorithms: ['RS256'], now })

  it.each(secrets)('HS256 signed with %s -> token_invalid', async (_name, hmacKey) => {
    const forge = (header: object): string => token(header, CLAIMS, hmacSigner(hmacKey))
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      await expectCode(rsVerifier, forge({ alg }), 'token_invalid')
      await expectCode(esVerifier, forge({ alg }), 'token_invalid')
      await expectCode(pinned, forge({ alg }), 'token_invalid')
      await expectCode(viaGetKey, forge({ alg }), 'token_invalid')
      await expectCode(jwksVerifier, forge({ alg, kid: 'rsa-1' }), 'token_invalid')
      await expectCode(jwksVerifier, forge({ alg, kid: 'ec-1' }), 'token_invalid')
    }
  })
})

describe('kid injection against a JWK set verifier', () => {
  const strings = [
    '../../etc/passwd',
    "' OR 1=1 --",
    '$(rm -rf /)',
    '`|ls`',
    'rsa-1\u0000',
    'RSA-1',
  ]
  it.each(strings)('kid %j -> key_not_found', async (kid) => {
    const error = await expectCode(
      jwksVerifier,
      token({ alg: 'RS256', kid }, CLAIMS, rs256),
      'key_not_found',
    )
    expect(error.kid).toBe(kid)
  })

  const malformed: [string, unknown][] = [
    ['an empty string', ''],
    ['10,000 characters', 'k'.repeat(10_000)],
    ['257 characters', 'k'.repeat(257)],
    ['a number', 1],
    ['an object', { $ne: null }],
    ['an array', ['rsa-1']],
    ['null', null],
    ['true', true],
  ]
  it.each(malformed)('kid as %s -> token_malformed', async (_name, kid) => {
    await expectCode(jwksVerifier, token({ alg: 'RS256', kid }, CLAIMS, rs256), 'token_malformed')
  })

  it('a kid of 256 characters is looked up, not refused', async () => {
    await expectCode(
      jwksVerifier,
      token({ alg: 'RS256', kid: 'k'.repeat(256) }, CLAIMS, rs256),
      'key_not_found',
    )
  })

  it('a kid naming a key of another algorithm -> token_invalid', async () => {
    await expectCode(
      jwksVerifier,
      token({ alg: 'ES256', kid: 'rsa-1' }, CLAIMS, es256),
      'token_invalid',
    )
  })
})

describe('keys embedded in the header are never used', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })
  const attackerJwk = attacker.publicKey.export({ format: 'jwk' })
  const attackerDer = attacker.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
  const forgeries: [string, Record<string, unknown>][] = [
    ['jwk', { jwk: attackerJwk }],
    ['jwk with the victim kid', { jwk: { ...attackerJwk, kid: 'ec-1' } }],
    ['jku', { jku: 'https://attacker.example/jwks.json' }],
    ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
    ['x5c', { x5c: [attackerDer] }],
  ]
  const signer = ecSigner(attacker.privateKey)

  it.each(forgeries)(
    '%s: signed by the attacker -> token_invalid or key_not_found',
    async (_n, extra) => {
      const fetchSpy = vi.spyOn(globalThis, 'fetch')
      await expectCode(
        esVerifier,
        token({ alg: 'ES256', ...extra }, CLAIMS, signer),
        'token_invalid',
      )
      await expectCode(
        jwksVerifier,
        token({ alg: 'ES256', kid: 'ec-1', ...extra }, CLAIMS, signer),
        'token_invalid',
      )
      // Without kid, the only ES256 key of the set is tried, and the signature fails.
      await expectCode(
        jwksVerifier,
        token({ alg: 'ES256', ...extra }, CLAIMS, signer),
        'token_invalid',
      )
      await expectCode(
        jwksVerifier,
        token({ alg: 'ES256', kid: 'attacker', ...extra }, CLAIMS, signer),
        'key_not_found',
      )
      expect(fetchSpy).not.toHaveBeenCalled()
    },
  )

  it('the header key is not passed to a getKey resolver as a key', async () => {
    const getKey = vi.fn(() => ec.publicKey)
    const verifier = createVerifier({ getKey, algorithms: ['ES256'], now })
    await expectCode(
      verifier,
      token({ alg: 'ES256', jwk: attackerJwk }, CLAIMS, signer),
      'token_invalid',
    )
    expect(getKey).toHaveBeenCalledTimes(1)
  })
})

describe('header extensions', () => {
  it.each([
    ['an unknown extension', { crit: ['http://example.com/ext'], 'http://example.com/ext': 1 }],
    ['exp as critical', { crit: ['exp'], exp: NOW_S + 60 }],
    ['b64 true as critical', { crit: ['b64'], b64: true }],
    ['an empty list', { crit: [] }],
    ['a string', { crit: 'b64' }],
  ])('crit with %s -> token_invalid', async (_name, extra) => {
    await expectCode(hsVerifier, token({ alg: 'HS256', ...extra }), 'token_invalid')
  })

  it('b64:false (RFC 7797 unencoded payload) -> token_invalid', async () => {
    const payload = JSON.stringify(CLAIMS)
    for (const header of [
      { alg: 'HS256', b64: false, crit: ['b64'] },
      { alg: 'HS256', b64: false },
    ]) {
      const h = json(header)
      // Signed as RFC 7797 says: over the raw payload, and with the payload base64url-encoded too.
      const unencoded = `${h}.${payload}`
      await expectCode(
        hsVerifier,
        `${h}.${b64url(payload)}.${b64url(hs256(unencoded))}`,
        'token_invalid',
      )
      await expectCode(hsVerifier, token(header), 'token_invalid')
    }
  })
})

describe('size limits', () => {
  /** A valid HS256 token of exactly `length` characters. */
  function tokenOfLength(length: number): string {
    // No base64url segment has a length of 4n+1, so both segments are padded to hit every length.
    for (const h of ['', 'h', 'hh', 'hhh']) {
      const header = { alg: 'HS256', h }
      const base = token(header, { ...CLAIMS, pad: '' }).length
      const estimate = Math.floor(((length - base) * 3) / 4)
      for (let pad = Math.max(0, estimate - 4); pad <= estimate + 4; pad++) {
        const jwt = token(header, { ...CLAIMS, pad: 'x'.repeat(pad) })
        if (jwt.length === length) return jwt
      }
    }
    throw new Error(`no token of exactly ${length} characters`)
  }

  it('8192 characters verify; 8193 -> token_malformed', async () => {
    await expect(hsVerifier.verify(tokenOfLength(8192))).resolves.toBeDefined()
    await expectCode(hsVerifier, tokenOfLength(8193), 'token_malformed')
  })

  it('a custom maxTokenBytes', async () => {
    const verifier = createVerifier({ secret, algorithms: ['HS256'], now, maxTokenBytes: 512 })
    await expect(verifier.verify(tokenOfLength(512))).resolves.toBeDefined()
    await expectCode(verifier, tokenOfLength(513), 'token_malformed')
  })

  it('a 16 MiB string is refused before any decoding', async () => {
    const huge = 'a'.repeat(16 * 1024 * 1024)
    const error = await expectCode(hsVerifier, `${huge}.${huge}.${huge}`, 'token_malformed')
    expect(error.message).toMatch(/too long/)
  })
})

describe('non-canonical base64url', () => {
  const header = json({ alg: 'HS256' })
  const payload = json(CLAIMS)
  const signature = b64url(hs256(`${header}.${payload}`))

  it.each([
    ['header padded', `${header}=`, payload],
    ['header padded twice', `${header}==`, payload],
    ['payload padded', header, `${payload}=`],
    ['payload with a space', header, `${payload.slice(0, 8)} ${payload.slice(8)}`],
    ['payload with a newline', header, `${payload.slice(0, 8)}\n${payload.slice(8)}`],
    ['payload with a tab', header, `${payload}\t`],
    ['payload in the standard alphabet', header, `${payload.slice(0, 4)}+/${payload.slice(4)}`],
  ])('%s (re-signed) -> token_malformed', async (_name, h, p) => {
    await expectCode(hsVerifier, signSegments(h, p, hs256), 'token_malformed')
  })

  it.each([
    ['padded', `${signature}=`],
    ['with a space', ` ${signature}`],
    ['with a trailing newline', `${signature}\n`],
  ])('signature %s -> token_malformed', async (_name, s) => {
    await expectCode(hsVerifier, `${header}.${payload}.${s}`, 'token_malformed')
  })

  it('non-zero trailing bits in the signature (same bytes) -> token_malformed', async () => {
    expect(signature.length % 4).toBe(3) // 32 bytes: 43 characters, 2 spare bits
    const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = digits.indexOf(signature.at(-1)!)
    for (const bits of [1, 2, 3]) {
      const altered = signature.slice(0, -1) + digits[(last & ~3) | bits]!
      expect(Buffer.from(altered, 'base64url')).toEqual(Buffer.from(signature, 'base64url'))
      await expectCode(hsVerifier, `${header}.${payload}.${altered}`, 'token_malformed')
    }
  })

  it('segment of length 4n+1 -> token_malformed', async () => {
    await expectCode(hsVerifier, `${header}.${payload}.${signature}AA`, 'token_malformed')
  })
})

describe('duplicate JSON member names', () => {
  const payload = JSON.stringify(CLAIMS).slice(1, -1)
  it.each([
    ['header "alg" twice', '{"alg":"HS256","alg":"HS256"}', `{${payload}}`],
    ['header "alg" none then HS256', '{"alg":"none","alg":"HS256"}', `{${payload}}`],
    ['header "alg" escaped', '{"alg":"HS256","\\u0061lg":"HS256"}', `{${payload}}`],
    ['header "kid" twice', '{"alg":"HS256","kid":"a","kid":"b"}', `{${payload}}`],
    ['payload "exp" twice', '{"alg":"HS256"}', `{${payload},"exp":9999999999}`],
    ['payload "a" and "\\u0061"', '{"alg":"HS256"}', `{${payload},"a":1,"\\u0061":2}`],
    ['payload "sub" escaped', '{"alg":"HS256"}', `{${payload},"s\\u0075b":"admin"}`],
    [
      'payload names with escaped quotes',
      '{"alg":"HS256"}',
      `{${payload},"a\\"b":1,"a\\u0022b":2}`,
    ],
  ])('%s -> token_malformed', async (_name, header, body) => {
    await expectCode(hsVerifier, token(header, body), 'token_malformed')
  })

  // attack3 F1: nested duplicates were accepted, last wins.
  it.each([
    [
      'payload nested "roles" twice (attack3 F1)',
      '{"alg":"HS256"}',
      `{${payload},"realm":{"roles":["user"],"roles":["admin"]}}`,
    ],
    [
      'payload nested name and its escaped spelling',
      '{"alg":"HS256"}',
      `{${payload},"ctx":{"admin":false,"\\u0061dmin":true}}`,
    ],
    [
      'payload duplicate in an object inside an array',
      '{"alg":"HS256"}',
      `{${payload},"list":[{"a":1},{"a":1,"a":2}]}`,
    ],
    [
      'header nested duplicate (jwk)',
      '{"alg":"HS256","jwk":{"kty":"oct","kty":"RSA"}}',
      `{${payload}}`,
    ],
  ])('%s -> token_malformed', async (_name, header, body) => {
    await expectCode(hsVerifier, token(header, body), 'token_malformed')
  })

  it('one name in several nested objects is allowed (names are unique per object)', async () => {
    const body = `{${payload},"ctx":{"a":1,"b":{"a":2}},"list":[{"a":1},{"a":2}]}`
    await expect(hsVerifier.verify(token('{"alg":"HS256"}', body))).resolves.toBeDefined()
  })
})

describe('payloads that are not JSON objects', () => {
  it.each([
    ['an array', '[]'],
    ['an array of claims', `[${JSON.stringify(CLAIMS)}]`],
    ['a string', '"alice"'],
    ['a number', '1700003600'],
    ['null', 'null'],
    ['true', 'true'],
    ['empty', ''],
    ['not JSON', '{exp:1}'],
    ['a trailing comma', `{"exp":${NOW_S + 60},}`],
  ])('%s -> token_malformed', async (_name, body) => {
    await expectCode(hsVerifier, token({ alg: 'HS256' }, body), 'token_malformed')
  })

  it('a header that is not an object -> token_malformed', async () => {
    for (const header of ['[]', '"HS256"', 'null', '{"alg":"HS256"']) {
      await expectCode(hsVerifier, token(header), 'token_malformed')
    }
  })
})

describe('wrongly typed claims -> claim_invalid naming the claim', () => {
  it.each([
    ['exp', '9999999999'],
    ['exp', null],
    ['nbf', null],
    ['nbf', '0'],
    ['iat', true],
    ['iss', 1],
    ['aud', [1]],
    ['aud', ['api', null]],
    ['aud', { api: true }],
    ['sub', {}],
    ['jti', 42],
  ])('%s: %j', async (claim, value) => {
    const error = await expectCode(
      hsVerifier,
      token({ alg: 'HS256' }, { ...CLAIMS, [claim]: value }),
      'claim_invalid',
      claim,
    )
    expect(error).toBeInstanceOf(ClaimInvalidError)
  })

  it('exp that JSON.parse makes Infinity (1e400) -> claim_invalid', async () => {
    const body = `{"sub":"alice","exp":1e400}`
    await expectCode(hsVerifier, token({ alg: 'HS256' }, body), 'claim_invalid', 'exp')
  })
})

describe('signatures', () => {
  it('empty signature -> token_invalid', async () => {
    await expectCode(hsVerifier, `${json({ alg: 'HS256' })}.${json(CLAIMS)}.`, 'token_invalid')
    await expectCode(rsVerifier, `${json({ alg: 'RS256' })}.${json(CLAIMS)}.`, 'token_invalid')
    await expectCode(esVerifier, `${json({ alg: 'ES256' })}.${json(CLAIMS)}.`, 'token_invalid')
  })

  it('DER-encoded ECDSA signature -> token_invalid', async () => {
    const input = `${json({ alg: 'ES256' })}.${json(CLAIMS)}`
    const p1363 = es256(input)
    const der = p1363ToDer(p1363)
    // The DER form is a valid signature of the same input, only in the wrong encoding.
    expect(verify('sha256', Buffer.from(input), ec.publicKey, der)).toBe(true)
    await expect(esVerifier.verify(`${input}.${b64url(p1363)}`)).resolves.toBeDefined()
    await expectCode(esVerifier, `${input}.${b64url(der)}`, 'token_invalid')
    const nodeDer = ecSigner(ec.privateKey, 'sha256', true)(input)
    await expectCode(esVerifier, `${input}.${b64url(nodeDer)}`, 'token_invalid')
    const kidInput = `${json({ alg: 'ES256', kid: 'ec-1' })}.${json(CLAIMS)}`
    await expectCode(
      jwksVerifier,
      `${kidInput}.${b64url(p1363ToDer(es256(kidInput)))}`,
      'token_invalid',
    )
  })

  it('truncated or extended MAC -> token_invalid', async () => {
    const input = `${json({ alg: 'HS256' })}.${json(CLAIMS)}`
    const mac = hs256(input)
    await expectCode(hsVerifier, `${input}.${b64url(mac.subarray(0, 16))}`, 'token_invalid')
    await expectCode(hsVerifier, `${input}.${b64url(Buffer.concat([mac, mac]))}`, 'token_invalid')
  })

  it('HS256 token against a verifier allowing HS512 only -> token_invalid', async () => {
    const long = randomBytes(64)
    const verifier = createVerifier({ secret: long, algorithms: ['HS512'], now })
    const hs256Long = hmacSigner(long)
    await expectCode(verifier, token({ alg: 'HS256' }, CLAIMS, hs256Long), 'token_invalid')
    const hs512 = hmacSigner(long, 'sha512')
    await expect(verifier.verify(token({ alg: 'HS512' }, CLAIMS, hs512))).resolves.toBeDefined()
  })

  it('RS256 token signed by another key -> token_invalid', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const forged = token({ alg: 'RS256' }, CLAIMS, rsaSigner(other.privateKey))
    await expectCode(rsVerifier, forged, 'token_invalid')
  })
})

describe('bytes that are not UTF-8', () => {
  const claims = JSON.stringify(CLAIMS).slice(1)
  it.each([
    ['0xff', [0xff]],
    ['a lone continuation byte', [0x80]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('payload with %s -> token_malformed', async (_name, bytes) => {
    const body = Buffer.concat([
      Buffer.from('{"name":"'),
      Buffer.from(bytes),
      Buffer.from(`",${claims}`),
    ])
    await expectCode(hsVerifier, token({ alg: 'HS256' }, body), 'token_malformed')
  })

  it('header with 0xff -> token_malformed', async () => {
    const header = Buffer.concat([
      Buffer.from('{"alg":"HS256","x":"'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ])
    await expectCode(hsVerifier, token(header), 'token_malformed')
  })

  it('valid multi-byte UTF-8 is accepted', async () => {
    const body = `{"name":"é😀",${claims}`
    await expect(hsVerifier.verify(token({ alg: 'HS256' }, body))).resolves.toMatchObject({
      claims: { name: 'é😀' },
    })
  })
})

describe('error messages never contain the token', () => {
  const input = `${json({ alg: 'HS256' })}.${json(CLAIMS)}`
  const valid = `${input}.${b64url(hs256(input))}`
  const throwing = (): never => {
    throw new Error(valid)
  }
  const failing: [string, Verifier, string][] = [
    ['bad signature', hsVerifier, `${input}.${b64url(randomBytes(32))}`],
    ['expired', hsVerifier, token({ alg: 'HS256' }, { ...CLAIMS, exp: NOW_S - 1 })],
    ['wrong claim type', hsVerifier, token({ alg: 'HS256' }, { ...CLAIMS, iss: 1 })],
    ['malformed', hsVerifier, `${valid}=`],
    ['alg none', hsVerifier, `${json({ alg: 'none' })}.${json(CLAIMS)}.`],
    ['unknown kid', jwksVerifier, token({ alg: 'RS256', kid: 'nope' }, CLAIMS, rs256)],
    ['too long', hsVerifier, `${valid}${'A'.repeat(9000)}`],
    ['key lookup failure', createVerifier({ getKey: throwing, algorithms: ['HS256'], now }), valid],
  ]
  it.each(failing)('%s', async (_name, verifier, jwt) => {
    const error = await rejection(verifier.verify(jwt))
    expect(isAuthError(error)).toBe(true)
    const secrets = [jwt, ...jwt.split('.').filter((segment) => segment.length >= 16)]
    for (const text of [error.message, String(error), JSON.stringify(error)]) {
      for (const part of secrets) expect(text).not.toContain(part)
    }
  })
})
