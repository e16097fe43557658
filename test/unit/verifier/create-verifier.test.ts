// createVerifier: option validation at creation, the claims policy, the synchronous hot path, the
// verified-token cache and the getKey key source. The clock is injected; keys are made at run time.
import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import {
  AuthError,
  InvalidOptionError,
  KeyError,
  TokenExpiredError,
  createVerifier,
  type AuthErrorCode,
  type GetKey,
  type JwtVerifier,
  type VerifierOptions,
} from '../../../src/index.js'
import { b64url, forge, signerFor } from '../../support/sign.js'

const NOW_S = 1_700_000_000
const NOW_MS = NOW_S * 1000
const now = (): number => NOW_MS

const secret = randomBytes(32)

/** An HS256 (or other HMAC) token over `claims`, signed with `key`. */
function hsToken(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key: Uint8Array | string = secret,
  alg: 'HS256' | 'HS384' | 'HS512' = 'HS256',
): string {
  return forge({ alg, ...header }, claims, signerFor(alg, key))
}

function asymmetricToken(
  alg: 'RS256' | 'ES256',
  key: KeyObject,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): string {
  return forge({ alg, ...header }, claims, signerFor(alg, key))
}

const valid = { sub: 'alice', iat: NOW_S - 10, exp: NOW_S + 3600 }

function hsVerifier(options: Record<string, unknown> = {}): JwtVerifier {
  return createVerifier({ secret, algorithms: ['HS256'], now, ...options })
}

async function rejection(promise: Promise<unknown>): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'the verifier must reject').toBeInstanceOf(AuthError)
  return error as AuthError
}

async function expectCode(
  promise: Promise<unknown>,
  code: AuthErrorCode,
  claim?: string,
): Promise<AuthError> {
  const error = await rejection(promise)
  expect(error.code).toBe(code)
  if (claim !== undefined) expect(error.claim).toBe(claim)
  return error
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })

