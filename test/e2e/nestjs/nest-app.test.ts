// sockguard/nestjs in a real Nest application (@nestjs/core, common, websockets,
// platform-socket.io, platform-express) on 127.0.0.1: SockguardIoAdapter refuses handshakes on
// both gateways' namespaces with sockguard's codes before handleConnection, the live session
// (expiry on the injected clock, in-band refresh) runs, @RequireScope / @RequireClaim answer
// sockguard's `forbidden`, the HTTP controller answers per RFC 6750 with the same token, and a
// service revokes through the injected guard.
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { createVerifier, type AuthenticateAck, type RevocationStore } from '../../../src/index.js'
import {
  closedPort,
  connected,
  disconnected,
  EPOCH_S,
  expectRefused,
  recordEvents,
  testClock,
  watchProcess,
} from '../../support/guard-e2e.js'
import { createSigningKey, signToken } from '../../support/signing-key.js'
import { createIssuer, nextEvent, nowSeconds } from '../../support/socket-server.js'
import { expectRefusal } from '../express/support.js'
import { connections, handled, startNestApp } from './app.js'
import type { SockguardModuleOptions } from '../../../src/nestjs/index.js'

const issuer = createIssuer()
const stranger = createIssuer()
const rsa = await createSigningKey('RS256', 'rsa-1')
const hs256: SockguardModuleOptions = { secret: issuer.secret, algorithms: ['HS256'], realm: 'api' }
const crashes = watchProcess()
afterAll(() => {
  crashes.stop()
  expect(crashes.errors).toEqual([])
})
beforeEach(() => {
  connections.length = 0
  handled.length = 0
})

const NAMESPACES = ['/chat', '/admin'] as const

describe('SockguardIoAdapter: handshakes on every gateway', () => {
  it.each([false, true])(
    'accepts a valid token on both namespaces, before handleConnection (forRootAsync: %s)',
    async (async) => {
      await using server = await startNestApp(hs256, { async })
      const token = issuer.sign({ sub: 'alice' })
      for (const namespace of NAMESPACES)
        await connected(server.connect(namespace, { auth: { token } }))
      expect(connections).toEqual([
        { namespace: '/chat', sub: 'alice' },
        { namespace: '/admin', sub: 'alice' },
      ])
    },
  )

  const failingStore: RevocationStore = {
    isRevoked: () => Promise.reject(new Error('redis down')),
    revokeSubject: () => undefined,
    revokeToken: () => undefined,
  }
  const cases: {
    code: string
    options?: SockguardModuleOptions
    token: () => string | undefined | Promise<string>
  }[] = [
    { code: 'token_missing', token: () => undefined },
    { code: 'token_malformed', token: () => 'not-a-jwt' },
    { code: 'token_invalid', token: () => stranger.sign() },
    { code: 'token_expired', token: () => issuer.sign({ exp: nowSeconds() - 120 }) },
    { code: 'token_not_active', token: () => issuer.sign({ nbf: nowSeconds() + 600 }) },
    {
      code: 'claim_invalid',
      options: { ...hs256, issuer: 'https://issuer.example' },
      token: () => issuer.sign({ iss: 'https://other.example' }),
    },
    {
      code: 'key_not_found',
      options: { getKey: () => Promise.resolve(undefined as never), algorithms: ['HS256'] },
      token: () => issuer.sign({}, { kid: 'nope' }),
    },
    {
      code: 'server_error',
      options: { getKey: () => Promise.reject(new Error('db down')), algorithms: ['HS256'] },
      token: () => issuer.sign({}, { kid: 'k' }),
    },
    {
      code: 'store_unavailable',
      options: { ...hs256, revocationStore: failingStore },
      token: () => issuer.sign(),
    },
  ]

  it.each(cases)('refuses $code on both namespaces; handleConnection never runs', async (c) => {
    await using server = await startNestApp(c.options ?? hs256)
    const token = await c.token()
    for (const namespace of NAMESPACES) {
      await expectRefused(
        server.connect(namespace, token === undefined ? {} : { auth: { token } }),
        c.code,
        ...(token === undefined ? [] : [token]),
      )
    }
    expect(connections).toEqual([])
  })

  it('refuses keys_unavailable (the JWKS URL refuses)', async () => {
    const port = await closedPort()
    const verifier = createVerifier({
      jwksUri: `http://127.0.0.1:${port}/jwks.json`,
      algorithms: ['RS256'],
    })
    await using server = await startNestApp({ verifier })
    const token = await signToken(rsa)
    for (const namespace of NAMESPACES)
      await expectRefused(server.connect(namespace, { auth: { token } }), 'keys_unavailable', token)
    expect(connections).toEqual([])
  })

  it('refuses rate_limited after too many failed handshakes from one address', async () => {
    await using server = await startNestApp({ ...hs256, rateLimit: { points: 2 } })
    await expectRefused(server.connect('/chat', { auth: { token: 'bad' } }), 'token_malformed')
    await expectRefused(server.connect('/admin', { auth: { token: 'bad' } }), 'token_malformed')
    await expectRefused(server.connect('/chat', { auth: { token: issuer.sign() } }), 'rate_limited')
    expect(connections).toEqual([])
  })

  it('refuses token_revoked after a revocation through the injected guard', async () => {
    await using server = await startNestApp(hs256)
    const token = issuer.sign({ sub: 'erin' })
    await server.sockguard.revoke({ sub: 'erin' })
    for (const namespace of NAMESPACES)
      await expectRefused(server.connect(namespace, { auth: { token } }), 'token_revoked', token)
  })
})

