// The reference server end to end: a real HTTP server on an ephemeral port, development tokens
// from its own issuer (verified through its own JWKS), real socket.io-client sockets.
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { startServer } from '../../../server/start-server.js'
import { AUTH_ERROR_CODES } from '../../../src/index.js'
import { connected, disconnected, expectRefused, testClock } from '../../support/guard-e2e.js'
import { signJwt } from '../../support/sign.js'
import { createIssuer, nextEvent } from '../../support/socket-server.js'
import {
  chatServer,
  eventWhere,
  issue,
  postToken,
  presenceOf,
  tamper,
  type ChatHarness,
} from './support.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

let harness: ChatHarness | undefined
afterEach(async () => {
  await harness?.[Symbol.asyncDispose]()
  harness = undefined
})

async function start(config: Parameters<typeof chatServer>[0] = {}): Promise<ChatHarness> {
  harness = await chatServer(config)
  return harness
}

/** A client connected as `username` (with `scope`), and the presence list it was sent first. */
async function join(chat: ChatHarness, username: string, scope = 'chat') {
  const token = await chat.token(username, scope)
  const client = chat.connect(token)
  const presence = presenceOf(client)
  await connected(client)
  return { client, token, presence: await presence }
}

async function metricsText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
  return res.text()
}

function metric(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('reference server: HTTP', () => {
  it('answers /healthz with 200 and security headers', async () => {
    const chat = await start()
    const res = await fetch(`${chat.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', issuer: 'development', sockets: 0 })
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
  })

  it('issues ES256 development tokens with the contract claims', async () => {
    const chat = await start({ tokenTtlSeconds: 120 })
    const res = await postToken(chat.url, { username: 'alice', scope: 'chat admin' })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as Record<string, unknown>
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 120 })
    const [header, payload] = String(body.access_token)
      .split('.')
      .slice(0, 2)
      .map(
        (part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>,
      )
    const jwks = (await (await fetch(`${chat.url}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string; alg: string; kty: string; d?: string }[]
    }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES256', kid: header!.kid })
    expect(jwks.keys[0]!.d).toBeUndefined()
    expect(header).toMatchObject({ alg: 'ES256' })
    expect(payload).toMatchObject({
      sub: 'alice',
      name: 'alice',
      scope: 'chat admin',
      iss: chat.url,
      aud: 'sockguard-chat',
    })
    expect(typeof payload!.jti).toBe('string')
    expect(Number(payload!.exp) - Number(payload!.iat)).toBe(120)
  })

  it('refuses bad /auth/token input with 400 invalid_request', async () => {
    const chat = await start()
    const bad: unknown[] = [
      {},
      { username: '' },
      { username: 'a'.repeat(33) },
      { username: 'al ice' },
      { username: 'alice/..' },
      { username: 42 },
      { username: 'alice', scope: 'chat root' },
      { username: 'alice', scope: ['chat'] },
      { username: 'alice', scopes: 'admin' },
      ['alice'],
      '"alice"',
      '{"username": "alice"',
    ]
    for (const body of bad) {
      const res = await postToken(chat.url, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      const answer = (await res.json()) as { error: string; message: string }
      expect(answer.error).toBe('invalid_request')
      expect(answer.message.length).toBeGreaterThan(0)
    }
    const notJson = await fetch(`${chat.url}/auth/token`, {
      method: 'POST',
      body: 'username=alice',
    })
    expect(notJson.status).toBe(400)
    const huge = await postToken(chat.url, { username: 'alice', pad: 'x'.repeat(10_000) })
    expect(huge.status).toBe(413)
    // The default scope is chat; an empty scope is a token without scopes.
    const [, payload] = (await issue(chat.url, { username: 'bob' })).split('.')
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({
      scope: 'chat',
    })
  })

  it('serves /api/me behind sockguard/express', async () => {
    const chat = await start()
    const token = await chat.token('alice', 'chat admin')
    const ok = await fetch(`${chat.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(ok.status).toBe(200)
    const me = (await ok.json()) as { claims: Record<string, unknown>; expiresAt: number }
    expect(me.claims).toMatchObject({ sub: 'alice', scope: 'chat admin' })
    expect(me.expiresAt).toBe(Number(me.claims.exp) * 1000)
    const none = await fetch(`${chat.url}/api/me`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    const forged = await fetch(`${chat.url}/api/me`, {
      headers: { authorization: `Bearer ${tamper(token)}` },
    })
    expect(forged.status).toBe(401)
    expect(await forged.json()).toMatchObject({ error: 'token_invalid' })
  })

  it('serves the page with its import map hashed into a strict CSP', async () => {
    const page = `${ROOT}web/index.html`
    const chat = await start()
    const res = await fetch(chat.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    const html = await readFile(page, 'utf8')
    const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1]
    expect(map, 'web/index.html has an inline import map').toBeDefined()
    const hash = createHash('sha256').update(map!).digest('base64')
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`)
    // The page as written, marked with the issuer mode (which the page reads to pick its form).
    expect(await res.text()).toBe(html.replace(/<html\b/, '<html data-issuer="development"'))
  })

  it('serves sockguard/client as JavaScript at /lib/client/', async () => {
    const chat = await start()
    const res = await fetch(`${chat.url}/lib/client/index.js`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/)
    const code = await res.text()
    expect(code).toMatch(/^export /m)
    expect(code).not.toMatch(/^import type /m)
    for (const path of ['/lib/client/nope.js', '/lib/client/Index.js', '/lib/client/index.ts']) {
      expect((await fetch(`${chat.url}${path}`)).status, path).toBe(404)
    }
    expect((await fetch(`${chat.url}/lib/client/..%2F..%2Fpackage.json`)).status).toBe(404)
  })

  it('rejects when the port is taken, leaving nothing open', async () => {
    const chat = await start()
    const { port } = new URL(chat.url)
    await expect(startServer({ port: Number(port), logLevel: 'silent' })).rejects.toThrow(
      /EADDRINUSE/,
    )
  })

  it('serves the Socket.IO browser build for the import map', async () => {
    const chat = await start()
    const res = await fetch(`${chat.url}/socket.io/socket.io.esm.min.js`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/javascript/)
  })
})

describe('reference server: chat over Socket.IO', () => {
  it('broadcasts messages and presence between two users', async () => {
    const chat = await start()
    const alice = await join(chat, 'alice')
    expect(alice.presence).toEqual({ users: ['alice'] })
    const both = eventWhere<{ users: string[] }>(
      alice.client,
      'presence',
      (p) => p.users.length === 2,
    )
    const bob = await join(chat, 'bob')
    expect(bob.presence).toEqual({ users: ['alice', 'bob'] })
    expect(await both).toEqual({ users: ['alice', 'bob'] })

    const received = nextEvent<{ from: string; text: string; at: number }>(bob.client, 'message')
    const ack: unknown = await alice.client.timeout(5_000).emitWithAck('message', '  hello bob  ')
    expect(ack).toEqual({ ok: true })
    const message = await received
    expect(message).toMatchObject({ from: 'alice', text: 'hello bob' })
    expect(Math.abs(message.at - Date.now())).toBeLessThan(5_000)

    // A second socket of alice changes nothing in the list: only the new socket is told.
    const again = await join(chat, 'alice')
    expect(again.presence).toEqual({ users: ['alice', 'bob'] })

    const left = eventWhere<{ users: string[] }>(
      alice.client,
      'presence',
      (p) => p.users.length === 1,
    )
    bob.client.close()
    expect(await left).toEqual({ users: ['alice'] })
  })

  it('refuses invalid messages without broadcasting them', async () => {
    const chat = await start()
    const alice = await join(chat, 'alice')
    const bob = await join(chat, 'bob')
    const seen: string[] = []
    bob.client.on('message', (m: { text: string }) => seen.push(m.text))
    for (const text of ['', '   ', 'x'.repeat(501), 42, { text: 'hi' }]) {
      const ack: unknown = await alice.client.timeout(5_000).emitWithAck('message', text)
      expect(ack, JSON.stringify(text)).toMatchObject({ ok: false, code: 'invalid_message' })
    }
    // A non-function in the ack's place must not crash the server.
    alice.client.emit('message', 'no ack', 'not a function')
    alice.client.emit('admin:kick', { sub: 'bob' }, 'not a function')
    const last = 'x'.repeat(500)
    const arrived = eventWhere<{ text: string }>(bob.client, 'message', (m) => m.text === last)
    const ack: unknown = await alice.client.timeout(5_000).emitWithAck('message', last)
    expect(ack).toEqual({ ok: true })
    await arrived
    // Broadcasts arrive in order: had a refused message gone out, it would be here first.
    expect(seen).toEqual(['no ack', last])
    expect(bob.client.connected).toBe(true)
  })

  it('needs the chat scope to send and the admin scope to kick', async () => {
    const chat = await start()
    const reader = await join(chat, 'reader', '')
    const bob = await join(chat, 'bob')
    const seen: string[] = []
    bob.client.on('message', (m: { text: string }) => seen.push(m.text))
    expect(await reader.client.timeout(5_000).emitWithAck('message', 'hi')).toMatchObject({
      ok: false,
      code: 'forbidden',
    })
    expect(
      await bob.client.timeout(5_000).emitWithAck('admin:kick', { sub: 'reader' }),
    ).toMatchObject({ ok: false, code: 'forbidden' })
    // Broadcasts arrive in order: had the reader's message gone out, it would be here first.
    const control = eventWhere<{ text: string }>(bob.client, 'message', (m) => m.text === 'control')
    await bob.client.timeout(5_000).emitWithAck('message', 'control')
    await control
    expect(seen).toEqual(['control'])
    expect(reader.client.connected).toBe(true)
    // Without an ack, the denial comes as the `forbidden` event.
    const forbidden = nextEvent<{ event: string; code: string }>(reader.client, 'forbidden')
    reader.client.emit('message', 'hi')
    expect(await forbidden).toMatchObject({ event: 'message', code: 'forbidden' })
  })

  it('kicks a user everywhere: live sockets, the old token, HTTP; a later token works', async () => {
    const clock = testClock()
    const chat = await start({ now: clock.now })
    const admin = await join(chat, 'root', 'chat admin')
    const bob = await join(chat, 'bob')
    const bob2 = await join(chat, 'bob')

    const unauthorized = [bob.client, bob2.client].map((c) =>
      nextEvent<{ code: string; message: string }>(c, 'unauthorized'),
    )
    const gone = [bob.client, bob2.client].map((c) => nextEvent(c, 'disconnect'))
    const presence = eventWhere<{ users: string[] }>(
      admin.client,
      'presence',
      (p) => !p.users.includes('bob'),
    )
    expect(await admin.client.timeout(5_000).emitWithAck('admin:kick', { sub: 'bob' })).toEqual({
      ok: true,
    })
    for (const event of await Promise.all(unauthorized)) {
      expect(event).toMatchObject({ code: 'token_revoked' })
    }
    await Promise.all(gone)
    expect(await presence).toEqual({ users: ['root'] })

    await expectRefused(chat.connect(bob.token), 'token_revoked', bob.token)
    const me = await fetch(`${chat.url}/api/me`, {
      headers: { authorization: `Bearer ${bob.token}` },
    })
    expect(me.status).toBe(401)
    expect(await me.json()).toMatchObject({ error: 'token_revoked' })
    expect(admin.client.connected).toBe(true)

    // A subject revocation covers tokens issued up to the second it was made; one issued later
    // opens a socket again.
    expect(await admin.client.timeout(5_000).emitWithAck('admin:kick', { sub: '' })).toMatchObject({
      ok: false,
      code: 'invalid_request',
    })
    clock.set(Date.now() + 2_000)
    const fresh = await chat.token('bob')
    await connected(chat.connect(fresh))
  })

  it('refuses handshakes with coded errors and counts them in /metrics by code', async () => {
    const chat = await start()
    const alice = await join(chat, 'alice')
    const token = await chat.token('mallory', 'chat admin')
    await expectRefused(chat.connect(tamper(token)), 'token_invalid', token)
    await expectRefused(chat.connect(), 'token_missing')
    await expectRefused(chat.connect('not-a-jwt'), 'token_malformed')
    await expectRefused(chat.connect(createIssuer().sign({ sub: 'eve' })), 'token_invalid')

    // An in-band refresh keeps the connection and is counted.
    const fresh = await chat.token('alice')
    expect(
      await alice.client.timeout(5_000).emitWithAck('authenticate', { token: fresh }),
    ).toMatchObject({
      ok: true,
    })
    const admin = await join(chat, 'root', 'chat admin')
    await admin.client.timeout(5_000).emitWithAck('admin:kick', { sub: 'nobody' })

    const text = await metricsText(chat.url)
    expect(metric(text, 'sockguard_connected_sockets')).toBe(2)
    expect(metric(text, 'sockguard_handshakes_total{outcome="accepted"}')).toBe(2)
    expect(metric(text, 'sockguard_handshakes_total{outcome="refused"}')).toBe(4)
    expect(
      metric(text, 'sockguard_auth_failures_total{code="token_invalid",stage="handshake"}'),
    ).toBe(2)
    expect(
      metric(text, 'sockguard_auth_failures_total{code="token_missing",stage="handshake"}'),
    ).toBe(1)
    expect(
      metric(text, 'sockguard_auth_failures_total{code="token_malformed",stage="handshake"}'),
    ).toBe(1)
    expect(metric(text, 'sockguard_refreshes_total{outcome="ok"}')).toBe(1)
    expect(metric(text, 'sockguard_revocations_total')).toBe(1)
    // Every code label is one of the library's codes: never free text.
    const codes = [...text.matchAll(/code="([^"]*)"/g)].map((m) => m[1])
    expect(codes.length).toBeGreaterThan(0)
    for (const code of codes) expect(AUTH_ERROR_CODES).toContain(code)
  })

  it('counts a failed refresh, which ends the session', async () => {
    const chat = await start()
    const alice = await join(chat, 'alice')
    const bobToken = await chat.token('bob')
    const ack: unknown = await alice.client
      .timeout(5_000)
      .emitWithAck('authenticate', { token: bobToken })
    expect(ack).toMatchObject({ ok: false, code: 'claim_invalid' })
    await disconnected(alice.client)
    const text = await metricsText(chat.url)
    expect(metric(text, 'sockguard_refreshes_total{outcome="failed"}')).toBe(1)
    expect(
      metric(text, 'sockguard_auth_failures_total{code="claim_invalid",stage="session"}'),
    ).toBe(1)
  })
})

describe('reference server: external issuers', () => {
  it('verifies HS256 tokens of JWT_SECRET and turns the development issuer off', async () => {
    const secret = randomBytes(32).toString('base64url')
    const sign = (claims: Record<string, unknown>): string => {
      const iat = Math.floor(Date.now() / 1000)
      return signJwt('HS256', secret, { iat, exp: iat + 60, ...claims })
    }
    const chat = await start({ jwtSecret: secret, audience: 'chat' })
    expect((await postToken(chat.url, { username: 'alice' })).status).toBe(404)
    expect((await fetch(`${chat.url}/.well-known/jwks.json`)).status).toBe(404)
    const client = chat.connect(sign({ sub: 'alice', aud: 'chat' }))
    const presence = presenceOf(client)
    await connected(client)
    expect(await presence).toEqual({ users: ['alice'] })
    await expectRefused(chat.connect(sign({ sub: 'bob', aud: 'other' })), 'claim_invalid')
    await expectRefused(chat.connect(sign({ aud: 'chat' })), 'claim_invalid')
  })

  it("verifies another server's tokens through JWKS_URI", async () => {
    await using origin = await chatServer()
    const chat = await start({
      jwksUri: `${origin.url}/.well-known/jwks.json`,
      issuer: origin.url,
      audience: 'sockguard-chat',
      algorithms: ['ES256'],
    })
    const token = await origin.token('carol')
    const client = chat.connect(token)
    const presence = presenceOf(client)
    await connected(client)
    expect(await presence).toEqual({ users: ['carol'] })
    const own = await fetch(`${chat.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })
    expect(own.status).toBe(200)
  })
})
