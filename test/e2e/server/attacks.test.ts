// Attacks on the reference server from outside (issue 10, items 12-14): a DNS-rebinding page
// asking the development issuer for a token, /socket.io/ responses without the security headers,
// and one client behind a proxy locking every other out of the handshake.
import { request } from 'node:http'
import { connect } from 'node:net'
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { connected, expectRefused } from '../../support/guard-e2e.js'
import { chatServer, tamper, type ChatHarness } from './support.js'

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

/** An HTTP request with any `Host` header (fetch does not let one be forged). */
function send(
  url: string,
  path: string,
  {
    method = 'GET',
    headers = {},
    body,
  }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { method, headers }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text })
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Writes `text` to a raw TCP connection and resolves with all it gets until the server closes. */
function rawRequest(url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const socket = connect(Number(port), hostname)
    let received = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk))
    socket.on('close', () => {
      resolve(received)
    })
    socket.on('error', reject)
    socket.write(text)
  })
}

const TOKEN_REQUEST = {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'mallory', scope: 'chat admin' }),
}

describe('DNS rebinding: the development issuer answers only loopback names and PUBLIC_URL', () => {
  it('refuses a token and the key set to a forged Host, with a JSON error and no token', async () => {
    await using chat = await chatServer()
    const port = new URL(chat.url).port
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`]) {
      const token = await send(chat.url, '/auth/token', {
        ...TOKEN_REQUEST,
        headers: { ...TOKEN_REQUEST.headers, host },
      })
      expect(token.status).toBe(421)
      expect(token.headers['content-type']).toMatch(/^application\/json/)
      expect(JSON.parse(token.body)).toMatchObject({ error: 'misdirected_request' })
      expect(token.body).not.toContain('access_token')
      const jwks = await send(chat.url, '/.well-known/jwks.json', { headers: { host } })
      expect(jwks.status).toBe(421)
      expect(jwks.body).not.toContain('"keys"')
    }
  })

  it('answers loopback names: localhost, *.localhost, 127.x.y.z, [::1]', async () => {
    await using chat = await chatServer()
    const port = new URL(chat.url).port
    for (const host of ['localhost', 'chat.localhost', '127.0.0.1', '127.0.0.2', '[::1]'].map(
      (name) => `${name}:${port}`,
    )) {
      const token = await send(chat.url, '/auth/token', {
        ...TOKEN_REQUEST,
        headers: { ...TOKEN_REQUEST.headers, host },
      })
      expect(token.status, host).toBe(200)
      expect(JSON.parse(token.body)).toHaveProperty('access_token')
    }
  })

  it('still verifies its own tokens on another loopback address (its JWKS fetch passes the check)', async () => {
    await using chat = await chatServer({ host: '127.0.0.2' })
    await connected(chat.connect(await chat.token('alice')))
  })

  it("answers PUBLIC_URL's host, and other routes whatever the Host", async () => {
    await using chat = await chatServer({ publicUrl: 'https://chat.example' })
    const token = await send(chat.url, '/auth/token', {
      ...TOKEN_REQUEST,
      headers: { ...TOKEN_REQUEST.headers, host: 'chat.example' },
    })
    expect(token.status).toBe(200)
    const other = await send(chat.url, '/auth/token', {
      ...TOKEN_REQUEST,
      headers: { ...TOKEN_REQUEST.headers, host: 'other.example' },
    })
    expect(other.status).toBe(421)
    // The rest of the server is no issuer: it answers any name (a proxy may rewrite Host).
    expect((await send(chat.url, '/healthz', { headers: { host: 'other.example' } })).status).toBe(
      200,
    )
  })
})

describe('security headers on what Socket.IO answers itself (/socket.io/)', () => {
  const expectSecured = (answer: Answer, what: string): void => {
    expect(answer.headers['x-content-type-options'], what).toBe('nosniff')
    expect(answer.headers['x-frame-options'], what).toBe('DENY')
    expect(answer.headers['content-security-policy'], what).toMatch(/frame-ancestors 'none'/)
    expect(answer.headers['referrer-policy'], what).toBe('no-referrer')
  }

  it('the client bundle, a polling handshake and poll, and engine.io errors', async () => {
    await using chat = await chatServer()
    const bundle = await send(chat.url, '/socket.io/socket.io.esm.min.js')
    expect(bundle.status).toBe(200)
    expectSecured(bundle, 'client bundle')

    const open = await send(chat.url, '/socket.io/?EIO=4&transport=polling')
    expect(open.status).toBe(200)
    expectSecured(open, 'polling handshake')
    const sid = (JSON.parse(open.body.slice(1)) as { sid: string }).sid
    const post = await send(chat.url, `/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: '40',
    })
    expect(post.status).toBe(200)
    expectSecured(post, 'polling POST')
    const poll = await send(chat.url, `/socket.io/?EIO=4&transport=polling&sid=${sid}`)
    expect(poll.status).toBe(200)
    expect(poll.body).toMatch(/^44/) // the guard's refusal: no token
    expectSecured(poll, 'polling GET')

    const badTransport = await send(chat.url, '/socket.io/?EIO=4&transport=carrier-pigeon')
    expect(badTransport.status).toBe(400)
    expectSecured(badTransport, 'engine.io error: unknown transport')
    const badSession = await send(chat.url, '/socket.io/?EIO=4&transport=polling&sid=nope')
    expect(badSession.status).toBe(400)
    expectSecured(badSession, 'engine.io error: unknown session')
    // And Express's own, for comparison.
    expectSecured(await send(chat.url, '/healthz'), 'healthz')
  })

  it('a refused WebSocket upgrade, written raw to the socket by engine.io or ws', async () => {
    await using chat = await chatServer()
    const upgrade = (query: string, version = '13'): Promise<string> =>
      rawRequest(
        chat.url,
        `GET /socket.io/?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
          `Sec-WebSocket-Version: ${version}\r\n\r\n`,
      )
    for (const [what, answer] of [
      ['engine.io: unknown session', await upgrade('EIO=4&transport=websocket&sid=nope')],
      ['engine.io: unknown transport', await upgrade('EIO=4&transport=carrier-pigeon')],
      ['ws: unsupported version', await upgrade('EIO=4&transport=websocket', '99')],
    ] as const) {
      const [head = '', body] = answer.split('\r\n\r\n')
      const [status = '', ...lines] = head.split('\r\n')
      expect(status, what).toMatch(/^HTTP\/1\.1 400 /)
      const headers = Object.fromEntries(
        lines.map((line) => {
          const colon = line.indexOf(':')
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]
        }),
      )
      expectSecured({ status: 400, headers, body: body ?? '' }, what)
      // The headers are added once, and the response still parses: its length is unchanged.
      expect(
        lines.filter((line) => /^x-frame-options:/i.test(line)),
        what,
      ).toHaveLength(1)
      expect(Buffer.byteLength(body ?? ''), what).toBe(Number(headers['content-length']))
    }
    // A successful upgrade still works: a client connects over WebSocket.
    await connected(chat.connect(await chat.token('alice')))
  })
})

describe('the failed-handshake limit behind a proxy (TRUST_PROXY)', () => {
  const behind = (address: string) => ({ extraHeaders: { 'x-forwarded-for': address } })

  it('keys on the client behind a trusted proxy: one client locked out, the other gets in', async () => {
    // The test's clients reach the server through loopback: loopback is the trusted proxy.
    const lines: string[] = []
    await using chat = await chatServer({
      handshakeRateLimit: 2,
      trustProxy: ['loopback'],
      logLevel: 'warn',
      logStream: {
        write(line: string) {
          lines.push(line)
        },
      },
    })
    const good = await chat.token('alice')
    const bad = tamper(good)
    for (let i = 0; i < 2; i++)
      await expectRefused(chatClient(chat, '203.0.113.7', bad), 'token_invalid', bad)
    await expectRefused(chatClient(chat, '203.0.113.7', good), 'rate_limited', good)
    await connected(chatClient(chat, '198.51.100.9', good))
    // The refusals are logged with the client's address too, not the proxy's.
    const refusals = lines
      .map((line) => JSON.parse(line) as { msg: string; address?: string })
      .filter((line) => line.msg === 'authentication refused')
    expect(refusals.map((line) => line.address)).toEqual(Array(3).fill('203.0.113.7'))
  })

  it('a hop count trusts that many proxies', async () => {
    await using chat = await chatServer({ handshakeRateLimit: 1, trustProxy: 1 })
    const good = await chat.token('alice')
    const bad = tamper(good)
    // Two forwarded addresses: with one trusted hop, the client is the last, not the first.
    await expectRefused(chatClient(chat, '10.0.0.1, 203.0.113.7', bad), 'token_invalid', bad)
    await expectRefused(chatClient(chat, '10.0.0.2, 203.0.113.7', good), 'rate_limited', good)
    await connected(chatClient(chat, '10.0.0.1, 198.51.100.9', good))
  })

  for (const [what, trustProxy] of [
    ['no TRUST_PROXY', undefined],
    ['a TRUST_PROXY that is not the peer', ['10.0.0.0/8']],
  ] as const) {
    it(`ignores X-Forwarded-For with ${what}: a forged address does not escape the limit`, async () => {
      await using chat = await chatServer({ handshakeRateLimit: 2, trustProxy })
      const good = await chat.token('alice')
      const bad = tamper(good)
      for (let i = 0; i < 2; i++)
        await expectRefused(chatClient(chat, '203.0.113.7', bad), 'token_invalid', bad)
      await expectRefused(chatClient(chat, '198.51.100.9', good), 'rate_limited', good)
    })
  }

  // Third outside attack, item 1: one client escaping the limit by spelling its address anew.
  for (const [what, attempts, last] of [
    [
      'rotating IPv6 addresses inside one /64',
      ['2001:db8:1:2::1', '2001:db8:1:2::2'],
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
    ],
    [
      'adding a port, or an IPv4-mapped IPv6 spelling',
      ['203.0.113.9:1234', '::ffff:203.0.113.9'],
      '[::ffff:cb00:7109]:80',
    ],
    [
      'sending garbage (keyed as the proxy, the peer)',
      ['not-an-ip-1', 'x'.repeat(2_000)],
      'not-an-ip-3',
    ],
  ] as const) {
    it(`keys a client by its normalised address: ${what} does not escape the limit`, async () => {
      const lines: string[] = []
      await using chat = await chatServer({
        handshakeRateLimit: 2,
        trustProxy: ['loopback'],
        logLevel: 'warn',
        logStream: {
          write(line: string) {
            lines.push(line)
          },
        },
      })
      const good = await chat.token('alice')
      const bad = tamper(good)
      for (const address of attempts)
        await expectRefused(chatClient(chat, address, bad), 'token_invalid', bad)
      await expectRefused(chatClient(chat, last, good), 'rate_limited', good)
      // Control: another client behind the same proxy is not locked out.
      await connected(chatClient(chat, '2001:db8:1:3::1', good))
      // Only the normalised key is logged, never the header's text.
      const logged = lines
        .map((line) => JSON.parse(line) as { msg: string; address?: string })
        .filter((line) => line.msg === 'authentication refused')
        .map((line) => line.address)
      expect(logged).toHaveLength(3)
      expect(new Set(logged).size).toBe(1)
      expect(lines.join('')).not.toContain('x'.repeat(100))
    })
  }

  function chatClient(chat: ChatHarness, address: string, token: string): ClientSocket {
    return chat.connectWith({ auth: { token }, ...behind(address) })
  }
})

describe('admin:kick flood (each kick is kept for the tokens lifetime)', () => {
  it('limits kicks per admin: the 31st within a minute is rate_limited, another admin still kicks', async () => {
    await using chat = await chatServer()
    const root = chat.connect(await chat.token('root', 'chat admin'))
    await connected(root)
    const boss = chat.connect(await chat.token('boss', 'chat admin'))
    await connected(boss)
    // A token of user-29 issued before its kick (one minted after it, in a later second, is a
    // new login and rightly gets in).
    const kicked = await chat.token('user-29')
    for (let i = 0; i < 30; i++)
      expect(await root.timeout(5_000).emitWithAck('admin:kick', { sub: `user-${i}` })).toEqual({
        ok: true,
      })
    const limited = (await root
      .timeout(5_000)
      .emitWithAck('admin:kick', { sub: 'user-30' })) as Record<string, unknown>
    expect(limited).toMatchObject({ ok: false, code: 'rate_limited' })
    expect(limited.retryAfterMs).toBeGreaterThan(0)
    expect(limited.retryAfterMs).toBeLessThanOrEqual(60_000)
    // The refused kick revoked nothing: user-30 still gets in, while a kicked user does not.
    await connected(chat.connect(await chat.token('user-30')))
    await expectRefused(chat.connect(kicked), 'token_revoked', kicked)
    // Per admin: another one is not held back by root's flood.
    expect(await boss.timeout(5_000).emitWithAck('admin:kick', { sub: 'user-31' })).toEqual({
      ok: true,
    })
  })

  it('refuses a sub longer than the 32 characters a user name can have', async () => {
    await using chat = await chatServer()
    const root = chat.connect(await chat.token('root', 'chat admin'))
    await connected(root)
    expect(
      await root.timeout(5_000).emitWithAck('admin:kick', { sub: 'x'.repeat(33) }),
    ).toMatchObject({ ok: false, code: 'invalid_request' })
    expect(
      await root.timeout(5_000).emitWithAck('admin:kick', { sub: 'x'.repeat(256) }),
    ).toMatchObject({ ok: false, code: 'invalid_request' })
    expect(await root.timeout(5_000).emitWithAck('admin:kick', { sub: 'x'.repeat(32) })).toEqual({
      ok: true,
    })
  })
})
