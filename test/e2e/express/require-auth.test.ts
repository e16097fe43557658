// requireAuth in a real Express 5 app on 127.0.0.1, called with real fetch: what a handler sees
// on success, and for every way a request can fail the status, the RFC 6750 challenge, the
// JSON body and the absence of the token; hooks and stores that throw never crash anything.
import { request } from 'node:http'
import { inspect } from 'node:util'
import type { Express } from 'express'
import { afterAll, describe, expect, it } from 'vitest'
import {
  AuthError,
  createMemoryRevocationStore,
  createVerifier,
  type RevocationStore,
  type Verifier,
} from '../../../src/index.js'
import { requireAuth, type RequireAuthOptions } from '../../../src/express/index.js'
import { closedPort, watchProcess } from '../../support/guard-e2e.js'
import { createSigningKey, signToken } from '../../support/signing-key.js'
import { createIssuer, nowSeconds } from '../../support/socket-server.js'
import { expectNoSecrets, expectRefusal, rawHttpGet, startApp } from './support.js'

const issuer = createIssuer()
const rsa = await createSigningKey('RS256', 'rsa-1')
const stranger = createIssuer()
const verifier = createVerifier({ secret: issuer.secret, algorithms: ['HS256'] })
const crashes = watchProcess()
afterAll(() => {
  crashes.stop()
  // Every failure path ran in this file: none may have escaped as a rejection or exception.
  expect(crashes.errors).toEqual([])
})

/** An app with `GET /me` behind requireAuth, answering with what the handler saw. */
function guarded(options: RequireAuthOptions = { verifier, realm: 'api' }) {
  return (app: Express): void => {
    app.get('/me', requireAuth(options), (req, res) => {
      res.json({ auth: req.auth, authorization: req.headers.authorization ?? null })
    })
  }
}

/** GET with any raw Authorization fields (node:http sends each array entry as its own field). */
function rawGet(url: string, authorization: string | string[]): Promise<Response> {
  return new Promise((resolve, reject) => {
    // Raw fields: node:http then adds no Host of its own, and a server refuses a request without.
    const fields = [authorization].flat().flatMap((value) => ['Authorization', value])
    const req = request(`${url}/me`, { headers: ['Host', new URL(url).host, ...fields] }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(res.headers))
          if (typeof value === 'string') headers.set(name, value)
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }))
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** The challenge of a refused token: realm, invalid_token and the message as its description. */
const invalidToken = (message: string): string =>
  `Bearer realm="api", error="invalid_token", error_description="${message.replace(/"/g, "'")}"`

describe('requireAuth: a valid token', () => {
  it('passes and puts { claims, expiresAt } on req.auth', async () => {
    await using server = await startApp(guarded())
    const exp = nowSeconds() + 60
    const token = issuer.sign({ sub: 'alice', scope: 'read', exp })
    const response = await server.get('/me', token)
    expect(response.status).toBe(200)
    const seen = (await response.json()) as { auth: Record<string, unknown>; authorization: string }
    expect(seen.auth).toEqual({
      claims: { sub: 'alice', scope: 'read', iat: expect.any(Number) as unknown, exp },
      expiresAt: exp * 1000,
    })
    // On success the header is left alone: a handler may relay the token upstream.
    expect(seen.authorization).toBe(`Bearer ${token}`)
  })

  it.each(['bearer', 'BEARER', 'BeArEr  '])(
    'accepts the scheme written %j (case-insensitive, one or more spaces)',
    async (scheme) => {
      await using server = await startApp(guarded())
      const response = await fetch(`${server.url}/me`, {
        headers: { authorization: `${scheme} ${issuer.sign()}` },
      })
      expect(response.status).toBe(200)
    },
  )

  it('works with verifier options inline, and exposes its verifier', async () => {
    const middleware = requireAuth({ secret: issuer.secret, algorithms: ['HS256'] })
    await expect(middleware.verifier.verify(issuer.sign())).resolves.toBeDefined()
    await using server = await startApp((app) => {
      app.get('/me', middleware, (req, res) => {
        res.json(req.auth.claims.sub)
      })
    })
    const response = await server.get('/me', issuer.sign({ sub: 'bob' }))
    expect(await response.json()).toBe('bob')
  })
})

