// Known attacks on JWTs, each sent as a real handshake to a guarded Socket.IO server on loopback
// (socket.io-client over WebSocket), each asserting the code the client's connect_error carries:
// alg none, HMAC keyed with the public key, kid injection, keys carried in the header, crit and
// b64, duplicate member names in nested objects, another audience or issuer, a refresh token as
// an access token, the time claims one second either side of the tolerance, and weak HMAC
// secrets. Every group has a positive control.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AuthError,
  createGuard,
  createVerifier,
  type JwsHeader,
  type Verifier,
} from '../../../src/index.js'
import { EPOCH_S, testClock, watchProcess } from '../../support/guard-e2e.js'
import { startServer, type TestServer } from '../../support/socket-server.js'
import {
  b64json,
  b64url,
  codeOf,
  countingServer,
  ecPair,
  ecSigner,
  forge,
  goodClaims,
  hmacSigner,
  outcome,
  randomSigner,
  rsaPair,
  rsaSigner,
  type CountingServer,
  type Outcome,
} from './support.js'

const watch = watchProcess()
const victimRsa = rsaPair()
const victimEc = ecPair()
const attacker = ecPair()
const rsaJwk = { ...victimRsa.jwk, kid: 'rsa-1', alg: 'RS256', use: 'sig' }
const ecJwk = { ...victimEc.jwk, kid: 'ec-1', alg: 'ES256', use: 'sig' }

/** The servers under attack, one per kind of verifier. */
type ServerName = 'hs' | 'rsPem' | 'rsJwk' | 'es' | 'jwks' | 'remote'
const servers = {} as Record<ServerName, TestServer>
let victimKeys: CountingServer
let attackerKeys: CountingServer

const guarded = (verifier: Verifier): Promise<TestServer> => startServer({ guard: { verifier } })

beforeAll(async () => {
  victimKeys = await countingServer({ keys: [rsaJwk, ecJwk] })
  attackerKeys = await countingServer({ keys: [{ ...attacker.jwk, kid: 'evil', alg: 'ES256' }] })
  servers.hs = await startServer()
  servers.rsPem = await guarded(createVerifier({ publicKey: victimRsa.pem, algorithms: ['RS256'] }))
  servers.rsJwk = await guarded(createVerifier({ publicKey: rsaJwk }))
  servers.es = await guarded(createVerifier({ publicKey: victimEc.pem, algorithms: ['ES256'] }))
  servers.jwks = await guarded(createVerifier({ jwks: { keys: [rsaJwk, ecJwk] } }))
  servers.remote = await guarded(
    createVerifier({ jwksUri: `${victimKeys.url}/jwks.json`, algorithms: ['RS256', 'ES256'] }),
  )
})

afterAll(async () => {
  for (const server of Object.values(servers)) await server.close()
  await victimKeys[Symbol.asyncDispose]()
  await attackerKeys[Symbol.asyncDispose]()
  watch.stop()
})

/** Sends `token` in `auth.token` and resolves with how the handshake ended. */
function attempt(server: TestServer, token: unknown): Promise<Outcome> {
  return outcome(server.connect({ auth: { token } }))
}

/** Asserts the handshake of `token` on `server` is refused with `code`. */
async function refused(server: TestServer, token: unknown, code: string): Promise<void> {
  const result = await attempt(server, token)
  expect(result.kind, JSON.stringify(result)).toBe('connect_error')
  expect(codeOf(result)).toBe(code)
}

/** Asserts the handshake of `token` on `server` connects. */
async function admitted(server: TestServer, token: unknown): Promise<void> {
  expect(await attempt(server, token)).toEqual({ kind: 'connect' })
}

const rs256 = rsaSigner(victimRsa.privateKey)
const es256 = ecSigner(victimEc.privateKey)
const evil = ecSigner(attacker.privateKey)

