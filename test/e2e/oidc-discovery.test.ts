// OpenID Connect discovery (`issuerUrl`) against a real HTTP server on 127.0.0.1: the discovered
// jwks_uri is used, the issuer check defaults to the issuer, a document naming another issuer or
// an unsafe jwks_uri is refused, and a failing discovery is retried only after the cooldown.
import { describe, expect, it, vi } from 'vitest'
import { createVerifier, type IssuerUrlOptions, type Verifier } from '../../src/index.js'
import { DISCOVERY_PATH, JWKS_PATH, startKeyServer, type Behaviour } from '../support/key-server.js'
import { createSigningKey, signToken, type SigningKey } from '../support/signing-key.js'

const T0 = 1_900_000_000_000

function manualClock(start = T0) {
  let time = start
  return {
    now: (): number => time,
    advance: (ms: number): void => {
      time += ms
    },
  }
}

const key = await createSigningKey('ES256', 'ec-1')

type DiscoveryOptions = Omit<IssuerUrlOptions, 'issuerUrl' | 'algorithms'>

function discoveringVerifier(issuerUrl: string, options: DiscoveryOptions = {}): Verifier {
  // Tokens are signed at T0; a test that moves time passes its own clock.
  return createVerifier({ issuerUrl, algorithms: ['ES256'], now: () => T0, ...options })
}

const sign = (signer: SigningKey, iss: string | undefined): Promise<string> =>
  signToken(signer, { nowMs: T0, claims: iss === undefined ? {} : { iss } })

/** A fetch that records every URL asked for, then does the real request. */
function recordingFetch() {
  const urls: string[] = []
  const fetchSpy: typeof fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input))
    return fetch(input, init)
  }
  return { urls, fetch: fetchSpy }
}

describe('issuerUrl: discovery', () => {
  it('discovers the jwks_uri lazily, then verifies from memory', async () => {
    await using server = await startKeyServer({ jwks: { keys: [key.jwk] } })
    const verifier = discoveringVerifier(server.origin)
    expect(server.totalRequests()).toBe(0)

    const token = await sign(key, server.origin)
    await expect(verifier.verify(token)).resolves.toMatchObject({
      claims: { iss: server.origin, sub: 'user-1' },
      header: { kid: 'ec-1' },
    })
    expect(server.requests(DISCOVERY_PATH)).toBe(1)
    expect(server.requests(JWKS_PATH)).toBe(1)

    for (let i = 0; i < 10; i++) await verifier.verify(token)
    expect(server.totalRequests()).toBe(2)
  })

  it('finds the document under an issuer with a path, and a jwks_uri elsewhere', async () => {
    await using server = await startKeyServer()
    const issuer = server.url('/tenants/acme')
    server.setDocument(`/tenants/acme${DISCOVERY_PATH}`, {
      issuer,
      jwks_uri: server.url('/keys/acme.json'),
    })
    server.setDocument('/keys/acme.json', { keys: [key.jwk] })
    const verifier = discoveringVerifier(issuer)

    await expect(verifier.verify(await sign(key, issuer))).resolves.toBeDefined()
    expect(server.requests(`/tenants/acme${DISCOVERY_PATH}`)).toBe(1)
    expect(server.requests('/keys/acme.json')).toBe(1)
    expect(server.requests(DISCOVERY_PATH)).toBe(0)
  })

  it('shares one discovery and one key-set fetch among 1,000 concurrent first calls', async () => {
    await using server = await startKeyServer({ jwks: { keys: [key.jwk] } })
    const verifier = discoveringVerifier(server.origin)
    const token = await sign(key, server.origin)

    const results = await Promise.allSettled(
      Array.from({ length: 1_000 }, () => verifier.verify(token)),
    )
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1_000)
    expect(server.requests(DISCOVERY_PATH)).toBe(1)
    expect(server.requests(JWKS_PATH)).toBe(1)
  })

  it('checks iss against the issuerUrl by default', async () => {
    await using server = await startKeyServer({ jwks: { keys: [key.jwk] } })
    const verifier = discoveringVerifier(server.origin)

    await expect(verifier.verify(await sign(key, server.origin))).resolves.toBeDefined()
    // Same keys, another issuer: a token minted for a sibling tenant must not pass here.
    for (const iss of ['https://other.example', `${server.origin}/`, undefined]) {
      await expect(verifier.verify(await sign(key, iss))).rejects.toMatchObject({
        code: 'claim_invalid',
        claim: 'iss',
      })
    }
  })

  it('lets an explicit issuer option replace the default', async () => {
    await using server = await startKeyServer({ jwks: { keys: [key.jwk] } })
    const verifier = discoveringVerifier(server.origin, { issuer: 'https://alias.example' })

    await expect(verifier.verify(await sign(key, 'https://alias.example'))).resolves.toBeDefined()
    await expect(verifier.verify(await sign(key, server.origin))).rejects.toMatchObject({
      code: 'claim_invalid',
      claim: 'iss',
    })
  })
})