describe('the room policy under Nest', () => {
  it('room:join on a gateway namespace is allowed or forbidden by the policy; recheck from the injected guard removes a room', async () => {
    const granted = new Set(['alice'])
    await using server = await startNestApp({
      ...hs256,
      rooms: {
        policy: {
          'team:{name}': (claims: { sub?: unknown } | null) => granted.has(String(claims?.sub)),
        },
      },
    })
    const alice = server.connect('/chat', { auth: { token: issuer.sign({ sub: 'alice' }) } })
    const bob = server.connect('/chat', { auth: { token: issuer.sign({ sub: 'bob' }) } })
    await connected(alice)
    await connected(bob)
    const join = (client: typeof alice) =>
      client.timeout(3_000).emitWithAck('room:join', { room: 'team:red' }) as Promise<unknown>
    expect(await join(alice)).toEqual({ ok: true })
    expect(await join(bob)).toMatchObject({ ok: false, code: 'forbidden' })
    const removed = nextEvent<{ room: string; code: string }>(alice, 'room:removed')
    granted.delete('alice')
    await server.sockguard.recheck({ sub: 'alice' })
    expect(await removed).toMatchObject({ room: 'team:red', code: 'forbidden' })
  })
})

describe('the live session under Nest', () => {
  const E_MS = EPOCH_S * 1000

  it('expiry on the injected clock: auth:expiring, unauthorized token_expired, disconnect', async () => {
    const clock = testClock()
    await using server = await startNestApp({ ...hs256, now: clock.now, expiringWarningMs: 200 })
    clock.set(E_MS - 500)
    const client = server.connect('/chat', {
      auth: { token: issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S }) },
    })
    const seen = recordEvents(client)
    await connected(client)
    const unauthorized = await nextEvent(client, 'unauthorized', 3_000)
    expect(unauthorized).toEqual({ code: 'token_expired', message: expect.any(String) as unknown })
    await disconnected(client)
    expect(seen.map((event) => event.event)).toEqual([
      'auth:expiring',
      'unauthorized',
      'disconnect',
    ])
  })

  it('an in-band refresh grants a new scope at once to @RequireScope', async () => {
    const clock = testClock()
    await using server = await startNestApp({ ...hs256, now: clock.now, refreshIntervalMs: 0 })
    clock.set(E_MS)
    const client = server.connect('/chat', {
      auth: { token: issuer.sign({ iat: EPOCH_S - 1, exp: EPOCH_S + 60, scope: 'chat:read' }) },
    })
    await connected(client)
    expect(await client.timeout(2_000).emitWithAck('post', 'hi')).toEqual({
      ok: false,
      code: 'forbidden',
      message: expect.any(String) as unknown,
    })
    const next = issuer.sign({ iat: EPOCH_S, exp: EPOCH_S + 120, scope: 'chat:read chat:write' })
    const ack = (await client
      .timeout(2_000)
      .emitWithAck('authenticate', { token: next })) as AuthenticateAck
    expect(ack).toEqual({ ok: true, expiresAt: (EPOCH_S + 120) * 1000 })
    expect(await client.timeout(2_000).emitWithAck('post', 'hi')).toEqual({
      ok: true,
      text: 'hi',
      by: 'alice',
    })
    expect(await client.timeout(2_000).emitWithAck('whoami', {})).toEqual({
      sub: 'alice',
      scope: 'chat:read chat:write',
    })
  })
})

