// sockguard/fastify in a real Fastify 5 app with a Socket.IO server on the same port: the same
// token opens HTTP routes and sockets, each refusal code reaches both sides alike (an RFC 6750
// answer over HTTP, `connect_error` on the socket), scopes stay in their encapsulated context,
// and a revocation through `fastify.sockguard.guard` reaches both.
import type { FastifyInstance } from 'fastify'
import { afterAll, describe, expect, it } from 'vitest'
import { createVerifier, type RevocationStore } from '../../../src/index.js'
import { requireScope } from '../../../src/fastify/index.js'
import {
  closedPort,
  connected,
  disconnected,
  expectRefused,
  watchProcess,
} from '../../support/guard-e2e.js'
import { createSigningKey, signToken } from '../../support/signing-key.js'
import { createIssuer, nextEvent, nowSeconds } from '../../support/socket-server.js'
import { expectRefusal } from '../express/support.js'
import { startFastify, type TestPluginOptions } from './support.js'

const issuer = createIssuer()
const stranger = createIssuer()
const rsa = await createSigningKey('RS256', 'rsa-1')
const crashes = watchProcess()
afterAll(() => {
  crashes.stop()
  expect(crashes.errors).toEqual([])
})

const hs256: TestPluginOptions = { secret: issuer.secret, algorithms: ['HS256'], realm: 'api' }

/** `/me` behind requireAuth; `/admin/*` also behind requireScope('admin'), in its own context. */
function routes(app: FastifyInstance): void {
  app.get('/me', { onRequest: app.sockguard.requireAuth }, (request) => ({
    claims: request.auth.claims,
    expiresAt: request.auth.expiresAt,
  }))
  app.get('/open', (request) => ({ auth: request.auth }))
  void app.register(
    (admin, _options, done) => {
      admin.addHook('onRequest', admin.sockguard.requireAuth)
      admin.addHook('onRequest', requireScope('admin'))
      admin.get('/ping', (request) => ({ sub: request.auth.claims.sub }))
      done()
    },
    { prefix: '/admin' },
  )
  void app.register(
    (reports, _options, done) => {
      reports.addHook('onRequest', reports.sockguard.requireAuth)
      reports.get('/list', (request) => ({ sub: request.auth.claims.sub }))
      done()
    },
    { prefix: '/reports' },
  )
}

describe('sockguard/fastify: one token, HTTP and sockets', () => {
  it('a valid token opens /me and a socket with the same claims', async () => {
    await using server = await startFastify(hs256, routes)
    const token = issuer.sign({ sub: 'alice', scope: 'read' })
    const response = await server.get('/me', token)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { claims: { sub: string }; expiresAt: number }
    expect(body.claims.sub).toBe('alice')
    expect(body.expiresAt).toBeGreaterThan(Date.now())

    const seen = nextEvent<{ data: { auth: { claims: { sub: string } } } }>(server.io, 'connection')
    await connected(server.connect({ auth: { token } }))
    expect((await seen).data.auth.claims.sub).toBe('alice')
  })

  it('a route without the hook is not guarded, and request.auth stays null', async () => {
    await using server = await startFastify(hs256, routes)
    const response = await server.get('/open')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ auth: null })
  })

  it('finds the Socket.IO server a plugin decorated as fastify.io (fastify-socket.io)', async () => {
    await using server = await startFastify(hs256, routes, { decorateIo: true })
    await expectRefused(server.connect(), 'token_missing')
    await connected(server.connect({ auth: { token: issuer.sign() } }))
  })

  it('finds fastify.io decorated after the plugin (fastify-socket.io registered later)', async () => {
    await using server = await startFastify(hs256, routes, { decorateIo: 'after' })
    await expectRefused(server.connect(), 'token_missing')
    await connected(server.connect({ auth: { token: issuer.sign() } }))
  })

  it('the guard and the routes share one verifier', async () => {
    await using server = await startFastify(hs256, routes)
    expect(server.app.sockguard.guard.verifier).toBe(server.app.sockguard.verifier)
  })
})

/** A refusal case: plugin options, the token to send, the HTTP status expected. */
interface Case {
  readonly code: string
  readonly status: number
  readonly options?: TestPluginOptions
  readonly token: () => string | Promise<string> | undefined
}

const failingStore: RevocationStore = {
  isRevoked: () => Promise.reject(new Error('redis down')),
  revokeSubject: () => undefined,
  revokeToken: () => undefined,
}

const cases: Case[] = [
  { code: 'token_missing', status: 401, token: () => undefined },
  { code: 'token_malformed', status: 401, token: () => 'not-a-jwt' },
  { code: 'token_invalid', status: 401, token: () => stranger.sign() },
  { code: 'token_expired', status: 401, token: () => issuer.sign({ exp: nowSeconds() - 120 }) },
  {
    code: 'token_not_active',
    status: 401,
    token: () => issuer.sign({ nbf: nowSeconds() + 600 }),
  },
  {
    code: 'claim_invalid',
    status: 401,
    options: { ...hs256, issuer: 'https://issuer.example' },
    token: () => issuer.sign({ iss: 'https://other.example' }),
  },
  {
    code: 'key_not_found',
    status: 401,
    options: { getKey: () => Promise.resolve(undefined as never), algorithms: ['HS256'] },
    token: () => issuer.sign({}, { kid: 'nope' }),
  },
  {
    code: 'server_error',
    status: 503,
    options: {
      getKey: () => Promise.reject(new Error('database down')),
      algorithms: ['HS256'],
    },
    token: () => issuer.sign({}, { kid: 'k' }),
  },
  {
    code: 'store_unavailable',
    status: 503,
    options: { ...hs256, revocationStore: failingStore },
    token: () => issuer.sign(),
  },
]

