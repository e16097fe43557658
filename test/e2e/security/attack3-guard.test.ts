// The third outside attack's findings on the guard side (issue 10, attack3): async hooks whose
// promise rejects (F11), revoke() targets that resolve yet revoke nothing (F7, F9), a shared
// verifier's clock tolerance the guard ignored (F10), a revocation store that never answers (F2),
// concurrent handshakes that outran the failed-handshake limit (F12), and an identity provider's
// outage counted against clients (F5). Each test failed before its fix.
import { afterAll, describe, expect, it } from 'vitest'
import {
  AuthError,
  createMemoryRevocationStore,
  createVerifier,
  type RevocationStore,
} from '../../../src/index.js'
import { requireAuth } from '../../../src/express/index.js'
import {
  connected,
  expectRefused,
  handshakeRoundTrip,
  nothingBeforeRoundTrip,
  watchProcess,
} from '../../support/guard-e2e.js'
import { nextEvent, nowSeconds, startServer } from '../../support/socket-server.js'
import { startApp } from '../express/support.js'

const crashes = watchProcess()
afterAll(() => {
  crashes.stop()
  expect(crashes.errors).toEqual([])
})

const rejecting = (): Promise<never> => Promise.reject(new Error('remote log service down'))

describe('F11: app hooks that return a rejected promise', () => {
  it('an async onFailure that rejects: the refusal is answered and nothing is left unhandled', async () => {
    await using server = await startServer({ guard: { onFailure: rejecting } })
    await expectRefused(server.connect({ auth: { token: 'not.a.jwt' } }), 'token_malformed')
    await handshakeRoundTrip()
    expect(crashes.errors).toEqual([])
  })

  it('an async rateLimit.key: used when it resolves; server_error when it rejects or answers no string', async () => {
    await using server = await startServer({
      guard: { rateLimit: { points: 1, key: () => Promise.resolve('one-address') } },
    })
    await expectRefused(server.connect({ auth: { token: 'x.y.z' } }), 'token_malformed')
    await expectRefused(server.connect({ auth: { token: server.issuer.sign() } }), 'rate_limited')
    await using failing = await startServer({ guard: { rateLimit: { key: rejecting } } })
    await expectRefused(failing.connect({ auth: { token: failing.issuer.sign() } }), 'server_error')
    await using odd = await startServer({
      guard: { rateLimit: { key: (() => 42) as unknown as () => string } },
    })
    await expectRefused(odd.connect({ auth: { token: odd.issuer.sign() } }), 'server_error')
  })
})

describe('F7, F9: revoke() targets that cannot be kept are refused, not resolved', () => {
  it('refuses null, and an expiresAt that is not ms since the epoch (a JWT exp in seconds, NaN, a string)', async () => {
    await using server = await startServer()
    const invalid = expect.objectContaining({ code: 'invalid_option', option: 'target' }) as Error
    await expect(server.guard.revoke(null as never)).rejects.toThrow(invalid)
    await expect(server.guard.revoke({ sid: 's', iss: 5 as never })).rejects.toThrow(invalid)
    await expect(server.guard.revoke({ jti: 'j', iss: '' })).rejects.toThrow(invalid)
    // Two targets at once, or a member it does not know (attack5 L2).
    await expect(server.guard.revoke({ sub: 'a', jti: 'j' } as never)).rejects.toThrow(invalid)
    await expect(server.guard.revoke({ sub: 'a', foo: 1 } as never)).rejects.toThrow(invalid)
    const exp = nowSeconds() + 60
    for (const expiresAt of [exp, Number.NaN, Infinity, `${exp * 1000}`, -1])
      await expect(
        server.guard.revoke({ jti: 'a', expiresAt: expiresAt as number }),
      ).rejects.toThrow(invalid)
  })

  it('an expiresAt already past still keeps the token out for as long as the verifier would take it', async () => {
    await using server = await startServer({ guard: { clockToleranceMs: 30_000 } })
    // Expired 10 s ago: still inside the 30 s tolerance, so still accepted until revoked.
    const exp = nowSeconds() - 10
    const token = server.issuer.sign({ jti: 'late', iat: exp - 60, exp })
    await connected(server.connect({ auth: { token } }))
    await server.guard.revoke({ jti: 'late', expiresAt: exp * 1000 })
    await expectRefused(server.connect({ auth: { token } }), 'token_revoked', token)
  })
})

