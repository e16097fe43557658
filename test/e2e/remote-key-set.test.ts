// Remote JWK sets (`jwksUri`) against a real HTTP server on 127.0.0.1: lazy fetching, rotation,
// one fetch per cooldown under load, timeouts, stale keys while the endpoint fails, hostile
// responses (oversized, garbage, duplicate kids, redirects) and the URL rules checked at creation.
import { exportJWK } from 'jose'
import { describe, expect, it, vi } from 'vitest'
import { createVerifier, type JwksUriOptions, type JwtVerifier } from '../../src/index.js'
import { JWKS_PATH, startKeyServer, type KeyServer } from '../support/key-server.js'
import { createSigningKey, signToken, type SigningKey } from '../support/signing-key.js'

const T0 = 1_900_000_000_000

/** A clock the test moves by hand; verifiers read it through the `now` option. */
function manualClock(start = T0) {
  let time = start
  return {
    now: (): number => time,
    advance: (ms: number): void => {
      time += ms
    },
  }
}

/**
 * True when `promise` settles while only microtasks run: no timer, no socket, no fetch can have
 * happened in between (a fetch over loopback needs several turns of the event loop).
 */
async function settlesWithoutIo(promise: Promise<unknown>): Promise<boolean> {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  for (let i = 0; i < 5; i++) await Promise.resolve()
  return settled
}

const rsa = await createSigningKey('RS256', 'rsa-1')
const rsaNext = await createSigningKey('RS256', 'rsa-2')
const ec = await createSigningKey('ES256', 'ec-1')

type RemoteOptions = Omit<JwksUriOptions, 'jwksUri' | 'algorithms'>

function remoteVerifier(server: KeyServer, options: RemoteOptions = {}): JwtVerifier {
  return createVerifier({
    jwksUri: server.url(JWKS_PATH),
    algorithms: ['RS256', 'ES256'],
    // Tokens are signed at T0; a test that moves time passes its own clock.
    now: () => T0,
    ...options,
  })
}

const sign = (key: SigningKey, kid?: string): Promise<string> =>
  signToken(key, { nowMs: T0, ...(kid === undefined ? {} : { kid }) })