describe('options: every mistake throws InvalidOptionError at creation', () => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
  const cases: [string, unknown, string][] = [
    ['options not an object', null, 'options'],
    ['no key source', { algorithms: ['HS256'] }, 'options'],
    ['two key sources', { secret, publicKey: rsa.publicKey, algorithms: ['HS256'] }, 'publicKey'],
    ['an unknown option (typo)', { secret, algorithms: ['HS256'], audiance: 'api' }, 'audiance'],
    ['a remote-only option', { secret, algorithms: ['HS256'], timeoutMs: 1000 }, 'timeoutMs'],
    ['algorithms missing with secret', { secret }, 'algorithms'],
    ['algorithms missing with getKey', { getKey: () => secret }, 'algorithms'],
    ['algorithms missing with an un-pinned PEM', { publicKey: rsa.publicKey }, 'algorithms'],
    ['algorithms empty', { secret, algorithms: [] }, 'algorithms'],
    ['algorithms not an array', { secret, algorithms: 'HS256' }, 'algorithms'],
    ['algorithms "none"', { secret, algorithms: ['none'] }, 'algorithms'],
    ['algorithms "NONE"', { secret, algorithms: ['NONE'] }, 'algorithms'],
    ['algorithms "none" beside HS256', { secret, algorithms: ['HS256', 'none'] }, 'algorithms'],
    ['algorithms mis-cased', { secret, algorithms: ['hs256'] }, 'algorithms'],
    ['algorithms unknown', { secret, algorithms: ['HS257'] }, 'algorithms'],
    [
      'algorithms mixing HS and RS',
      { getKey: () => secret, algorithms: ['HS256', 'RS256'] },
      'algorithms',
    ],
    [
      'algorithms mixing HS and RS with secret',
      { secret, algorithms: ['HS256', 'RS256'] },
      'algorithms',
    ],
    ['RS256 with a secret', { secret, algorithms: ['RS256'] }, 'algorithms'],
    ['HS256 with a public key', { publicKey: rsa.publicKey, algorithms: ['HS256'] }, 'algorithms'],
    ['secret empty (string)', { secret: '', algorithms: ['HS256'] }, 'secret'],
    ['secret empty (bytes)', { secret: new Uint8Array(0), algorithms: ['HS256'] }, 'secret'],
    ['secret of 31 bytes for HS256', { secret: randomBytes(31), algorithms: ['HS256'] }, 'secret'],
    [
      'secret of 31 characters for HS256',
      { secret: 'x'.repeat(31), algorithms: ['HS256'] },
      'secret',
    ],
    ['secret of 32 bytes for HS512', { secret: randomBytes(32), algorithms: ['HS512'] }, 'secret'],
    ['secret of 47 bytes for HS384', { secret: randomBytes(47), algorithms: ['HS384'] }, 'secret'],
    [
      'secret of 32 bytes for HS256 and HS512',
      { secret, algorithms: ['HS256', 'HS512'] },
      'secret',
    ],
    ['secret not a string or bytes', { secret: 42, algorithms: ['HS256'] }, 'secret'],
    [
      'RSA 1024-bit public key',
      { publicKey: rsa1024.publicKey, algorithms: ['RS256'] },
      'publicKey',
    ],
    ['EC P-384 key with ES256', { publicKey: p384.publicKey, algorithms: ['ES256'] }, 'publicKey'],
    ['EC P-256 key with ES384', { publicKey: ec.publicKey, algorithms: ['ES384'] }, 'publicKey'],
    ['RSA key with ES256', { publicKey: rsa.publicKey, algorithms: ['ES256'] }, 'publicKey'],
    [
      'private key PEM as publicKey',
      { publicKey: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }), algorithms: ['RS256'] },
      'publicKey',
    ],
    [
      'private PKCS#1 PEM as publicKey',
      { publicKey: rsa.privateKey.export({ format: 'pem', type: 'pkcs1' }), algorithms: ['RS256'] },
      'publicKey',
    ],
    [
      'private KeyObject as publicKey',
      { publicKey: ec.privateKey, algorithms: ['ES256'] },
      'publicKey',
    ],
    [
      'private JWK as publicKey',
      { publicKey: ec.privateKey.export({ format: 'jwk' }), algorithms: ['ES256'] },
      'publicKey',
    ],
    ['a string that is not PEM', { publicKey: 'not a key', algorithms: ['RS256'] }, 'publicKey'],
    ['getKey not a function', { getKey: 'key', algorithms: ['HS256'] }, 'getKey'],
    [
      'clockToleranceMs 60001',
      { secret, algorithms: ['HS256'], clockToleranceMs: 60_001 },
      'clockToleranceMs',
    ],
    [
      'clockToleranceMs negative',
      { secret, algorithms: ['HS256'], clockToleranceMs: -1 },
      'clockToleranceMs',
    ],
    [
      'clockToleranceMs fractional',
      { secret, algorithms: ['HS256'], clockToleranceMs: 1.5 },
      'clockToleranceMs',
    ],
    [
      'clockToleranceMs in seconds as a string',
      { secret, algorithms: ['HS256'], clockToleranceMs: '5s' },
      'clockToleranceMs',
    ],
    ['maxTokenBytes 0', { secret, algorithms: ['HS256'], maxTokenBytes: 0 }, 'maxTokenBytes'],
    ['maxTokenBytes 63', { secret, algorithms: ['HS256'], maxTokenBytes: 63 }, 'maxTokenBytes'],
    [
      'maxTokenBytes over 1 MiB',
      { secret, algorithms: ['HS256'], maxTokenBytes: 1_048_577 },
      'maxTokenBytes',
    ],
    [
      'maxTokenBytes Infinity',
      { secret, algorithms: ['HS256'], maxTokenBytes: Infinity },
      'maxTokenBytes',
    ],
    ['maxTokenAgeMs 0', { secret, algorithms: ['HS256'], maxTokenAgeMs: 0 }, 'maxTokenAgeMs'],
    ['cache { max: 0 }', { secret, algorithms: ['HS256'], cache: { max: 0 } }, 'cache.max'],
    ['cache true', { secret, algorithms: ['HS256'], cache: true }, 'cache.max'],
    ['cache { max: 1.5 }', { secret, algorithms: ['HS256'], cache: { max: 1.5 } }, 'cache.max'],
    ['issuer empty', { secret, algorithms: ['HS256'], issuer: '' }, 'issuer'],
    ['issuer []', { secret, algorithms: ['HS256'], issuer: [] }, 'issuer'],
    ['audience with a number', { secret, algorithms: ['HS256'], audience: ['api', 1] }, 'audience'],
    ['subject empty', { secret, algorithms: ['HS256'], subject: '' }, 'subject'],
    ['typ not a string', { secret, algorithms: ['HS256'], typ: 1 }, 'typ'],
    [
      'requiredClaims a string',
      { secret, algorithms: ['HS256'], requiredClaims: 'sub' },
      'requiredClaims',
    ],
    ['requireExp a string', { secret, algorithms: ['HS256'], requireExp: 'false' }, 'requireExp'],
    ['now not a function', { secret, algorithms: ['HS256'], now: NOW_MS }, 'now'],
    [
      'jwksUri over plain http to a public host',
      { jwksUri: 'http://issuer.example/jwks.json', algorithms: ['RS256'] },
      'jwksUri',
    ],
  ]

  it.each(cases)('%s -> option %j', (_name, options, option) => {
    let thrown: unknown
    try {
      createVerifier(options as VerifierOptions)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError)
    expect(thrown).toBeInstanceOf(TypeError)
    expect(thrown).toMatchObject({ code: 'invalid_option', option })
  })

  it('accepts the limits themselves', () => {
    expect(() => hsVerifier({ clockToleranceMs: 60_000, maxTokenBytes: 64 })).not.toThrow()
    expect(() => hsVerifier({ maxTokenBytes: 1_048_576, cache: { max: 1 } })).not.toThrow()
    expect(() => createVerifier({ secret: randomBytes(64), algorithms: ['HS512'] })).not.toThrow()
    expect(() => createVerifier({ secret: 'x'.repeat(32), algorithms: ['HS256'] })).not.toThrow()
    expect(() =>
      createVerifier({ publicKey: rsa.publicKey, algorithms: ['RS256', 'PS256'] }),
    ).not.toThrow()
  })
})