describe('issuerUrl: an untrustworthy discovery document', () => {
  it.each([
    ['another issuer', () => 'https://evil.example'],
    ['the issuer with a trailing slash', (origin: string) => `${origin}/`],
    ['the issuer in another case', (origin: string) => origin.toUpperCase()],
    ['no issuer', () => undefined],
  ])('refuses a document naming %s, never fetching its keys', async (_, issuerOf) => {
    await using server = await startKeyServer({ jwks: { keys: [key.jwk] } })
    server.setDiscovery({ issuer: issuerOf(server.origin), jwks_uri: server.url(JWKS_PATH) })
    const verifier = discoveringVerifier(server.origin)

    await expect(verifier.verify(await sign(key, server.origin))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
    expect(server.requests(DISCOVERY_PATH)).toBe(1)
    expect(server.requests(JWKS_PATH)).toBe(0)
  })

  it.each([
    ['plain http on another host', 'http://keys.example.com/jwks.json'],
    ['plain http on a private address', 'http://10.0.0.1/jwks.json'],
    ['a file URL', 'file:///etc/jwks.json'],
    ['not a URL', 'jwks.json'],
    ['not a string', 42],
    ['nothing', undefined],
  ])('refuses a jwks_uri that is %s, fetching nothing more', async (_, jwksUri) => {
    await using server = await startKeyServer({ jwks: { keys: [key.jwk] } })
    server.setDiscovery({ issuer: server.origin, jwks_uri: jwksUri })
    const recorder = recordingFetch()
    const verifier = discoveringVerifier(server.origin, { fetch: recorder.fetch })

    await expect(verifier.verify(await sign(key, server.origin))).rejects.toMatchObject({
      code: 'keys_unavailable',
    })
    expect(recorder.urls).toEqual([server.url(DISCOVERY_PATH)])
  })

  const failures: [string, Behaviour][] = [
    ['a 500', { kind: 'status', status: 500 }],
    ['a 404', { kind: 'status', status: 404 }],
    ['a body that is not JSON', { kind: 'garbage' }],
    ['a redirect', { kind: 'redirect', location: '/elsewhere' }],
    ['a timeout', { kind: 'delay', ms: 10_000 }],
  ]
  it.each(failures)(
    'retries discovery after %s only once the cooldown is over',
    async (_, behaviour) => {
      await using server = await startKeyServer({ jwks: { keys: [key.jwk] } })
      server.setDocument('/elsewhere', { issuer: server.origin, jwks_uri: server.url(JWKS_PATH) })
      server.behave(DISCOVERY_PATH, behaviour)
      const clock = manualClock()
      const verifier = discoveringVerifier(server.origin, {
        now: clock.now,
        cooldownMs: 60_000,
        timeoutMs: 200,
      })
      const token = await sign(key, server.origin)

      const started = performance.now()
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
      expect(performance.now() - started).toBeLessThan(2_000)
      expect(server.requests(DISCOVERY_PATH)).toBe(1)

      server.behave(DISCOVERY_PATH, { kind: 'json' })
      const burst = await Promise.allSettled(
        Array.from({ length: 100 }, () => verifier.verify(token)),
      )
      for (const result of burst) {
        expect(result).toMatchObject({ status: 'rejected', reason: { code: 'keys_unavailable' } })
      }
      clock.advance(59_999)
      await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'keys_unavailable' })
      expect(server.requests(DISCOVERY_PATH)).toBe(1)

      clock.advance(2)
      await expect(verifier.verify(token)).resolves.toBeDefined()
      expect(server.requests(DISCOVERY_PATH)).toBe(2)
      expect(server.requests(JWKS_PATH)).toBe(1)
      expect(server.requests('/elsewhere')).toBe(0)
    },
  )
})

describe('issuerUrl: options checked at creation', () => {
  it.each(['http://login.example.com', 'http://127.0.0.1.example.com', 'ftp://127.0.0.1'])(
    'refuses %s',
    (issuerUrl) => {
      expect(() => createVerifier({ issuerUrl, algorithms: ['ES256'] })).toThrow(
        expect.objectContaining({ code: 'invalid_option', option: 'issuerUrl' }),
      )
    },
  )

  it.each(['http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9', 'https://login.example'])(
    'accepts %s without fetching anything',
    (issuerUrl) => {
      const fetchSpy = vi.fn<typeof fetch>()
      expect(() =>
        createVerifier({ issuerUrl, algorithms: ['ES256'], fetch: fetchSpy }),
      ).not.toThrow()
      expect(fetchSpy).not.toHaveBeenCalled()
    },
  )

  it('refuses HMAC algorithms and timeoutMs over 30 s', () => {
    const issuerUrl = 'https://login.example'
    const hmac = { issuerUrl, algorithms: ['HS256'] }
    expect(() => createVerifier(hmac as unknown as IssuerUrlOptions)).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'algorithms' }),
    )
    expect(() => createVerifier({ issuerUrl, algorithms: ['ES256'], timeoutMs: 30_001 })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'timeoutMs' }),
    )
  })
})