describe('positive controls: the untampered tokens connect', () => {
  it.each([
    ['hs', () => servers.hs.issuer.sign()],
    ['rsPem', () => forge({ alg: 'RS256' }, goodClaims(), rs256)],
    ['rsJwk', () => forge({ alg: 'RS256' }, goodClaims(), rs256)],
    ['es', () => forge({ alg: 'ES256' }, goodClaims(), es256)],
    ['jwks', () => forge({ alg: 'RS256', kid: 'rsa-1' }, goodClaims(), rs256)],
    ['remote', () => forge({ alg: 'ES256', kid: 'ec-1' }, goodClaims(), es256)],
  ] as const)('%s', async (name, token) => {
    await admitted(servers[name], token())
  })
})

describe('alg "none" in every casing', () => {
  const casings = ['none', 'None', 'NONE', 'nOnE']
  const cases = casings.flatMap((alg) => {
    const unsigned = `${b64json({ alg, typ: 'JWT' })}.${b64json(goodClaims())}`
    return [
      [alg, 'an empty signature', `${unsigned}.`, 'token_invalid'],
      [
        alg,
        'a random signature',
        `${unsigned}.${b64url(randomSigner()(unsigned))}`,
        'token_invalid',
      ],
      [alg, 'no signature segment', unsigned, 'token_malformed'],
    ] as const
  })
  it.each(cases)('%s with %s: %s', async (_alg, _what, token, code) => {
    for (const server of [servers.hs, servers.rsPem, servers.jwks, servers.remote])
      await refused(server, token, code)
  })
})

describe('HMAC keyed with the public key (algorithm confusion)', () => {
  const rsaForms: [string, string | Buffer][] = [
    ['SPKI PEM', victimRsa.pem],
    ['PKCS#1 PEM', victimRsa.publicKey.export({ format: 'pem', type: 'pkcs1' })],
    ['PEM without its final newline', victimRsa.pem.trimEnd()],
    ['JWK JSON', JSON.stringify(rsaJwk)],
    ['bare JWK JSON', JSON.stringify(victimRsa.jwk)],
    ['SPKI DER bytes', victimRsa.publicKey.export({ format: 'der', type: 'spki' })],
    ['PKCS#1 DER bytes', victimRsa.publicKey.export({ format: 'der', type: 'pkcs1' })],
  ]
  const ecForms: [string, string | Buffer][] = [
    ['SPKI PEM', victimEc.pem],
    ['JWK JSON', JSON.stringify(ecJwk)],
    ['SPKI DER bytes', victimEc.publicKey.export({ format: 'der', type: 'spki' })],
  ]
  const hashes = [
    ['HS256', 'sha256'],
    ['HS384', 'sha384'],
    ['HS512', 'sha512'],
  ] as const

  it.each(rsaForms)('the RSA key as %s: token_invalid', async (_form, key) => {
    for (const [alg, hash] of hashes) {
      const signer = hmacSigner(key, hash)
      await refused(servers.rsPem, forge({ alg }, goodClaims(), signer), 'token_invalid')
      await refused(servers.rsJwk, forge({ alg }, goodClaims(), signer), 'token_invalid')
      await refused(
        servers.jwks,
        forge({ alg, kid: 'rsa-1' }, goodClaims(), signer),
        'token_invalid',
      )
      await refused(
        servers.remote,
        forge({ alg, kid: 'rsa-1' }, goodClaims(), signer),
        'token_invalid',
      )
    }
  })

  it.each(ecForms)('the EC key as %s: token_invalid', async (_form, key) => {
    for (const [alg, hash] of hashes) {
      const signer = hmacSigner(key, hash)
      await refused(servers.es, forge({ alg }, goodClaims(), signer), 'token_invalid')
      await refused(
        servers.jwks,
        forge({ alg, kid: 'ec-1' }, goodClaims(), signer),
        'token_invalid',
      )
    }
  })

  it('a public key cannot be configured as an HMAC secret in the first place', () => {
    expect(() =>
      createVerifier({ publicKey: victimRsa.pem, algorithms: ['HS256' as 'RS256'] }),
    ).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'algorithms' }))
  })
})