describe('claims policy', () => {
  it('issuer: a string or a list', async () => {
    const one = hsVerifier({ issuer: 'https://a.example' })
    await expect(one.verify(hsToken({ ...valid, iss: 'https://a.example' }))).resolves.toBeDefined()
    await expectCode(
      one.verify(hsToken({ ...valid, iss: 'https://b.example' })),
      'claim_invalid',
      'iss',
    )
    await expectCode(one.verify(hsToken(valid)), 'claim_invalid', 'iss')
    await expectCode(
      one.verify(hsToken({ ...valid, iss: 'https://A.example' })),
      'claim_invalid',
      'iss',
    )
    const list = hsVerifier({ issuer: ['https://a.example', 'https://b.example'] })
    await expect(
      list.verify(hsToken({ ...valid, iss: 'https://b.example' })),
    ).resolves.toBeDefined()
    await expectCode(
      list.verify(hsToken({ ...valid, iss: 'https://c.example' })),
      'claim_invalid',
      'iss',
    )
  })

  it('audience: a string or a list, against aud as a string or an array', async () => {
    const one = hsVerifier({ audience: 'api' })
    await expect(one.verify(hsToken({ ...valid, aud: 'api' }))).resolves.toBeDefined()
    await expect(one.verify(hsToken({ ...valid, aud: ['web', 'api'] }))).resolves.toBeDefined()
    await expectCode(one.verify(hsToken({ ...valid, aud: 'web' })), 'claim_invalid', 'aud')
    await expectCode(one.verify(hsToken({ ...valid, aud: ['web'] })), 'claim_invalid', 'aud')
    await expectCode(one.verify(hsToken({ ...valid, aud: [] })), 'claim_invalid', 'aud')
    await expectCode(one.verify(hsToken(valid)), 'claim_invalid', 'aud')
    const list = hsVerifier({ audience: ['api', 'chat'] })
    await expect(list.verify(hsToken({ ...valid, aud: 'chat' }))).resolves.toBeDefined()
    await expect(list.verify(hsToken({ ...valid, aud: ['x', 'api'] }))).resolves.toBeDefined()
    await expectCode(list.verify(hsToken({ ...valid, aud: ['x', 'y'] })), 'claim_invalid', 'aud')
  })

  it('subject', async () => {
    const verifier = hsVerifier({ subject: 'alice' })
    await expect(verifier.verify(hsToken(valid))).resolves.toBeDefined()
    await expectCode(verifier.verify(hsToken({ ...valid, sub: 'bob' })), 'claim_invalid', 'sub')
    await expectCode(verifier.verify(hsToken({ ...valid, sub: undefined })), 'claim_invalid', 'sub')
  })

  it('an empty sub names nobody: claim_invalid (claim sub), with or without a subject policy', async () => {
    await expectCode(hsVerifier().verify(hsToken({ ...valid, sub: '' })), 'claim_invalid', 'sub')
    await expectCode(
      hsVerifier({ subject: 'alice' }).verify(hsToken({ ...valid, sub: '' })),
      'claim_invalid',
      'sub',
    )
  })

  it('typ: case-insensitive, application/ implied only without a slash (RFC 7515 §4.1.9)', async () => {
    for (const policy of ['at+jwt', 'AT+JWT', 'application/at+jwt']) {
      const verifier = hsVerifier({ typ: policy })
      for (const typ of ['at+jwt', 'AT+JWT', 'application/at+jwt', 'Application/At+JWT']) {
        await expect(verifier.verify(hsToken(valid, { typ }))).resolves.toBeDefined()
      }
      for (const typ of ['JWT', 'application/jwt', 'at+jwt ', 'x/at+jwt']) {
        await expectCode(verifier.verify(hsToken(valid, { typ })), 'token_invalid')
      }
      await expectCode(verifier.verify(hsToken(valid)), 'token_invalid')
    }
    const slashed = hsVerifier({ typ: 'example/jwt' })
    await expect(slashed.verify(hsToken(valid, { typ: 'Example/JWT' }))).resolves.toBeDefined()
    // "application/example/jwt" is not the media type example/jwt.
    await expectCode(
      slashed.verify(hsToken(valid, { typ: 'application/example/jwt' })),
      'token_invalid',
    )
    // Without a typ policy any string typ passes, and a non-string one is malformed.
    await expect(hsVerifier().verify(hsToken(valid, { typ: 'whatever' }))).resolves.toBeDefined()
    await expectCode(hsVerifier().verify(hsToken(valid, { typ: 1 })), 'token_malformed')
  })

  it('requiredClaims', async () => {
    const verifier = hsVerifier({ requiredClaims: ['jti', 'tenant'] })
    await expect(
      verifier.verify(hsToken({ ...valid, jti: 'j', tenant: 't' })),
    ).resolves.toBeDefined()
    await expectCode(verifier.verify(hsToken({ ...valid, jti: 'j' })), 'claim_invalid', 'tenant')
    // A falsy value is present.
    await expect(verifier.verify(hsToken({ ...valid, jti: '', tenant: 0 }))).resolves.toBeDefined()
  })

  it('requiredClaims named like Object.prototype members are not satisfied by the prototype', async () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const verifier = hsVerifier({ requiredClaims: [name] })
      await expectCode(verifier.verify(hsToken(valid)), 'claim_invalid', name)
    }
    const verifier = hsVerifier({ requiredClaims: ['constructor'] })
    await expect(verifier.verify(hsToken({ ...valid, constructor: 'x' }))).resolves.toBeDefined()
  })

  it('requireExp: true by default, false allows no exp (expiresAt null)', async () => {
    const noExp = { sub: 'alice', iat: NOW_S }
    await expectCode(hsVerifier().verify(hsToken(noExp)), 'claim_invalid', 'exp')
    const lenient = hsVerifier({ requireExp: false })
    await expect(lenient.verify(hsToken(noExp))).resolves.toMatchObject({ expiresAt: null })
    // An exp present is still checked.
    await expectCode(lenient.verify(hsToken({ ...noExp, exp: NOW_S - 1 })), 'token_expired', 'exp')
  })

  it('exp: expired exactly at exp; clockToleranceMs moves the boundary', async () => {
    const strict = hsVerifier()
    const atExp = await expectCode(
      strict.verify(hsToken({ ...valid, exp: NOW_S })),
      'token_expired',
      'exp',
    )
    expect(atExp).toBeInstanceOf(TokenExpiredError)
    expect(atExp).toMatchObject({ expiredAt: NOW_MS })
    await expect(strict.verify(hsToken({ ...valid, exp: NOW_S + 1 }))).resolves.toMatchObject({
      expiresAt: NOW_MS + 1000,
    })
    const tolerant = hsVerifier({ clockToleranceMs: 5_000 })
    await expect(tolerant.verify(hsToken({ ...valid, exp: NOW_S - 4 }))).resolves.toBeDefined()
    await expectCode(tolerant.verify(hsToken({ ...valid, exp: NOW_S - 5 })), 'token_expired', 'exp')
    await expectCode(tolerant.verify(hsToken({ ...valid, exp: NOW_S - 6 })), 'token_expired', 'exp')
  })

  it('exp against a clock in ms', async () => {
    let clock = NOW_MS + 999
    const verifier = hsVerifier({ now: () => clock })
    const jwt = hsToken({ ...valid, exp: NOW_S + 1 })
    await expect(verifier.verify(jwt)).resolves.toMatchObject({ expiresAt: NOW_MS + 1000 })
    clock = NOW_MS + 1000
    await expectCode(verifier.verify(jwt), 'token_expired', 'exp')
  })

  it('exp as a fraction of a second', async () => {
    await expect(
      hsVerifier().verify(hsToken({ ...valid, exp: NOW_S + 0.5 })),
    ).resolves.toMatchObject({
      expiresAt: NOW_MS + 500,
    })
    await expectCode(
      hsVerifier().verify(hsToken({ ...valid, exp: NOW_S - 0.001 })),
      'token_expired',
    )
  })

  it('nbf and iat in the future beyond the tolerance -> token_not_active with the claim', async () => {
    const tolerant = hsVerifier({ clockToleranceMs: 5_000 })
    await expect(tolerant.verify(hsToken({ ...valid, nbf: NOW_S + 5 }))).resolves.toBeDefined()
    await expectCode(
      tolerant.verify(hsToken({ ...valid, nbf: NOW_S + 6 })),
      'token_not_active',
      'nbf',
    )
    await expect(tolerant.verify(hsToken({ ...valid, iat: NOW_S + 5 }))).resolves.toBeDefined()
    await expectCode(
      tolerant.verify(hsToken({ ...valid, iat: NOW_S + 6 })),
      'token_not_active',
      'iat',
    )
    const strict = hsVerifier()
    await expect(
      strict.verify(hsToken({ ...valid, nbf: NOW_S, iat: NOW_S })),
    ).resolves.toBeDefined()
    await expectCode(
      strict.verify(hsToken({ ...valid, nbf: NOW_S + 1 })),
      'token_not_active',
      'nbf',
    )
    await expectCode(
      strict.verify(hsToken({ ...valid, iat: NOW_S + 1 })),
      'token_not_active',
      'iat',
    )
  })

  it('maxTokenAgeMs: too old -> token_expired on iat; expiresAt = min(exp, iat + max)', async () => {
    const verifier = hsVerifier({ maxTokenAgeMs: 60_000 })
    await expectCode(
      verifier.verify(hsToken({ ...valid, iat: NOW_S - 60 })),
      'token_expired',
      'iat',
    )
    await expectCode(
      verifier.verify(hsToken({ ...valid, iat: NOW_S - 3600 })),
      'token_expired',
      'iat',
    )
    await expect(verifier.verify(hsToken({ ...valid, iat: NOW_S - 59 }))).resolves.toMatchObject({
      expiresAt: NOW_MS + 1_000,
    })
    await expect(
      verifier.verify(hsToken({ ...valid, iat: NOW_S - 10, exp: NOW_S + 30 })),
    ).resolves.toMatchObject({ expiresAt: NOW_MS + 30_000 })
    await expectCode(
      verifier.verify(hsToken({ sub: 'alice', exp: NOW_S + 60 })),
      'claim_invalid',
      'iat',
    )
    const tolerant = hsVerifier({ maxTokenAgeMs: 60_000, clockToleranceMs: 5_000 })
    await expect(tolerant.verify(hsToken({ ...valid, iat: NOW_S - 64 }))).resolves.toBeDefined()
    await expectCode(
      tolerant.verify(hsToken({ ...valid, iat: NOW_S - 65 })),
      'token_expired',
      'iat',
    )
    const noExp = hsVerifier({ maxTokenAgeMs: 60_000, requireExp: false })
    await expect(noExp.verify(hsToken({ iat: NOW_S - 10 }))).resolves.toMatchObject({
      expiresAt: NOW_MS + 50_000,
    })
  })

  it('resolves with claims, header and expiresAt in ms; the shared header is frozen', async () => {
    const result = await hsVerifier().verify(hsToken({ ...valid, role: 'admin' }, { kid: 'k1' }))
    expect(result).toEqual({
      claims: { ...valid, role: 'admin' },
      header: { alg: 'HS256', kid: 'k1' },
      expiresAt: valid.exp * 1000,
    })
    // The header object is memoised and shared by every token with the same header segment.
    expect(Object.isFrozen(result.header)).toBe(true)
  })

  it('freezes results that the cache shares between callers', async () => {
    const verifier = hsVerifier({ cache: { max: 10 } })
    const token = hsToken({ ...valid, role: 'admin' })
    const first = await verifier.verify(token)
    const second = await verifier.verify(token)
    expect(second).toBe(first)
    expect(Object.isFrozen(first)).toBe(true)
    expect(Object.isFrozen(first.claims)).toBe(true)
  })

  it('what is not a token string', async () => {
    const verifier = hsVerifier()
    for (const missing of [undefined, null, '']) {
      await expectCode(verifier.verify(missing), 'token_missing')
    }
    for (const wrong of [42, {}, ['a.b.c'], Buffer.from(hsToken(valid))]) {
      await expectCode(verifier.verify(wrong), 'token_malformed')
    }
    for (const shape of ['abc', 'a.b', 'a.b.c.d', '..', 'a..b']) {
      await expectCode(verifier.verify(shape), 'token_malformed')
    }
  })
})