describe('jwksUri: fetching and rotation', () => {
  it.each([rsa, ec])('verifies $alg by kid, fetching lazily once', async (key) => {
    await using server = await startKeyServer({ jwks: { keys: [key.jwk] } })
    const clock = manualClock()
    const verifier = remoteVerifier(server, { now: clock.now })
    expect(server.totalRequests()).toBe(0)

    const first = await verifier.verify(await sign(key))
    expect(first.claims.sub).toBe('user-1')
    expect(first.header).toMatchObject({ alg: key.alg, kid: key.kid })
    expect(server.requests(JWKS_PATH)).toBe(1)

    // The keys are in memory: the second verification settles without any I/O.
    const second = verifier.verify(await sign(key))
    expect(await settlesWithoutIo(second)).toBe(true)
    await expect(second).resolves.toMatchObject({ claims: { sub: 'user-1' } })
    expect(server.totalRequests()).toBe(1)
  })

  it('refetches once for a rotated-in kid outside the cooldown; the old kid is then unknown', async () => {
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk] } })
    const clock = manualClock()
    // The cache must be flushed by the rotation, or the old token would keep being accepted.
    const verifier = remoteVerifier(server, {
      now: clock.now,
      cooldownMs: 30_000,
      cache: { max: 100 },
    })
    const oldToken = await sign(rsa)
    const newToken = await sign(rsaNext)
    await verifier.verify(oldToken)
    expect(server.requests(JWKS_PATH)).toBe(1)

    server.setJwks({ keys: [rsaNext.jwk] })
    // Inside the cooldown of the first fetch, an unknown kid does not reach the server.
    await expect(verifier.verify(newToken)).rejects.toMatchObject({
      code: 'key_not_found',
      kid: 'rsa-2',
    })
    expect(server.requests(JWKS_PATH)).toBe(1)

    clock.advance(30_001)
    await expect(verifier.verify(newToken)).resolves.toMatchObject({ header: { kid: 'rsa-2' } })
    expect(server.requests(JWKS_PATH)).toBe(2)
    await verifier.verify(newToken)
    expect(server.requests(JWKS_PATH)).toBe(2)

    await expect(verifier.verify(oldToken)).rejects.toMatchObject({
      code: 'key_not_found',
      kid: 'rsa-1',
    })
    expect(server.requests(JWKS_PATH)).toBe(2)
    // Past the cooldown the old kid earns one more look, and is still gone.
    clock.advance(30_001)
    await expect(verifier.verify(oldToken)).rejects.toMatchObject({ code: 'key_not_found' })
    expect(server.requests(JWKS_PATH)).toBe(3)
  })

  it('keeps 1,000 concurrent verifications with unknown kids to one fetch per cooldown', async () => {
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk] } })
    const clock = manualClock()
    const cooldownMs = 3_600_000
    const verifier = remoteVerifier(server, {
      now: clock.now,
      cooldownMs,
      cacheMaxAgeMs: 7 * 86_400_000,
    })
    // Each token names a different kid, as an attacker flooding the handshake would.
    const forged = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => sign(ec, `unknown-${i}`)),
    )
    const storm = async (): Promise<void> => {
      const results = await Promise.allSettled(forged.map((token) => verifier.verify(token)))
      const codes = new Set(
        results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok')),
      )
      expect([...codes]).toEqual(['key_not_found'])
    }

    // Cold start: every call waits on the same first fetch.
    await storm()
    expect(server.requests(JWKS_PATH)).toBe(1)
    // Keys fresh, inside the cooldown: refused from memory.
    await storm()
    expect(server.requests(JWKS_PATH)).toBe(1)
    // Past the cooldown: the first unknown kid starts one refetch and the 999 others join it.
    clock.advance(cooldownMs + 1)
    await storm()
    expect(server.requests(JWKS_PATH)).toBe(2)
    await storm()
    expect(server.requests(JWKS_PATH)).toBe(2)
    // Genuine tokens still verify from memory throughout.
    await expect(verifier.verify(await sign(rsa))).resolves.toBeDefined()
    expect(server.requests(JWKS_PATH)).toBe(2)
  })
})