describe('kid injection', () => {
  const lookedUp = [
    ['path traversal', '../../dev/null'],
    ['an absolute path', '/etc/passwd'],
    ['SQL', "' OR 1=1 --"],
    ['shell substitution', '$(id)'],
    ['a shell command', ';rm -rf /'],
    ['backticks', '`id`'],
    ['a NUL byte', 'rsa-1\u0000'],
    ['another case', 'RSA-1'],
  ]
  it.each(lookedUp)('%s (%j), signed by the victim key: key_not_found', async (_name, kid) => {
    await refused(servers.jwks, forge({ alg: 'RS256', kid }, goodClaims(), rs256), 'key_not_found')
  })

  it.each(lookedUp)(
    '%s (%j) on a single-key verifier: not consulted, signature decides',
    async (_n, kid) => {
      await admitted(servers.rsPem, forge({ alg: 'RS256', kid }, goodClaims(), rs256))
      await refused(
        servers.rsPem,
        forge({ alg: 'ES256', kid }, goodClaims(), evil),
        'token_invalid',
      )
    },
  )

  const malformed: [string, unknown][] = [
    ['an empty string', ''],
    ['257 characters', 'k'.repeat(257)],
    ['10,000 characters', 'k'.repeat(10_000)],
    ['a number', 7],
    ['an object', { $ne: null }],
    ['null', null],
    ['an array', ['rsa-1']],
    ['true', true],
  ]
  it.each(malformed)('a kid that is %s: token_malformed', async (_name, kid) => {
    await refused(
      servers.jwks,
      forge({ alg: 'RS256', kid }, goodClaims(), rs256),
      'token_malformed',
    )
    await refused(
      servers.rsPem,
      forge({ alg: 'RS256', kid }, goodClaims(), rs256),
      'token_malformed',
    )
  })

  it('a getKey resolver sees only well-formed kids, verbatim (the app must not trust them)', async () => {
    const kids: unknown[] = []
    const verifier = createVerifier({
      getKey: (header: JwsHeader) => {
        kids.push(header.kid)
        return victimRsa.pem
      },
      algorithms: ['RS256'],
    })
    await using server = await guarded(verifier)
    await refused(server, forge({ alg: 'RS256', kid: 7 }, goodClaims(), rs256), 'token_malformed')
    await refused(server, forge({ alg: 'RS256', kid: '' }, goodClaims(), rs256), 'token_malformed')
    expect(kids).toEqual([])
    await admitted(server, forge({ alg: 'RS256', kid: '../../dev/null' }, goodClaims(), rs256))
    expect(kids).toEqual(['../../dev/null'])
  })
})