describe('requireAuth: no credentials', () => {
  it.each([
    ['no Authorization header', undefined],
    ['another scheme (Basic)', 'Basic dXNlcjpwYXNzd29yZA=='],
    ['a scheme that only starts like Bearer', 'Bearerx abc'],
  ])('%s: 401 with a challenge that has no error attribute', async (_, authorization) => {
    let handled = false
    await using server = await startApp((app) => {
      app.get('/me', requireAuth({ verifier, realm: 'api' }), (_req, res) => {
        handled = true
        res.end()
      })
    })
    const response = await fetch(`${server.url}/me`, {
      headers: authorization === undefined ? {} : { authorization },
    })
    const secrets = authorization === undefined ? [] : [authorization]
    const seen = await expectRefusal(response, 401, 'token_missing', ...secrets)
    // RFC 6750 §3.1: no error code when the request carried no bearer credentials at all.
    expect(seen.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(seen.headers['retry-after']).toBeUndefined()
    expect(handled).toBe(false)
  })

  it('without a realm the challenge is the bare scheme', async () => {
    await using server = await startApp(guarded({ verifier }))
    const seen = await expectRefusal(await server.get('/me'), 401, 'token_missing')
    expect(seen.headers['www-authenticate']).toBe('Bearer')
  })

  it('quote-escapes the realm', async () => {
    await using server = await startApp(guarded({ verifier, realm: 'the "api" \\ v2' }))
    const seen = await expectRefusal(await server.get('/me'), 401, 'token_missing')
    expect(seen.headers['www-authenticate']).toBe('Bearer realm="the \\"api\\" \\\\ v2"')
  })
})

describe('requireAuth: a malformed Authorization header', () => {
  const token = issuer.sign()
  it.each([
    ['the scheme without a token', 'Bearer'],
    ['two tokens', `Bearer ${token} ${token}`],
    ['a comma-separated list', `Bearer ${token}, Bearer ${token}`],
    ['characters outside b64token', `Bearer ${token}"x`],
    ['a tab instead of a space', `Bearer\t${token}`],
  ])('%s: 400 invalid_request, token_malformed', async (_, authorization) => {
    await using server = await startApp(guarded())
    const response = await fetch(`${server.url}/me`, { headers: { authorization } })
    const seen = await expectRefusal(response, 400, 'token_malformed', token)
    expect(seen.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_request", error_description="${seen.body.message}"`,
    )
  })

  it('two Authorization fields: 400, even when the first one holds a good token', async () => {
    await using server = await startApp(guarded())
    const other = issuer.sign({ sub: 'mallory' })
    const response = await rawGet(server.url, [`Bearer ${token}`, `Bearer ${other}`])
    await expectRefusal(response, 400, 'token_malformed', token, other)
  })

  // attack3 F3: Node keeps the first Authorization field in req.headers; when that one was empty
  // or another scheme, the Bearer field after it was ignored and the answer was 401 token_missing.
  it.each([
    ['empty, then Bearer', () => ['Authorization:', `Authorization: Bearer ${token}`]],
    ['Basic, then Bearer', () => ['Authorization: Basic eA==', `Authorization: Bearer ${token}`]],
    ['Bearer, then empty', () => [`Authorization: Bearer ${token}`, 'Authorization:']],
    ['Bearer, then Basic', () => [`Authorization: Bearer ${token}`, 'Authorization: Basic eA==']],
    ['empty twice', () => ['Authorization:', 'authorization: ']],
    ['Basic twice', () => ['Authorization: Basic eA==', 'AUTHORIZATION: Basic eQ==']],
    [
      'Bearer, another field, then Bearer',
      () => [`Authorization: Bearer ${token}`, 'X-Other: 1', `authorization: Bearer ${token}`],
    ],
  ])(
    'two Authorization fields (%s), sent raw: 400 invalid_request, token_malformed (attack3 F3)',
    async (_, fields) => {
      await using server = await startApp(guarded())
      const response = await rawHttpGet(server.url, '/me', fields())
      const seen = await expectRefusal(response, 400, 'token_malformed', token)
      expect(seen.headers['www-authenticate']).toBe(
        `Bearer realm="api", error="invalid_request", error_description="${seen.body.message}"`,
      )
    },
  )

  it('one empty or Basic Authorization field, sent raw, stays 401 token_missing', async () => {
    await using server = await startApp(guarded())
    for (const field of ['Authorization:', 'Authorization: Basic eA=='])
      await expectRefusal(await rawHttpGet(server.url, '/me', [field]), 401, 'token_missing')
    const ok = await rawHttpGet(server.url, '/me', [`Authorization: Bearer ${token}`])
    expect(ok.status).toBe(200)
  })
})

describe('requireAuth: a refused token', () => {
  it.each([
    ['a bad signature', 'token_invalid', () => stranger.sign()],
    [
      'an expired token',
      'token_expired',
      () => issuer.sign({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 }),
    ],
    ['a token not valid yet', 'token_not_active', () => issuer.sign({ nbf: nowSeconds() + 600 })],
    ['a token that is not a JWS', 'token_malformed', () => 'abc.def'],
    [
      'alg none',
      'token_invalid',
      () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`,
    ],
  ])('%s: 401 invalid_token, body %s', async (_, code, make) => {
    const token = make()
    await using server = await startApp(guarded())
    const seen = await expectRefusal(await server.get('/me', token), 401, code, token)
    expect(seen.headers['www-authenticate']).toBe(invalidToken(seen.body.message))
    // The same code and message a Socket.IO client would get for this token.
    const error = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e as AuthError,
    )
    expect(seen.body).toEqual({ error: error?.code, message: error?.message })
  })

  it('folds quotes in the message into error_description (RFC 6750 §3: no " or \\)', async () => {
    const strict = createVerifier({
      secret: issuer.secret,
      algorithms: ['HS256'],
      requiredClaims: ['tenant'],
    })
    await using server = await startApp(guarded({ verifier: strict, realm: 'api' }))
    const seen = await expectRefusal(await server.get('/me', issuer.sign()), 401, 'claim_invalid')
    expect(seen.body.message).toContain('"tenant"')
    expect(seen.headers['www-authenticate']).toBe(
      `Bearer realm="api", error="invalid_token", error_description="The token has no 'tenant' claim."`,
    )
  })

  it.each([
    ['by subject', (store: RevocationStore) => store.revokeSubject('alice', Date.now(), 60_000)],
    [
      'by token id',
      (store: RevocationStore) => store.revokeToken(undefined, 'j-1', Date.now() + 60_000),
    ],
  ])('revoked %s: 401 invalid_token, token_revoked; others still pass', async (_, revoke) => {
    const store = createMemoryRevocationStore()
    await using server = await startApp(guarded({ verifier, realm: 'api', revocationStore: store }))
    const token = issuer.sign({ sub: 'alice', jti: 'j-1' })
    expect((await server.get('/me', token)).status).toBe(200)
    await revoke(store)
    const seen = await expectRefusal(await server.get('/me', token), 401, 'token_revoked', token)
    expect(seen.headers['www-authenticate']).toBe(invalidToken(seen.body.message))
    expect((await server.get('/me', issuer.sign({ sub: 'bob', jti: 'j-2' }))).status).toBe(200)
  })
})

describe('requireAuth: keys_unavailable', () => {
  it.each([
    ['the default', undefined, '30'],
    ['retryAfterMs: 1500', 1_500, '2'],
  ])('503 with Retry-After (%s) when the JWKS URL refuses', async (_, retryAfterMs, expected) => {
    const port = await closedPort()
    const remote = createVerifier({
      jwksUri: `http://127.0.0.1:${port}/jwks.json`,
      algorithms: ['RS256'],
    })
    await using server = await startApp(
      guarded({
        verifier: remote,
        realm: 'api',
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      }),
    )
    const token = await signToken(rsa)
    const seen = await expectRefusal(await server.get('/me', token), 503, 'keys_unavailable', token)
    expect(seen.headers['retry-after']).toBe(expected)
    // Not the client's credentials at fault: no challenge that would make it drop its token.
    expect(seen.headers['www-authenticate']).toBeUndefined()
  })
})