describe('verify() with a local key does not yield to the event loop', () => {
  it('getKey: the lookup happens before verify() returns, and no macrotask runs before it resolves', async () => {
    const getKey = vi.fn(() => secret)
    const verifier = createVerifier({ getKey, algorithms: ['HS256'], now })
    let immediate = false
    setImmediate(() => {
      immediate = true
    })
    const promise = verifier.verify(hsToken(valid))
    expect(getKey).toHaveBeenCalledTimes(1)
    await expect(promise).resolves.toMatchObject({ claims: valid })
    expect(immediate).toBe(false)
  })

  it('secret: the claims are checked (the clock read) before verify() returns', async () => {
    const clock = vi.fn(now)
    const verifier = hsVerifier({ now: clock })
    let immediate = false
    setImmediate(() => {
      immediate = true
    })
    const ok = verifier.verify(hsToken(valid))
    const failing = verifier.verify(hsToken({ ...valid, exp: NOW_S - 1 }))
    expect(clock).toHaveBeenCalledTimes(2)
    await expect(ok).resolves.toBeDefined()
    await expectCode(failing, 'token_expired')
    expect(immediate).toBe(false)
  })

  it('publicKey (ES256) and a failure before any key lookup', async () => {
    const verifier = createVerifier({ publicKey: ec.publicKey, algorithms: ['ES256'], now })
    let immediate = false
    setImmediate(() => {
      immediate = true
    })
    await expect(
      verifier.verify(asymmetricToken('ES256', ec.privateKey, valid)),
    ).resolves.toBeDefined()
    await expectCode(verifier.verify('not.a.token!'), 'token_malformed')
    expect(immediate).toBe(false)
  })
})