describe('@RequireScope and @RequireClaim on gateway handlers', () => {
  it('answers the ack with forbidden, or emits forbidden without an ack; the handler never runs', async () => {
    await using server = await startNestApp(hs256)
    const client = server.connect('/chat', { auth: { token: issuer.sign({ scope: 'chat:read' }) } })
    await connected(client)
    const denied = (await client.timeout(2_000).emitWithAck('post', 'x')) as unknown
    expect(denied).toEqual({
      ok: false,
      code: 'forbidden',
      message: 'You are not allowed to do that.',
    })
    const forbidden = nextEvent(client, 'forbidden')
    client.emit('post', 'x')
    expect(await forbidden).toEqual({
      event: 'post',
      code: 'forbidden',
      message: 'You are not allowed to do that.',
    })
    // Not Nest's WsException shape.
    const exception = nextEvent(client, 'exception', 300).then(
      () => 'exception',
      () => 'none',
    )
    client.emit('post', 'y')
    expect(await exception).toBe('none')
    expect(handled).toEqual([])
  })

  it('@RequireClaim on the admin namespace: role admin passes, others are forbidden', async () => {
    await using server = await startNestApp(hs256)
    const user = server.connect('/admin', { auth: { token: issuer.sign({ role: 'user' }) } })
    const admin = server.connect('/admin', { auth: { token: issuer.sign({ role: 'admin' }) } })
    await connected(user)
    await connected(admin)
    expect(await user.timeout(2_000).emitWithAck('kick', 'bob')).toMatchObject({
      ok: false,
      code: 'forbidden',
    })
    expect(await admin.timeout(2_000).emitWithAck('kick', 'bob')).toEqual({
      ok: true,
      kicked: 'bob',
    })
    expect(handled).toEqual(['kick bob'])
  })
})