describe('requireAuth: hooks and stores that fail', () => {
  it('onFailure sees the coded error and a request without the Authorization header', async () => {
    const seen: { code: string; dump: string }[] = []
    const token = stranger.sign()
    await using server = await startApp(
      guarded({
        verifier,
        onFailure(error, req) {
          seen.push({
            code: error.code,
            dump: `${inspect(error, { depth: 5 })}\n${JSON.stringify([req.headers, req.rawHeaders])}`,
          })
        },
      }),
    )
    await expectRefusal(await server.get('/me', token), 401, 'token_invalid', token)
    await expectRefusal(await server.get('/me'), 401, 'token_missing')
    const basic = 'Basic dXNlcjpwYXNzd29yZA=='
    await expectRefusal(
      await fetch(`${server.url}/me`, { headers: { authorization: basic } }),
      401,
      'token_missing',
      basic,
    )
    expect(seen.map((entry) => entry.code)).toEqual([
      'token_invalid',
      'token_missing',
      'token_missing',
    ])
    for (const entry of seen) {
      expect(entry.dump).not.toMatch(/authorization/i)
      expectNoSecrets(entry.dump, token, basic)
    }
  })

  it('a throwing onFailure does not change the response', async () => {
    await using server = await startApp(
      guarded({
        verifier,
        onFailure() {
          throw new Error('logger down')
        },
      }),
    )
    await expectRefusal(await server.get('/me', 'abc.def'), 401, 'token_malformed')
  })

  // attack3 F11: the promise an async onFailure returned was left unhandled; one anonymous bad
  // request then killed a process running with Node's default (--unhandled-rejections=throw).
  it.each<[string, () => unknown]>([
    ['an async onFailure that rejects', () => Promise.reject(new Error('remote log service down'))],
    [
      'a thenable onFailure whose then throws',
      () => ({
        then() {
          throw new Error('odd thenable')
        },
      }),
    ],
    [
      'a thenable onFailure that calls its reject',
      () => ({
        then(_resolve: unknown, reject: (error: unknown) => void) {
          reject(new Error('log sink down'))
        },
      }),
    ],
  ])('%s: the refusal is answered, no unhandled rejection (attack3 F11)', async (_, hook) => {
    const before = crashes.errors.length
    let calls = 0
    await using server = await startApp(
      guarded({
        verifier,
        onFailure: () => {
          calls++
          return hook()
        },
      }),
    )
    await expectRefusal(await server.get('/me', 'not.a.jwt'), 401, 'token_malformed')
    await expectRefusal(await server.get('/me'), 401, 'token_missing')
    await expectRefusal(
      await rawHttpGet(server.url, '/me', ['Authorization:', 'Authorization: x']),
      400,
      'token_malformed',
    )
    expect(calls).toBe(3)
    // unhandledRejection is emitted once the microtask queue drains: a few macrotasks later.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(crashes.errors.slice(before)).toEqual([])
  })

  const failingStores: [string, RevocationStore['isRevoked']][] = [
    ['rejects', () => Promise.reject(new Error('redis down'))],
    [
      'throws',
      () => {
        throw new Error('redis down')
      },
    ],
  ]
  const failing = (isRevoked: RevocationStore['isRevoked']): RevocationStore => ({
    isRevoked,
    revokeSubject: () => undefined,
    revokeToken: () => undefined,
  })

  it.each(failingStores)(
    'a revocation store that %s: 503 store_unavailable with Retry-After (fail-closed)',
    async (_, isRevoked) => {
      await using server = await startApp(
        guarded({ verifier, revocationStore: failing(isRevoked) }),
      )
      const token = issuer.sign()
      const seen = await expectRefusal(
        await server.get('/me', token),
        503,
        'store_unavailable',
        token,
      )
      expect(seen.headers['retry-after']).toBe('30')
      expect(seen.headers['www-authenticate']).toBeUndefined()
      expect(seen.body.message).not.toContain('redis')
    },
  )

  it.each(failingStores)(
    "a revocation store that %s: the token passes with revocationCheck: 'fail-open'",
    async (_, isRevoked) => {
      await using server = await startApp(
        guarded({ verifier, revocationStore: failing(isRevoked), revocationCheck: 'fail-open' }),
      )
      expect((await server.get('/me', issuer.sign())).status).toBe(200)
    },
  )

  it.each<[string, () => never | Promise<never>]>([
    ['rejects', () => Promise.reject(new TypeError('boom'))],
    [
      'throws',
      () => {
        throw new TypeError('boom')
      },
    ],
  ])(
    'a key lookup that %s (its database is down): 503 server_error with Retry-After, not a 401',
    async (_, getKey) => {
      const flaky: Verifier = createVerifier({ getKey, algorithms: ['HS256'] })
      await using server = await startApp(guarded({ verifier: flaky }))
      const token = issuer.sign()
      // The server failed, not the token: a 401 would make the client throw a good token away.
      const seen = await expectRefusal(await server.get('/me', token), 503, 'server_error', token)
      expect(seen.headers['retry-after']).toBe('30')
      expect(seen.headers['www-authenticate']).toBeUndefined()
      expect(seen.body.message).not.toContain('boom')
    },
  )

  it('a key lookup that finds no key (resolves undefined) stays a 401 key_not_found', async () => {
    const none: Verifier = createVerifier({
      getKey: () => Promise.resolve(undefined as never),
      algorithms: ['HS256'],
    })
    await using server = await startApp(guarded({ verifier: none }))
    const token = issuer.sign()
    await expectRefusal(await server.get('/me', token), 401, 'key_not_found', token)
  })

  it('50 concurrent refusals are all answered, and none reaches the handler', async () => {
    let handled = 0
    await using server = await startApp((app) => {
      app.get('/me', requireAuth({ verifier }), (_req, res) => {
        handled++
        res.end()
      })
    })
    const tokens = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? stranger.sign() : 'x.y.z'))
    const responses = await Promise.all(tokens.map((token) => server.get('/me', token)))
    expect(responses.map((response) => response.status)).toEqual(tokens.map(() => 401))
    expect(handled).toBe(0)
  })
})

describe('requireAuth outside Express', () => {
  it('runs as a plain node:http middleware', async () => {
    const { createServer } = await import('node:http')
    const middleware = requireAuth({ verifier })
    const http = createServer((req, res) => {
      middleware(req, res, () => {
        res.end(JSON.stringify((req as { auth?: unknown }).auth))
      })
    })
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = http.address() as { port: number }
      const ok = await fetch(`http://127.0.0.1:${port}/`, {
        headers: { authorization: `Bearer ${issuer.sign({ sub: 'carol' })}` },
      })
      expect(await ok.json()).toMatchObject({ claims: { sub: 'carol' } })
      await expectRefusal(await fetch(`http://127.0.0.1:${port}/`), 401, 'token_missing')
    } finally {
      await new Promise<void>((resolve) => {
        http.close(() => {
          resolve()
        })
        http.closeAllConnections()
      })
    }
  })
})