describe('verified-token cache', () => {
  function cached(options: Record<string, unknown> = {}) {
    let clock = NOW_MS
    const getKey = vi.fn<GetKey>(() => secret)
    const verifier = createVerifier({
      getKey,
      algorithms: ['HS256'],
      now: () => clock,
      cache: { max: 2 },
      ...options,
    })
    return {
      verifier,
      getKey,
      setClock: (ms: number) => {
        clock = ms
      },
    }
  }

  it('a hit returns the same result object without looking the key up again', async () => {
    const { verifier, getKey } = cached()
    const jwt = hsToken(valid)
    const first = await verifier.verify(jwt)
    const second = await verifier.verify(jwt)
    expect(second).toBe(first)
    expect(getKey).toHaveBeenCalledTimes(1)
  })

  it('an entry expires at exp (injected clock)', async () => {
    const { verifier, getKey, setClock } = cached()
    const jwt = hsToken({ ...valid, exp: NOW_S + 10 })
    const first = await verifier.verify(jwt)
    setClock(NOW_MS + 9_999)
    expect(await verifier.verify(jwt)).toBe(first)
    expect(getKey).toHaveBeenCalledTimes(1)
    setClock(NOW_MS + 10_000)
    await expectCode(verifier.verify(jwt), 'token_expired', 'exp')
    expect(getKey).toHaveBeenCalledTimes(2)
  })

  it('an entry never outlives maxTokenAgeMs', async () => {
    const { verifier, setClock } = cached({ maxTokenAgeMs: 5_000 })
    const jwt = hsToken({ ...valid, iat: NOW_S })
    const first = await verifier.verify(jwt)
    expect(first.expiresAt).toBe(NOW_MS + 5_000)
    setClock(NOW_MS + 4_999)
    expect(await verifier.verify(jwt)).toBe(first)
    setClock(NOW_MS + 5_000)
    await expectCode(verifier.verify(jwt), 'token_expired', 'iat')
  })

  it('failures are not cached: the key is looked up again each time', async () => {
    const { verifier, getKey } = cached({ issuer: 'https://a.example' })
    const wrongIssuer = hsToken({ ...valid, iss: 'https://b.example' })
    await expectCode(verifier.verify(wrongIssuer), 'claim_invalid', 'iss')
    await expectCode(verifier.verify(wrongIssuer), 'claim_invalid', 'iss')
    expect(getKey).toHaveBeenCalledTimes(2)
    const badSignature = `${wrongIssuer.slice(0, wrongIssuer.lastIndexOf('.'))}.${b64url(randomBytes(32))}`
    await expectCode(verifier.verify(badSignature), 'token_invalid')
    await expectCode(verifier.verify(badSignature), 'token_invalid')
    expect(getKey).toHaveBeenCalledTimes(4)
  })

  it('a token refused as not yet valid is accepted once it is, and then cached', async () => {
    const { verifier, getKey, setClock } = cached()
    const jwt = hsToken({ ...valid, nbf: NOW_S + 60 })
    await expectCode(verifier.verify(jwt), 'token_not_active', 'nbf')
    setClock(NOW_MS + 60_000)
    const result = await verifier.verify(jwt)
    expect(await verifier.verify(jwt)).toBe(result)
    expect(getKey).toHaveBeenCalledTimes(2)
  })

  it('is an LRU of at most `max` entries', async () => {
    const { verifier, getKey } = cached()
    const [a, b, c] = ['a', 'b', 'c'].map((sub) => hsToken({ ...valid, sub }))
    await verifier.verify(a!)
    await verifier.verify(b!)
    expect(getKey).toHaveBeenCalledTimes(2)
    await verifier.verify(a!) // hit: a becomes the most recently used
    expect(getKey).toHaveBeenCalledTimes(2)
    await verifier.verify(c!) // evicts b, the least recently used
    expect(getKey).toHaveBeenCalledTimes(3)
    await verifier.verify(a!)
    expect(getKey).toHaveBeenCalledTimes(3)
    await verifier.verify(b!)
    expect(getKey).toHaveBeenCalledTimes(4)
  })

  it('close() drops the cached tokens', async () => {
    const { verifier, getKey } = cached()
    const jwt = hsToken(valid)
    await verifier.verify(jwt)
    verifier.close()
    await verifier.verify(jwt)
    expect(getKey).toHaveBeenCalledTimes(2)
  })

  it('is off by default', async () => {
    const getKey = vi.fn<GetKey>(() => secret)
    const verifier = createVerifier({ getKey, algorithms: ['HS256'], now })
    const jwt = hsToken(valid)
    expect(await verifier.verify(jwt)).not.toBe(await verifier.verify(jwt))
    expect(getKey).toHaveBeenCalledTimes(2)
  })

  // The flush on a key-set change is not tested here: getKey and local sources have a constant
  // version (0). The remote key set's rotation is covered by the end-to-end tests.
})