describe("the attacker's key carried in the header is never used", () => {
  const embedded = (): [string, Record<string, unknown>][] => [
    ['jwk', { jwk: attacker.jwk }],
    ['jwk under the victim kid', { jwk: { ...attacker.jwk, kid: 'ec-1' } }],
    ['jku', { jku: `${attackerKeys.url}/jwks.json` }],
    ['x5u', { x5u: `${attackerKeys.url}/cert.pem` }],
    [
      'x5c',
      { x5c: [attacker.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')] },
    ],
    [
      'all of them',
      { jwk: attacker.jwk, jku: `${attackerKeys.url}/jwks.json`, x5u: `${attackerKeys.url}/x` },
    ],
  ]

  it('signed by the attacker with the key in jwk/jku/x5u/x5c: refused, nothing fetched', async () => {
    for (const [name, extra] of embedded()) {
      const signed = (header: Record<string, unknown>): string =>
        forge({ alg: 'ES256', ...header, ...extra }, goodClaims(), evil)
      await refused(servers.es, signed({}), 'token_invalid')
      await refused(servers.jwks, signed({ kid: 'ec-1' }), 'token_invalid')
      await refused(servers.jwks, signed({}), 'token_invalid')
      await refused(servers.jwks, signed({ kid: 'evil' }), 'key_not_found')
      await refused(servers.remote, signed({ kid: 'ec-1' }), 'token_invalid')
      expect(attackerKeys.requests, name).toEqual([])
    }
    // The remote verifier fetched its own key set only.
    expect(victimKeys.requests.every((url) => url === '/jwks.json')).toBe(true)
  })
})

describe('header extensions', () => {
  const hs = (header: Record<string, unknown>): string =>
    forge({ alg: 'HS256', ...header }, goodClaims(), hmacSigner(servers.hs.issuer.secret))

  it.each<[string, Record<string, unknown>]>([
    ['an unknown critical extension', { crit: ['x-tenant'], 'x-tenant': 'a' }],
    ['exp marked critical', { crit: ['exp'] }],
    ['an empty crit', { crit: [] }],
    ['b64:false with crit', { b64: false, crit: ['b64'] }],
    ['b64:false alone', { b64: false }],
  ])('%s: token_invalid', async (_name, header) => {
    await refused(servers.hs, hs(header), 'token_invalid')
  })

  it('b64:false signed over the raw payload (RFC 7797): token_invalid', async () => {
    const header = b64json({ alg: 'HS256', b64: false, crit: ['b64'] })
    const payload = JSON.stringify(goodClaims())
    const signature = hmacSigner(servers.hs.issuer.secret)(`${header}.${payload}`)
    await refused(servers.hs, `${header}.${b64url(payload)}.${b64url(signature)}`, 'token_invalid')
  })
})

describe('duplicate member names in nested objects (attack3 F1)', () => {
  const secret = (): Buffer => servers.hs.issuer.secret
  const claims = (): string => JSON.stringify(goodClaims()).slice(1, -1)

  it('a payload with realm.roles twice ("user" then "admin"): token_malformed', async () => {
    const body = `{${claims()},"realm":{"roles":["user"],"roles":["admin"]}}`
    await refused(
      servers.hs,
      forge({ alg: 'HS256' }, body, hmacSigner(secret())),
      'token_malformed',
    )
  })

  it('a header with a nested duplicate: token_malformed', async () => {
    const header = '{"alg":"HS256","x-ctx":{"a":1,"\\u0061":2}}'
    await refused(servers.hs, forge(header, goodClaims(), hmacSigner(secret())), 'token_malformed')
  })

  it('control: one name in two nested objects connects', async () => {
    const body = `{${claims()},"realm":{"roles":["user"]},"resource":{"roles":["admin"]}}`
    await admitted(servers.hs, forge({ alg: 'HS256' }, body, hmacSigner(secret())))
  })
})

describe('a token for another audience or issuer', () => {
  it('is refused with claim_invalid naming the claim', async () => {
    const claims: string[] = []
    await using server = await startServer({
      guard: {
        issuer: 'https://idp.example',
        audience: 'chat-api',
        onFailure: (error: AuthError) => claims.push(`${error.code}:${error.claim}`),
      },
    })
    const sign = (extra: Record<string, unknown>): string =>
      server.issuer.sign({ iss: 'https://idp.example', aud: 'chat-api', ...extra })
    await admitted(server, sign({}))
    await refused(server, sign({ aud: 'billing-api' }), 'claim_invalid')
    await refused(server, sign({ aud: ['billing-api', 'reports'] }), 'claim_invalid')
    await refused(server, sign({ aud: null }), 'claim_invalid')
    await refused(server, sign({ iss: 'https://evil.example' }), 'claim_invalid')
    await refused(server, sign({ iss: 'https://idp.example/' }), 'claim_invalid')
    await refused(server, sign({ iss: null }), 'claim_invalid')
    expect(claims).toEqual([
      'claim_invalid:aud',
      'claim_invalid:aud',
      'claim_invalid:aud',
      'claim_invalid:iss',
      'claim_invalid:iss',
      'claim_invalid:iss',
    ])
  })
})

describe('a refresh token used as an access token (typ policy)', () => {
  it("a verifier with typ 'at+jwt' refuses refresh+jwt, JWT and no typ", async () => {
    await using server = await startServer({ guard: { typ: 'at+jwt' } })
    await admitted(server, server.issuer.sign({}, { typ: 'at+jwt' }))
    await admitted(server, server.issuer.sign({}, { typ: 'application/AT+JWT' }))
    await refused(server, server.issuer.sign({}, { typ: 'refresh+jwt' }), 'token_invalid')
    await refused(server, server.issuer.sign({}, { typ: 'JWT' }), 'token_invalid')
    await refused(server, server.issuer.sign({}, { typ: 'id_token+jwt' }), 'token_invalid')
    await refused(server, server.issuer.sign({}, { typ: undefined }), 'token_invalid')
    await refused(server, server.issuer.sign({}, { typ: ['at+jwt'] }), 'token_malformed')
  })
})

describe('tokens typed as something else than an access token (no typ configured)', () => {
  // The last outside attack on the core: a back-channel logout token (`logout+jwt`, with the
  // provider's iss and the client's aud) passed an access-token verifier without a typ policy.
  it('refuses logout+jwt and secevent+jwt by default; any other typ (or none) passes', async () => {
    await using server = await startServer()
    for (const typ of ['logout+jwt', 'application/logout+jwt', 'SECEVENT+JWT'])
      await refused(server, server.issuer.sign({}, { typ }), 'token_invalid')
    for (const typ of ['JWT', 'at+jwt', undefined])
      await admitted(server, server.issuer.sign({}, { typ }))
  })
})

describe('time claims one second either side of the tolerance', () => {
  const TOLERANCE = 5_000
  const E = EPOCH_S * 1000

  it('exp: accepted 1 s within the tolerance, token_expired 1 s beyond it', async () => {
    const clock = testClock()
    await using server = await startServer({
      guard: { now: clock.now, clockToleranceMs: TOLERANCE },
    })
    const token = server.issuer.sign({ iat: EPOCH_S - 600, exp: EPOCH_S })
    clock.set(E + TOLERANCE - 1_000)
    await admitted(server, token)
    clock.set(E + TOLERANCE + 1_000)
    await refused(server, token, 'token_expired')
  })

  it('nbf: token_not_active 1 s beyond the tolerance, accepted 1 s within it', async () => {
    const clock = testClock()
    await using server = await startServer({
      guard: { now: clock.now, clockToleranceMs: TOLERANCE },
    })
    const token = server.issuer.sign({ iat: EPOCH_S - 600, nbf: EPOCH_S, exp: EPOCH_S + 600 })
    clock.set(E - TOLERANCE - 1_000)
    await refused(server, token, 'token_not_active')
    clock.set(E - TOLERANCE + 1_000)
    await admitted(server, token)
  })

  it('iat in the future: token_not_active 1 s beyond the tolerance, accepted 1 s within', async () => {
    const clock = testClock()
    await using server = await startServer({
      guard: { now: clock.now, clockToleranceMs: TOLERANCE },
    })
    const token = server.issuer.sign({ iat: EPOCH_S, exp: EPOCH_S + 600 })
    clock.set(E - TOLERANCE - 1_000)
    await refused(server, token, 'token_not_active')
    clock.set(E - TOLERANCE + 1_000)
    await admitted(server, token)
  })
})

describe('weak HMAC secrets', () => {
  const WEAK = ['secret', 'password', 'changeme', 'SECRET_KEY', 'your-256-bit-secret']

  it.each(WEAK)('%j cannot be configured (verifier or guard): invalid_option secret', (secret) => {
    expect(() => createVerifier({ secret, algorithms: ['HS256'] })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'secret' }),
    )
    expect(() => createGuard({ secret, algorithms: ['HS256'] })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'secret' }),
    )
  })

  it('a 31-byte secret is refused for HS256, 48 bytes are needed for HS384', () => {
    expect(() => createVerifier({ secret: 'x'.repeat(31), algorithms: ['HS256'] })).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    )
    expect(() => createVerifier({ secret: 'x'.repeat(47), algorithms: ['HS384'] })).toThrow(
      expect.objectContaining({ code: 'invalid_option' }),
    )
  })

  it.each(WEAK)(
    'a token signed with %j is refused by a proper secret: token_invalid',
    async (weak) => {
      await refused(
        servers.hs,
        forge({ alg: 'HS256', typ: 'JWT' }, goodClaims(), hmacSigner(weak)),
        'token_invalid',
      )
    },
  )
})

describe('the process', () => {
  it('saw no unhandled rejection and no uncaught exception', () => {
    expect(watch.errors).toEqual([])
  })
})