describe('sockguard/fastify: every refusal code, on HTTP and on the socket', () => {
  it.each(cases)(
    '$code: HTTP $status and connect_error',
    async ({ code, status, options, token }) => {
      await using server = await startFastify(options ?? hs256, routes)
      const sent = await token()
      await expectRefusal(await server.get('/me', sent), status, code, ...(sent ? [sent] : []))
      await expectRefused(
        server.connect(sent === undefined ? {} : { auth: { token: sent } }),
        code,
        ...(sent ? [sent] : []),
      )
    },
  )

  it('keys_unavailable: HTTP 503 with Retry-After and connect_error', async () => {
    const port = await closedPort()
    const remote = createVerifier({
      jwksUri: `http://127.0.0.1:${port}/jwks.json`,
      algorithms: ['RS256'],
    })
    await using server = await startFastify({ verifier: remote }, routes)
    const token = await signToken(rsa)
    const seen = await expectRefusal(await server.get('/me', token), 503, 'keys_unavailable', token)
    expect(seen.headers['retry-after']).toBe('30')
    await expectRefused(server.connect({ auth: { token } }), 'keys_unavailable', token)
  })

  it('the HTTP challenge is RFC 6750 with the realm, as sockguard/express writes it', async () => {
    await using server = await startFastify(hs256, routes)
    const missing = await expectRefusal(await server.get('/me'), 401, 'token_missing')
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"')
    const token = issuer.sign({ exp: nowSeconds() - 120 })
    const expired = await expectRefusal(await server.get('/me', token), 401, 'token_expired', token)
    expect(expired.headers['www-authenticate']).toMatch(
      /^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
    )
  })

  it('onHttpFailure sees the coded error, without the Authorization header', async () => {
    const seen: { code: string; authorization: unknown }[] = []
    await using server = await startFastify(
      {
        ...hs256,
        onHttpFailure: (error, req) => {
          seen.push({ code: error.code, authorization: req.headers.authorization })
        },
      },
      routes,
    )
    await server.get('/me', stranger.sign())
    expect(seen).toEqual([{ code: 'token_invalid', authorization: undefined }])
  })

  it('an invalid option fails the registration with the InvalidOptionError', async () => {
    const error = await startFastify(
      { ...hs256, revocationCheck: 'sometimes' as 'fail-open' },
      routes,
    ).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'invalid_option', option: 'revocationCheck' })
  })
})

describe('sockguard/fastify: encapsulated scopes', () => {
  it('requireScope guards its own context only', async () => {
    await using server = await startFastify(hs256, routes)
    const reader = issuer.sign({ sub: 'bob', scope: 'read' })
    const admin = issuer.sign({ sub: 'root', scope: 'read admin' })
    const refused = await expectRefusal(
      await server.get('/admin/ping', reader),
      403,
      'insufficient_scope',
      reader,
    )
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="admin"',
    )
    expect(await (await server.get('/admin/ping', admin)).json()).toEqual({ sub: 'root' })
    // The sibling context has requireAuth and no scope hook: the reader gets in.
    expect(await (await server.get('/reports/list', reader)).json()).toEqual({ sub: 'bob' })
    // Without a token the scoped context answers 401 first (requireAuth runs before).
    await expectRefusal(await server.get('/admin/ping'), 401, 'token_missing')
  })

  it('requireScope without requireAuth before it answers 401 token_missing', async () => {
    await using server = await startFastify(hs256, (app) => {
      app.get('/scoped', { onRequest: requireScope('admin') }, () => ({ ok: true }))
    })
    await expectRefusal(
      await server.get('/scoped', issuer.sign({ scope: 'admin' })),
      401,
      'token_missing',
    )
  })
})

describe('sockguard/fastify: revocation and close', () => {
  it('guard.revoke reaches the socket and the HTTP routes', async () => {
    await using server = await startFastify(hs256, routes)
    const token = issuer.sign({ sub: 'carol' })
    const client = server.connect({ auth: { token } })
    await connected(client)
    const unauthorized = nextEvent<{ code: string }>(client, 'unauthorized')
    await server.app.sockguard.guard.revoke({ sub: 'carol' })
    expect((await unauthorized).code).toBe('token_revoked')
    await disconnected(client)
    await expectRefusal(await server.get('/me', token), 401, 'token_revoked', token)
    await expectRefused(server.connect({ auth: { token } }), 'token_revoked', token)
  })

  it('app.close() closes the guard: a pending authentication is answered server_error', async () => {
    let entered = (): void => undefined
    const inHook = new Promise<void>((resolve) => {
      entered = resolve
    })
    await using server = await startFastify(
      {
        ...hs256,
        // Never settles: only the guard's close() can answer this handshake.
        onAuthenticated: () => {
          entered()
          return new Promise<void>(() => undefined)
        },
      },
      routes,
    )
    const client = server.connect({ auth: { token: issuer.sign() } })
    const refused = expectRefused(client, 'server_error')
    await inHook
    const closing = server.app.close()
    await refused
    client.disconnect()
    await server.io.close()
    await closing
  })
})