describe('jwksUri: a failing endpoint', () => {
  it.each([
    ['before the headers', false],
    ['in the middle of the body', true],
  ])('times out %s with keys_unavailable', async (_, afterHeaders) => {
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk] } })
    server.behave(JWKS_PATH, { kind: 'delay', ms: 10_000, afterHeaders })
    const clock = manualClock()
    const verifier = remoteVerifier(server, { now: clock.now, timeoutMs: 200, cooldownMs: 1_000 })
    const token = await sign(rsa)

    const started = performance.now()
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    const elapsed = performance.now() - started
    expect(elapsed).toBeGreaterThanOrEqual(150)
    expect(elapsed).toBeLessThan(2_000)
    expect(server.requests(JWKS_PATH)).toBe(1)

    // The endpoint recovers; it is asked again only once the cooldown is over.
    server.behave(JWKS_PATH, { kind: 'json' })
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    expect(server.requests(JWKS_PATH)).toBe(1)
    clock.advance(1_001)
    await expect(verifier.verify(token)).resolves.toBeDefined()
    expect(server.requests(JWKS_PATH)).toBe(2)
  })

  it('serves stale keys inside staleIfErrorMs while the endpoint fails, then keys_unavailable', async () => {
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk] } })
    const clock = manualClock()
    const cacheMaxAgeMs = 60_000
    const staleIfErrorMs = 300_000
    const cooldownMs = 10_000
    const verifier = remoteVerifier(server, {
      now: clock.now,
      cacheMaxAgeMs,
      staleIfErrorMs,
      cooldownMs,
    })
    const token = await sign(rsa)
    await verifier.verify(token)
    expect(server.requests(JWKS_PATH)).toBe(1)

    server.behave(JWKS_PATH, { kind: 'status', status: 500 })
    clock.advance(cacheMaxAgeMs + 1)
    // The keys are too old: the stale key serves at once, without waiting for the endpoint, and
    // one refetch is tried in the background (it fails).
    const served = verifier.verify(token)
    expect(await settlesWithoutIo(served)).toBe(true)
    await expect(served).resolves.toBeDefined()
    await expect.poll(() => server.requests(JWKS_PATH)).toBe(2)
    // Not hammered: inside the cooldown, no request, and no I/O at all.
    for (let i = 0; i < 50; i++) {
      const result = verifier.verify(token)
      expect(await settlesWithoutIo(result)).toBe(true)
      await expect(result).resolves.toBeDefined()
    }
    expect(server.requests(JWKS_PATH)).toBe(2)
    // One retry per cooldown.
    clock.advance(cooldownMs + 1)
    await expect(verifier.verify(token)).resolves.toBeDefined()
    await expect.poll(() => server.requests(JWKS_PATH)).toBe(3)

    // 1 ms before the stale window closes (counted from the last good fetch, at T0).
    clock.advance(T0 + cacheMaxAgeMs + staleIfErrorMs - 1 - clock.now())
    await expect(verifier.verify(token)).resolves.toBeDefined()
    await expect.poll(() => server.requests(JWKS_PATH)).toBe(4)
    clock.advance(1)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    expect(server.requests(JWKS_PATH)).toBe(4)
    clock.advance(cooldownMs + 1)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    expect(server.requests(JWKS_PATH)).toBe(5)

    // The endpoint recovers: the next fetch (after the cooldown) brings the keys back.
    server.behave(JWKS_PATH, { kind: 'json' })
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    expect(server.requests(JWKS_PATH)).toBe(5)
    clock.advance(cooldownMs + 1)
    await expect(verifier.verify(token)).resolves.toBeDefined()
    expect(server.requests(JWKS_PATH)).toBe(6)
  })

  it('asks a failing endpoint without any keys once per cooldown, however many calls', async () => {
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk] } })
    server.behave(JWKS_PATH, { kind: 'status', status: 503 })
    const clock = manualClock()
    const verifier = remoteVerifier(server, { now: clock.now, cooldownMs: 5_000 })
    const token = await sign(rsa)

    const burst = async (n: number): Promise<void> => {
      const results = await Promise.allSettled(
        Array.from({ length: n }, () => verifier.verify(token)),
      )
      for (const result of results) {
        expect(result).toMatchObject({ status: 'rejected', reason: { code: 'keys_unavailable' } })
      }
    }
    await burst(200)
    expect(server.requests(JWKS_PATH)).toBe(1)
    for (let i = 0; i < 20; i++) {
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    }
    clock.advance(4_999)
    await burst(200)
    expect(server.requests(JWKS_PATH)).toBe(1)
    clock.advance(2)
    await burst(200)
    expect(server.requests(JWKS_PATH)).toBe(2)
  })
})