describe('getKey key source', () => {
  it('a synchronous resolver, given the protected header', async () => {
    const getKey = vi.fn<GetKey>(() => secret)
    const verifier = createVerifier({ getKey, algorithms: ['HS256'], now })
    await expect(verifier.verify(hsToken(valid, { kid: 'k1', typ: 'JWT' }))).resolves.toBeDefined()
    expect(getKey).toHaveBeenCalledWith({ alg: 'HS256', kid: 'k1', typ: 'JWT' })
  })

  it('an asynchronous resolver', async () => {
    const verifier = createVerifier({
      getKey: async () => {
        // A macrotask boundary: the key arrives after the verifier has yielded.
        await new Promise((resolve) => setImmediate(resolve))
        return rsa.publicKey
      },
      algorithms: ['RS256'],
      now,
    })
    await expect(
      verifier.verify(asymmetricToken('RS256', rsa.privateKey, valid)),
    ).resolves.toBeDefined()
    await expectCode(
      verifier.verify(asymmetricToken('RS256', ec.privateKey, valid)),
      'token_invalid',
    )
  })

  it('a resolver that throws or rejects -> server_error (the server failed, not the token), the error kept as cause', async () => {
    const cause = new Error('tenant database down')
    for (const getKey of [
      () => {
        throw cause
      },
      () => Promise.reject(cause),
    ]) {
      const verifier = createVerifier({ getKey, algorithms: ['HS256'], now })
      const error = await expectCode(verifier.verify(hsToken(valid)), 'server_error')
      expect(error).not.toBeInstanceOf(KeyError)
      expect(error.cause).toBe(cause)
    }
  })

  it('a resolver that throws an AuthError keeps its code', async () => {
    const verifier = createVerifier({
      getKey: () => {
        throw new KeyError('keys_unavailable', 'Tenant keys are being rotated.')
      },
      algorithms: ['HS256'],
      now,
    })
    await expectCode(verifier.verify(hsToken(valid)), 'keys_unavailable')
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an empty object', {}],
    ['a short secret', 'short'],
    ['an empty secret', ''],
    ['a promise of null', Promise.resolve(null)],
  ])('a resolver returning %s (HMAC) -> key_not_found', async (_name, output) => {
    const verifier = createVerifier({ getKey: () => output as never, algorithms: ['HS256'], now })
    await expectCode(verifier.verify(hsToken(valid)), 'key_not_found')
  })

  it.each([
    ['a string that is not PEM', 'not a pem'],
    ['a private key', rsa.privateKey],
    ['a JWK without kty', { n: 'x', e: 'AQAB' }],
    ['a secret KeyObject', createSecretKey(secret)],
  ])('a resolver returning %s (RS256) -> key_not_found', async (_name, output) => {
    const verifier = createVerifier({ getKey: () => output as never, algorithms: ['RS256'], now })
    await expectCode(
      verifier.verify(asymmetricToken('RS256', rsa.privateKey, valid)),
      'key_not_found',
    )
  })

  it('a resolver returning a key of another type -> refused, never used', async () => {
    const verifier = createVerifier({ getKey: () => ec.publicKey, algorithms: ['RS256'], now })
    const error = await rejection(verifier.verify(asymmetricToken('RS256', rsa.privateKey, valid)))
    expect(['key_not_found', 'token_invalid']).toContain(error.code)
  })

  it('multi-tenant by kid, across key types', async () => {
    const tenantB = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const keys = new Map<string, KeyObject>([
      ['tenant-a', rsa.publicKey],
      ['tenant-b', tenantB.publicKey],
    ])
    const verifier = createVerifier({
      getKey: ({ kid }) => {
        const key = kid === undefined ? undefined : keys.get(kid)
        if (key === undefined) throw new KeyError('key_not_found', 'Unknown tenant.')
        return key
      },
      algorithms: ['RS256', 'ES256'],
      now,
    })
    const a = asymmetricToken('RS256', rsa.privateKey, valid, { kid: 'tenant-a' })
    const b = asymmetricToken('ES256', tenantB.privateKey, valid, { kid: 'tenant-b' })
    await expect(verifier.verify(a)).resolves.toBeDefined()
    await expect(verifier.verify(b)).resolves.toBeDefined()
    // Tenant A's kid on a token signed by tenant B's key (with B's algorithm): refused.
    const crossed = asymmetricToken('ES256', tenantB.privateKey, valid, { kid: 'tenant-a' })
    await expectCode(verifier.verify(crossed), 'token_invalid')
    // B's kid with a token signed by another EC key: refused.
    const forged = asymmetricToken('ES256', ec.privateKey, valid, { kid: 'tenant-b' })
    await expectCode(verifier.verify(forged), 'token_invalid')
    await expectCode(
      verifier.verify(asymmetricToken('RS256', rsa.privateKey, valid, { kid: 'tenant-c' })),
      'key_not_found',
    )
    await expectCode(
      verifier.verify(asymmetricToken('RS256', rsa.privateKey, valid)),
      'key_not_found',
    )
  })

  it('multi-tenant HMAC secrets by kid, with the issuer checked by the policy', async () => {
    const secrets = new Map([
      ['acme', randomBytes(32)],
      ['globex', randomBytes(32)],
    ])
    const verifier = createVerifier({
      getKey: ({ kid }) => secrets.get(kid ?? '') as Uint8Array,
      algorithms: ['HS256'],
      issuer: ['https://acme.example', 'https://globex.example'],
      now,
    })
    const acme = hsToken(
      { ...valid, iss: 'https://acme.example' },
      { kid: 'acme' },
      secrets.get('acme'),
    )
    await expect(verifier.verify(acme)).resolves.toMatchObject({
      claims: { iss: 'https://acme.example' },
    })
    const swapped = hsToken(
      { ...valid, iss: 'https://acme.example' },
      { kid: 'globex' },
      secrets.get('acme'),
    )
    await expectCode(verifier.verify(swapped), 'token_invalid')
    await expectCode(verifier.verify(hsToken(valid, { kid: 'initech' })), 'key_not_found')
  })
})
