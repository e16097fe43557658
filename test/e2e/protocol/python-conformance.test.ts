// The wire protocol as a non-JavaScript client sees it: python-socketio, running the module of
// docs/clients/python.md, against the reference server over WebSocket and over polling. Tokens
// are minted here (the server runs with JWT_SECRET) and live a few seconds, so expiry is real.
import { createHmac, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type StartedServer } from '../../../server/start-server.js'
import { startServer as startGuardedServer } from '../../support/socket-server.js'
import { issue } from '../server/support.js'
import { guideModule, pythonProblem, runPython, type Line, type Scenario } from './run-python.js'

const SECRET = randomBytes(32).toString('hex')
const nowSeconds = (): number => Math.floor(Date.now() / 1000)

/** An HS256 token for the server's secret; `iat` now and `exp` in 60 s and scope `chat` unless given. */
function sign(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
  const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const body = { iat: nowSeconds(), exp: nowSeconds() + 60, scope: 'chat', ...claims }
  const input = `${b64({ alg: 'HS256', typ: 'JWT', ...header })}.${b64(body)}`
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`
}

/** The token with its signature changed (still well formed). */
function tamper(token: string): string {
  const [header, payload, signature = ''] = token.split('.')
  return `${header}.${payload}.${(signature.startsWith('A') ? 'B' : 'A') + signature.slice(1)}`
}

const problem = pythonProblem()
let module: ReturnType<typeof guideModule> | undefined
let server: StartedServer | undefined

beforeAll(async () => {
  // Failing, not skipping: a conformance test that silently does not run proves nothing.
  if (problem !== undefined) throw new Error(problem)
  module = guideModule()
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    jwtSecret: SECRET,
    // The refusals below would trip the handshake limit; it has its own server further down.
    handshakeRateLimit: 0,
  })
})

afterAll(async () => {
  await server?.close()
  module?.dispose()
})

function run(
  transport: Scenario['transport'],
  group: string,
  tokens: Record<string, unknown>,
  url = server?.url,
): Promise<Line[]> {
  if (module === undefined || url === undefined) throw new Error('not started')
  return runPython(module.dir, { url, transport, group, tokens })
}

const step = (lines: Line[], name: string): Line => {
  const found = lines.find((line) => line.step === name)
  if (found === undefined) throw new Error(`no step "${name}" in ${JSON.stringify(lines)}`)
  return found
}

/**
 * The events up to the first `disconnect`: python-socketio 5.7 may run the disconnect handler a
 * second time (the server's DISCONNECT packet, then the transport closing).
 */
const untilDisconnect = (order: unknown): unknown[] => {
  const events = order as unknown[]
  const end = events.indexOf('disconnect')
  return end === -1 ? events : events.slice(0, end + 1)
}

const eventsOf = (lines: Line[], client: string): Line[] =>
  lines.filter((line) => line.client === client)

// Concurrent: one Python process per group, each with its own users, so the slow groups (real
// token lifetimes of a few seconds) overlap.
describe.concurrent.each(['websocket', 'polling'] as const)(
  'python-socketio over %s',
  (transport) => {
    it('connects with auth { token }, with a Bearer prefix and with the Authorization header', async () => {
      const lines = await run(transport, 'connect', { alice: sign({ sub: `alice-${transport}` }) })
      for (const form of ['auth', 'auth-bearer', 'header']) {
        expect(step(lines, form).ack).toEqual({ ok: true })
        // Other groups run meanwhile and chat too: find this client's own broadcast.
        const own = eventsOf(lines, form).find(
          (line) => (line.data as { text?: unknown } | null)?.text === `hello by ${form}`,
        )
        expect(own?.data).toMatchObject({ from: `alice-${transport}` })
      }
    })

    it('reads every handshake refusal code from the connect_error handler', async () => {
      const now = nowSeconds()
      // [the expected code, then after a dash what is special about the case; the token]
      const refusals: [string, unknown][] = [
        ['token_missing', null],
        ['token_missing-empty', ''],
        ['token_malformed-number', 42],
        ['token_malformed', 'not-a-jwt'],
        ['token_invalid', tamper(sign({ sub: 'alice' }))],
        ['token_expired', sign({ sub: 'alice', iat: now - 120, exp: now - 60 })],
        ['token_not_active', sign({ sub: 'alice', nbf: now + 600 })],
        ['claim_invalid', sign({})],
      ]
      const lines = await run(transport, 'refusals', { refusals })
      for (const [name] of refusals) {
        const outcome = step(lines, name)
        expect(outcome).toMatchObject({ connected: false, code: name.split('-')[0] })
        expect(outcome.message).toEqual(expect.any(String))
      }
    })

    it('gets no connect_error at all for a bare-string auth', async () => {
      const lines = await run(transport, 'bare-string', { alice: sign({ sub: 'alice' }) })
      expect(step(lines, 'bare-string')).toMatchObject({
        connected: false,
        error: 'One or more namespaces failed to connect',
        connect_errors: [],
      })
    })

    it("refuses a refresh with another subject's token: the ack, then unauthorized, then the disconnect", async () => {
      const lines = await run(transport, 'refresh-refused', {
        alice: sign({ sub: `dave-${transport}` }),
        mallory: sign({ sub: `mallory-${transport}` }),
      })
      const events = eventsOf(lines, 'refresh-refused')
      expect(events.find((line) => line.event === 'ack')?.data).toEqual({
        ok: false,
        code: 'claim_invalid',
        message: expect.any(String) as unknown,
      })
      expect(events.find((line) => line.event === 'unauthorized')?.data).toMatchObject({
        code: 'claim_invalid',
      })
      expect(untilDisconnect(events.map((line) => line.event))).toEqual([
        'ack',
        'unauthorized',
        'disconnect',
      ])
    })

    it('answers a denied event with a forbidden ack, or the forbidden event, and stays connected', async () => {
      const lines = await run(transport, 'forbidden', {
        alice: sign({ sub: `erin-${transport}` }),
        reader: sign({ sub: `frank-${transport}`, scope: 'read' }),
      })
      const refusal = { ok: false, code: 'forbidden', message: expect.any(String) as unknown }
      expect(step(lines, 'with-ack').ack).toEqual(refusal)
      expect(eventsOf(lines, 'forbidden').find((l) => l.event === 'forbidden')?.data).toEqual({
        event: 'admin:kick',
        code: 'forbidden',
        message: expect.any(String) as unknown,
      })
      expect(step(lines, 'after').ack).toEqual({ ok: true })
      expect(step(lines, 'no-scope').ack).toEqual(refusal)
    })

    it('ends a kicked user with unauthorized token_revoked, then refuses its token', async () => {
      const victimSub = `bob-${transport}`
      const lines = await run(transport, 'kick', {
        victim: sign({ sub: victimSub }),
        victimSub,
        admin: sign({ sub: `root-${transport}`, scope: 'chat admin' }),
      })
      expect(step(lines, 'kick').ack).toEqual({ ok: true })
      expect(untilDisconnect(step(lines, 'kicked').order)).toEqual(['unauthorized', 'disconnect'])
      expect(eventsOf(lines, 'victim')[0]?.data).toEqual({
        code: 'token_revoked',
        message: expect.any(String) as unknown,
      })
      expect(step(lines, 'reconnect')).toMatchObject({ connected: false, code: 'token_revoked' })
      // The server's disconnect is not retried by the client (python-socketio 5.7, default
      // reconnection): no connect nor connect_error after it. (Under load python-socketio may
      // report the disconnect twice, once for the packet and once for the closed transport: a
      // second `disconnect` is no retry.)
      const afterKick = step(lines, 'after-kick').order as unknown[]
      expect(afterKick.slice(untilDisconnect(afterKick).length)).not.toContain('connect')
      expect(afterKick.slice(untilDisconnect(afterKick).length)).not.toContain('connect_error')
    })
  },
)

// Real token lifetimes of a few seconds: the slowest group, run beside the others.
describe.concurrent.each(['websocket', 'polling'] as const)(
  'python-socketio session over %s',
  (transport) => {
    it('warns auth:expiring, refreshes in-band on the same socket, then ends with unauthorized before the disconnect', async () => {
      // The program mints its tokens itself (with the server's secret) right before it
      // connects, so that its start-up time under load does not eat into their few seconds.
      const lines = await run(transport, 'session', { secret: SECRET, sub: `carol-${transport}` })
      const { short, longer } = step(lines, 'minted') as { short: number; longer: number }
      const session = eventsOf(lines, 'session')
      expect(session[0]).toMatchObject({
        event: 'auth:expiring',
        data: { expiresAt: short * 1000 },
      })
      expect(step(lines, 'refreshed')).toMatchObject({ expiresAt: longer * 1000, same: true })
      expect(session.find((line) => line.event === 'authenticated')?.data).toEqual({
        expiresAt: longer * 1000,
      })
      expect(untilDisconnect(step(lines, 'ended').order)).toEqual([
        'auth:expiring',
        'authenticated',
        'auth:expiring',
        'unauthorized',
        'disconnect',
      ])
      expect(session.filter((line) => line.event === 'auth:expiring')[1]?.data).toEqual({
        expiresAt: longer * 1000,
      })
      expect(session.find((line) => line.event === 'unauthorized')?.data).toEqual({
        code: 'token_expired',
        message: expect.any(String) as unknown,
      })
    }, 20_000)
  },
)

describe.concurrent('python-socketio and other server configurations', () => {
  it.each(['websocket', 'polling'] as const)(
    'follows the post-connect flow over %s: events dropped until authenticate, the login, the timeout',
    async (transport) => {
      await using postConnect = await startGuardedServer({
        guard: { mode: 'post-connect', timeoutMs: 1_500 },
        setup: (io) => {
          io.on('connection', (socket) => {
            socket.on('echo', (text: unknown, ack: unknown) => {
              if (typeof ack === 'function') (ack as (reply: unknown) => void)(text)
            })
          })
        },
      })
      const alice = postConnect.issuer.sign({ sub: 'alice' })
      const lines = await run(
        transport,
        'post-connect',
        { alice, forged: tamper(alice) },
        postConnect.url,
      )
      expect(step(lines, 'login').expiresAt).toEqual(expect.any(Number))
      // Answered after the login, while the echo sent before it never was.
      expect(step(lines, 'echo')).toMatchObject({ reply: 'after', order: ['authenticated'] })
      expect(eventsOf(lines, 'post-connect').map((line) => line.event)).not.toContain('early-echo')
      expect(untilDisconnect(step(lines, 'timeout').order)).toEqual(['unauthorized', 'disconnect'])
      expect(eventsOf(lines, 'late')[0]?.data).toMatchObject({ code: 'auth_timeout' })
      expect(step(lines, 'wrong')).toMatchObject({ ok: false, code: 'token_invalid' })
      expect(eventsOf(lines, 'wrong')[0]?.data).toMatchObject({ code: 'token_invalid' })
    },
    15_000,
  )

  it('is refused key_not_found for a kid the key set does not have (development issuer)', async () => {
    // JWT_SECRET is one fixed key, which does not consult `kid`: a key set is needed.
    await using dev = await startServer({ port: 0, host: '127.0.0.1', logLevel: 'silent' })
    const token = await issue(dev.url, { username: 'alice', scope: 'chat' })
    const [header = '', payload, signature] = token.split('.')
    const forged = {
      ...(JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>),
      kid: 'no-such-key',
    }
    const unknownKid = `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${payload}.${signature}`
    const lines = await run(
      'websocket',
      'refusals',
      {
        refusals: [
          ['unknown-kid', unknownKid],
          ['valid', token],
        ],
      },
      dev.url,
    )
    expect(step(lines, 'unknown-kid')).toMatchObject({ connected: false, code: 'key_not_found' })
    expect(step(lines, 'valid')).toMatchObject({ connected: true })
  })

  it('is refused rate_limited after too many failed handshakes', async () => {
    await using limited = await startServer({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'silent',
      jwtSecret: SECRET,
      handshakeRateLimit: 2,
    })
    const bad = tamper(sign({ sub: 'alice' }))
    const lines = await run(
      'websocket',
      'refusals',
      {
        refusals: [
          ['first', bad],
          ['second', bad],
          ['third', sign({ sub: 'alice' })],
        ],
      },
      limited.url,
    )
    expect(step(lines, 'first')).toMatchObject({ code: 'token_invalid' })
    expect(step(lines, 'second')).toMatchObject({ code: 'token_invalid' })
    // Even a valid token: the address is locked out for the rest of the window.
    expect(step(lines, 'third')).toMatchObject({ connected: false, code: 'rate_limited' })
  })

  it('does not retry a refused handshake by itself (python-socketio 5.7, default reconnection)', async () => {
    const now = nowSeconds()
    const lines = await run('websocket', 'no-retry', {
      expired: sign({ sub: 'alice', iat: now - 120, exp: now - 60 }),
    })
    expect(step(lines, 'no-retry')).toMatchObject({
      connected: false,
      error: 'One or more namespaces failed to connect',
      refusals: [['token_expired', expect.any(String)]],
    })
  })
})