describe('the HTTP controller with the same token', () => {
  it('@RequireAuth: 200 with the claims, RFC 6750 refusals otherwise', async () => {
    await using server = await startNestApp(hs256)
    const token = issuer.sign({ sub: 'alice' })
    const ok = await server.request('GET', '/api/me', token)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toEqual({ sub: 'alice' })
    const missing = await expectRefusal(
      await server.request('GET', '/api/me'),
      401,
      'token_missing',
    )
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"')
    const bad = stranger.sign()
    const invalid = await expectRefusal(
      await server.request('GET', '/api/me', bad),
      401,
      'token_invalid',
      bad,
    )
    expect(invalid.headers['www-authenticate']).toMatch(
      /^Bearer realm="api", error="invalid_token"/,
    )
    // The same token opens a socket.
    await connected(server.connect('/chat', { auth: { token } }))
    // A route without a decorator stays open.
    expect((await server.request('GET', '/api/open')).status).toBe(200)
  })

  it('@RequireScope: 403 insufficient_scope naming the scope, 200 with it', async () => {
    await using server = await startNestApp(hs256)
    const reader = issuer.sign({ scope: 'users:read' })
    const refused = await expectRefusal(
      await server.request('DELETE', '/api/users/7', reader),
      403,
      'insufficient_scope',
      reader,
    )
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="users:write"',
    )
    const writer = issuer.sign({ sub: 'root', scope: 'users:write' })
    const ok = await server.request('DELETE', '/api/users/7', writer)
    expect(await ok.json()).toEqual({ removed: '7', by: 'root' })
  })

  it('@RequireClaim: 403 insufficient_scope without a scope attribute, 200 with the claim', async () => {
    await using server = await startNestApp(hs256)
    const refused = await expectRefusal(
      await server.request('GET', '/api/staff', issuer.sign({ role: 'user' })),
      403,
      'insufficient_scope',
    )
    expect(refused.headers['www-authenticate']).toBe('Bearer error="insufficient_scope"')
    expect((await server.request('GET', '/api/staff', issuer.sign({ role: 'admin' }))).status).toBe(
      200,
    )
  })

  it('503 store_unavailable with Retry-After when the revocation store is down', async () => {
    await using server = await startNestApp({
      ...hs256,
      revocationStore: {
        isRevoked: () => Promise.reject(new Error('redis down')),
        revokeSubject: () => undefined,
        revokeToken: () => undefined,
      },
    })
    const token = issuer.sign()
    const seen = await expectRefusal(
      await server.request('GET', '/api/me', token),
      503,
      'store_unavailable',
      token,
    )
    expect(seen.headers['retry-after']).toBe('30')
  })
})

describe('revocation from a service', () => {
  it('POST /api/logout revokes through the injected guard: sockets on both namespaces and HTTP', async () => {
    await using server = await startNestApp(hs256)
    const token = issuer.sign({ sub: 'dave' })
    const chat = server.connect('/chat', { auth: { token } })
    const admin = server.connect('/admin', { auth: { token } })
    await connected(chat)
    await connected(admin)
    const told = [chat, admin].map((client) => nextEvent<{ code: string }>(client, 'unauthorized'))
    const response = await server.request('POST', '/api/logout', token)
    expect(await response.json()).toEqual({ ok: true })
    for (const message of await Promise.all(told)) expect(message.code).toBe('token_revoked')
    await disconnected(chat)
    await disconnected(admin)
    await expectRefusal(await server.request('GET', '/api/me', token), 401, 'token_revoked', token)
    await expectRefused(server.connect('/chat', { auth: { token } }), 'token_revoked', token)
  })
})

describe('the life cycle of the module', () => {
  it('a wrong option fails the start with the InvalidOptionError', async () => {
    const error = await startNestApp({
      ...hs256,
      revocationCheck: 'sometimes' as 'fail-open',
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toMatchObject({ code: 'invalid_option', option: 'revocationCheck' })
  })

  it('app.close() closes the guard: a pending handshake is refused server_error', async () => {
    let entered = (): void => undefined
    const inHook = new Promise<void>((resolve) => {
      entered = resolve
    })
    const failures: string[] = []
    const server = await startNestApp({
      ...hs256,
      // Never settles: only the guard's close() can answer this handshake.
      onAuthenticated: () => {
        entered()
        return new Promise<void>(() => undefined)
      },
      onFailure: (error) => failures.push(error.code),
    })
    const client = server.connect('/chat', { auth: { token: issuer.sign() } })
    // Nest closes its Socket.IO servers right after the destroy hooks, so the refusal's packet
    // may not be flushed before the transport closes: the client hears one or the other. What
    // matters is that the guard answered the handshake (docs/security.md, io.close()).
    const ended = Promise.race([
      nextEvent(client, 'connect_error'),
      nextEvent(client, 'disconnect'),
    ])
    await inHook
    await server.app.close()
    await ended
    expect(failures).toEqual(['server_error'])
    expect(connections).toEqual([])
  })
})