describe('jwksUri: hostile responses', () => {
  it.each([
    ['with a content-length', false],
    ['chunked, without a content-length', true],
  ])('refuses a body over maxResponseBytes %s', async (_, chunked) => {
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk] } })
    // Still a valid key set, padded: only its size can be the reason for refusing it.
    server.behave(JWKS_PATH, { kind: 'oversized', bytes: 8_192, chunked })
    const token = await sign(rsa)

    const capped = remoteVerifier(server, { maxResponseBytes: 4_096 })
    await expect(capped.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    expect(server.requests(JWKS_PATH)).toBe(1)

    const roomy = remoteVerifier(server, { maxResponseBytes: 16_384 })
    await expect(roomy.verify(token)).resolves.toBeDefined()
    expect(server.requests(JWKS_PATH)).toBe(2)
  })

  it.each([
    ['with a content-length', false],
    ['chunked, without a content-length', true],
  ])('stops reading a 64 MiB body %s at the cap', async (_, chunked) => {
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk] } })
    const bytes = 64 * 1024 * 1024
    server.behave(JWKS_PATH, { kind: 'oversized', bytes, chunked })
    const verifier = remoteVerifier(server, { maxResponseBytes: 4_096 })

    const started = performance.now()
    await expect(verifier.verify(await sign(rsa))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
    expect(performance.now() - started).toBeLessThan(2_000)
    // The client hung up: the server never got to finish the body.
    await vi.waitFor(() => {
      expect(server.stats(JWKS_PATH).aborted).toBe(1)
    })
    expect(server.stats(JWKS_PATH).bytesSent).toBeLessThan(bytes / 4)
  })

  it('caps the decoded size of a gzip body, not its size on the wire', async () => {
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk] } })
    server.behave(JWKS_PATH, { kind: 'oversized', bytes: 8_192, chunked: false, gzip: true })
    const token = await sign(rsa)

    const capped = remoteVerifier(server, { maxResponseBytes: 4_096 })
    await expect(capped.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    expect(server.stats(JWKS_PATH).bytesSent).toBeLessThan(4_096)
    const roomy = remoteVerifier(server, { maxResponseBytes: 16_384 })
    await expect(roomy.verify(token)).resolves.toBeDefined()

    // A decompression bomb: 16 MiB of padding in a few KiB on the wire.
    server.behave(JWKS_PATH, {
      kind: 'oversized',
      bytes: 16 * 1024 * 1024,
      chunked: true,
      gzip: true,
    })
    const bombed = remoteVerifier(server, { maxResponseBytes: 4_096 })
    const started = performance.now()
    await expect(bombed.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(server.requests(JWKS_PATH)).toBe(3)
  })

  it.each([
    ['HTML', '<html><body>502 Bad Gateway</body></html>'],
    ['an empty body', ''],
    ['truncated JSON', '{"keys":['],
    ['null', 'null'],
    ['an array', '[]'],
    ['keys not an array', '{"keys":{}}'],
    ['no usable key', '{"keys":[]}'],
  ])('refuses %s with keys_unavailable', async (_, body) => {
    await using server = await startKeyServer()
    server.behave(JWKS_PATH, { kind: 'garbage', body })
    const verifier = remoteVerifier(server)
    await expect(verifier.verify(await sign(rsa))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
    expect(server.requests(JWKS_PATH)).toBe(1)
  })

  it('refuses a key set that repeats a kid, keeping the previous keys', async () => {
    const impostor = await createSigningKey('RS256', rsa.kid)
    await using server = await startKeyServer({ jwks: { keys: [rsa.jwk, impostor.jwk] } })
    const clock = manualClock()
    const verifier = remoteVerifier(server, { now: clock.now, cooldownMs: 1_000 })
    // Either copy would be a guess: the whole document is refused.
    await expect(verifier.verify(await sign(rsa))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
    await expect(verifier.verify(await sign(impostor))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })

    server.setJwks({ keys: [rsa.jwk] })
    clock.advance(1_001)
    await expect(verifier.verify(await sign(rsa))).resolves.toBeDefined()
    expect(server.requests(JWKS_PATH)).toBe(2)

    // A rotation that repeats a kid is refused too; the keys in memory stay in use, and the new
    // kid is "unavailable" (retry later), not "not found": the refresh that could know failed.
    server.setJwks({ keys: [rsa.jwk, rsaNext.jwk, { ...ec.jwk, kid: rsaNext.kid }] })
    clock.advance(1_001)
    await expect(verifier.verify(await sign(rsaNext))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
    expect(server.requests(JWKS_PATH)).toBe(3)
    await expect(verifier.verify(await sign(rsa))).resolves.toBeDefined()
  })

  it('ignores encryption keys, secrets and keys with private members', async () => {
    const encryption = await createSigningKey('RS256', 'enc')
    const withPrivate = await createSigningKey('ES256', 'private')
    const secret = { kty: 'oct', kid: 'secret', k: Buffer.alloc(32, 7).toString('base64url') }
    const ignored = [
      { ...encryption.jwk, use: 'enc' },
      secret,
      { ...(await exportJWK(withPrivate.privateKey)), kid: 'private', alg: 'ES256' },
    ]
    await using server = await startKeyServer({ jwks: { keys: [...ignored, rsa.jwk] } })
    const verifier = remoteVerifier(server, { cooldownMs: 60_000 })

    await expect(verifier.verify(await sign(rsa))).resolves.toBeDefined()
    // Each of these would verify (or fail on its algorithm) had its key been imported.
    await expect(verifier.verify(await sign(encryption))).rejects.toMatchObject({
      code: 'key_not_found',
      kid: 'enc',
    })
    await expect(verifier.verify(await sign(withPrivate))).rejects.toMatchObject({
      code: 'key_not_found',
      kid: 'private',
    })
    await expect(verifier.verify(await sign(rsa, 'secret'))).rejects.toMatchObject({
      code: 'key_not_found',
      kid: 'secret',
    })
    expect(server.requests(JWKS_PATH)).toBe(1)

    // A set with nothing usable left is no key set.
    await using bare = await startKeyServer({ jwks: { keys: ignored } })
    await expect(remoteVerifier(bare).verify(await sign(withPrivate))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
  })

  it.each([
    [302, 'a path on the same server', '/elsewhere.json'],
    [302, 'an absolute URL', 'absolute'],
    [307, 'a path on the same server', '/elsewhere.json'],
    [308, 'a path on the same server', '/elsewhere.json'],
  ])('refuses a %i redirect to %s, never requesting the target', async (status, _, location) => {
    await using server = await startKeyServer()
    // The target is a perfectly good key set: following the redirect would have worked.
    server.setDocument('/elsewhere.json', { keys: [rsa.jwk] })
    const target = location === 'absolute' ? server.url('/elsewhere.json') : location
    server.behave(JWKS_PATH, { kind: 'redirect', location: target, status })
    const verifier = remoteVerifier(server)

    await expect(verifier.verify(await sign(rsa))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
    expect(server.requests(JWKS_PATH)).toBe(1)
    expect(server.requests('/elsewhere.json')).toBe(0)
  })
})

describe('jwksUri: options checked at creation', () => {
  const refusingFetch = vi.fn<typeof fetch>(() => Promise.reject(new Error('no fetch expected')))

  it.each([
    'http://keys.example.com/jwks.json',
    'http://127.0.0.1.example.com/jwks.json',
    'http://localhost.example.com/jwks.json',
    'http://10.0.0.1/jwks.json',
    'http://[::2]/jwks.json',
    'ftp://127.0.0.1/jwks.json',
    'file:///etc/jwks.json',
    'not a url',
  ])('refuses %s', (jwksUri) => {
    expect(() => createVerifier({ jwksUri, algorithms: ['RS256'] })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'jwksUri' }),
    )
  })

  it.each([
    'http://127.0.0.1:8080/jwks.json',
    'http://127.5.6.7/jwks.json',
    'http://localhost:8080/jwks.json',
    'http://LOCALHOST/jwks.json',
    'http://[::1]:8080/jwks.json',
    'https://keys.example.com/jwks.json',
    new URL('http://127.0.0.1/jwks.json'),
  ])('accepts %s without fetching anything', (jwksUri) => {
    expect(() =>
      createVerifier({ jwksUri, algorithms: ['RS256'], fetch: refusingFetch }),
    ).not.toThrow()
    expect(refusingFetch).not.toHaveBeenCalled()
  })

  it('bounds timeoutMs to 30 s', () => {
    const jwksUri = 'https://keys.example.com/jwks.json'
    expect(() =>
      createVerifier({ jwksUri, algorithms: ['RS256'], timeoutMs: 30_000 }),
    ).not.toThrow()
    for (const timeoutMs of [30_001, 0, -1, 1.5]) {
      expect(() => createVerifier({ jwksUri, algorithms: ['RS256'], timeoutMs })).toThrow(
        expect.objectContaining({ code: 'invalid_option', option: 'timeoutMs' }),
      )
    }
  })

  it.each([[['HS256']], [['HS512']], [['RS256', 'HS256']]])(
    'refuses algorithms %j with jwksUri',
    (algorithms) => {
      const options = { jwksUri: 'https://keys.example.com/jwks.json', algorithms }
      // The types refuse it too; the check at run time is for JavaScript callers.
      expect(() => createVerifier(options as unknown as JwksUriOptions)).toThrow(
        expect.objectContaining({ code: 'invalid_option', option: 'algorithms' }),
      )
    },
  )
})