describe("F10: a shared verifier's clock tolerance", () => {
  it('revoke({ sub }) covers tokens whose iat the shared verifier accepts ahead of the clock', async () => {
    const secret = 'k'.repeat(32)
    const verifier = createVerifier({ secret, algorithms: ['HS256'], clockToleranceMs: 30_000 })
    const revocationStore = createMemoryRevocationStore()
    await using server = await startServer({ guard: { verifier, revocationStore } })
    const { signJwt } = await import('../../support/sign.js')
    const iat = nowSeconds() + 20 // an issuer whose clock runs 20 s fast
    const token = signJwt('HS256', Buffer.from(secret), { sub: 'alice', iat, exp: iat + 600 })
    const client = server.connect({ auth: { token } })
    await connected(client)
    const told = nextEvent<{ code: string }>(client, 'unauthorized')
    await server.guard.revoke({ sub: 'alice' })
    expect((await told).code).toBe('token_revoked')
    await expectRefused(server.connect({ auth: { token } }), 'token_revoked', token)
    // requireAuth with the same verifier and store refuses it too.
    await using app = await startApp((express) => {
      express.get('/me', requireAuth({ verifier, revocationStore }), (_req, res) => {
        res.json({ ok: true })
      })
    })
    expect(
      (await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401)
  })

  it('a token the shared verifier accepts past its exp is kept until then, not ended at once', async () => {
    const secret = 'k'.repeat(32)
    const verifier = createVerifier({ secret, algorithms: ['HS256'], clockToleranceMs: 30_000 })
    await using server = await startServer({ guard: { verifier } })
    const { signJwt } = await import('../../support/sign.js')
    const exp = nowSeconds() - 10
    const token = signJwt('HS256', Buffer.from(secret), { sub: 'alice', iat: exp - 60, exp })
    const client = server.connect({ auth: { token } })
    await connected(client)
    // The session's deadline is exp + 30 s: a round trip now finds the socket still there.
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(client.connected).toBe(true)
  })
})

describe('F2: a revocation store that never answers', () => {
  const hanging = (): RevocationStore => ({
    ...createMemoryRevocationStore(),
    isRevoked: () => new Promise<boolean>(() => undefined),
  })

  it('a handshake is refused store_unavailable (fail-closed), not held', async () => {
    await using server = await startServer({ guard: { revocationStore: hanging() } })
    const token = server.issuer.sign()
    await expectRefused(server.connect({ auth: { token } }), 'store_unavailable', token)
  })

  it('fail-open admits it once the store has had its time', async () => {
    await using server = await startServer({
      guard: { revocationStore: hanging(), revocationCheck: 'fail-open' },
    })
    await connected(server.connect({ auth: { token: server.issuer.sign() } }))
  })

  it('requireAuth answers 503 store_unavailable', async () => {
    const verifier = createVerifier({ secret: 'k'.repeat(32), algorithms: ['HS256'] })
    const { signJwt } = await import('../../support/sign.js')
    const token = signJwt('HS256', Buffer.from('k'.repeat(32)), {
      sub: 'alice',
      iat: nowSeconds(),
      exp: nowSeconds() + 60,
    })
    await using app = await startApp((express) => {
      express.get('/me', requireAuth({ verifier, revocationStore: hanging() }), (_req, res) => {
        res.json({ ok: true })
      })
    })
    const response = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(response.status).toBe(503)
  })
})

describe('the sixth outside attack, core', () => {
  it('a store whose revocation write never settles: revoke() rejects store_unavailable, the socket still ends (R7)', async () => {
    const store: RevocationStore = {
      ...createMemoryRevocationStore(),
      revokeSubject: () => new Promise<void>(() => undefined),
    }
    await using server = await startServer({ guard: { revocationStore: store } })
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(client)
    const told = nextEvent<{ code: string }>(client, 'unauthorized')
    await expect(server.guard.revoke({ sub: 'alice' })).rejects.toMatchObject({
      code: 'store_unavailable',
    })
    expect((await told).code).toBe('token_revoked')
  }, 20_000)

  it('a getKey that returns a thenable of another promise library is awaited (H3, H8)', async () => {
    const { createIssuer } = await import('../../support/socket-server.js')
    const issuer = createIssuer()
    const thenable = (
      settle: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => void,
    ) =>
      ({
        then: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => {
          settle(resolve, reject)
        },
      }) as unknown as Promise<Buffer>
    await using ok = await startServer({
      issuer,
      guard: {
        verifier: createVerifier({
          getKey: () =>
            thenable((resolve) => {
              resolve(issuer.secret)
            }),
          algorithms: ['HS256'],
        }),
      },
    })
    await connected(ok.connect({ auth: { token: issuer.sign() } }))
    await using down = await startServer({
      issuer,
      guard: {
        verifier: createVerifier({
          getKey: () =>
            thenable((_resolve, reject) => {
              reject(new Error('database down'))
            }),
          algorithms: ['HS256'],
        }),
      },
    })
    const token = issuer.sign()
    await expectRefused(down.connect({ auth: { token } }), 'server_error', token)
  })
})

describe('F12, F5: the failed-handshake limit', () => {
  const slowKey = (secret: Buffer) => async (): Promise<Buffer> => {
    await new Promise((resolve) => setTimeout(resolve, 50))
    return secret
  }

  it('holds against concurrent handshakes whose verification awaits a key lookup', async () => {
    const { createIssuer } = await import('../../support/socket-server.js')
    const issuer = createIssuer()
    await using server = await startServer({
      issuer,
      guard: {
        verifier: createVerifier({ getKey: slowKey(issuer.secret), algorithms: ['HS256'] }),
        rateLimit: { points: 3 },
      },
    })
    const forged = `${issuer.sign().slice(0, -4)}AAAA`
    const codes = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const client = server.connect({ auth: { token: forged } })
        const error = await nextEvent<Error & { data?: { code: string } }>(client, 'connect_error')
        return error.data?.code
      }),
    )
    expect(codes.filter((code) => code === 'token_invalid')).toHaveLength(3)
    expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(27)
  })

  it('does not refuse good handshakes that come many at once: they wait their turn', async () => {
    const { createIssuer } = await import('../../support/socket-server.js')
    const issuer = createIssuer()
    await using server = await startServer({
      issuer,
      guard: {
        verifier: createVerifier({ getKey: slowKey(issuer.secret), algorithms: ['HS256'] }),
        rateLimit: { points: 3 },
      },
    })
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) =>
        connected(server.connect({ auth: { token: issuer.sign({ sub: `u${i}` }) } })),
      ),
    )
  })

  it("an identity provider's outage (keys_unavailable) is not counted against the client", async () => {
    const { createIssuer } = await import('../../support/socket-server.js')
    const issuer = createIssuer()
    let down = true
    await using server = await startServer({
      issuer,
      guard: {
        verifier: createVerifier({
          getKey: () => {
            if (down) throw new AuthError('keys_unavailable', 'The key set is unreachable.')
            return issuer.secret
          },
          algorithms: ['HS256'],
        }),
        rateLimit: { points: 1 },
      },
    })
    const token = issuer.sign()
    await expectRefused(server.connect({ auth: { token } }), 'keys_unavailable', token)
    await expectRefused(server.connect({ auth: { token } }), 'keys_unavailable', token)
    down = false
    await connected(server.connect({ auth: { token } }))
  })
})
