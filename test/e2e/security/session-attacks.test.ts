// Attacks on the guard's live session and post-connect flow, over real sockets: numeric event
// names through the post-connect gate, server faults dressed as forged tokens, failed
// `authenticate`s that escape the rate limit, refresh floods, refreshes that switch identity, and
// the `rate_limited` answer to a refresh already in flight.
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import {
  AuthError,
  createVerifier,
  type AuthenticateAck,
  type JwtClaims,
} from '../../../src/index.js'
import { connected, expectRefused, nothingBeforeRoundTrip } from '../../support/guard-e2e.js'
import { nextEvent, nowSeconds, startServer, type TestServer } from '../../support/socket-server.js'
import { codeOf, outcome } from './support.js'

type Ack = AuthenticateAck & { retryAfterMs?: number }

const refresh = (client: ClientSocket, token: string): Promise<Ack> =>
  client.timeout(3_000).emitWithAck('authenticate', { token }) as Promise<Ack>

/** Answers `ping` on every socket: a round trip proves a socket is still there. */
function answerPings(server: TestServer): void {
  server.io.on('connection', (socket) => {
    socket.on('ping', (ack: unknown) => {
      if (typeof ack === 'function') (ack as () => void)()
    })
  })
}

/** An `onAuthenticated` hook that can be made to hold authentications until released. */
function holdable(): {
  hook: (claims: JwtClaims) => Promise<void>
  hold: () => { entered: Promise<void>; open: () => void }
} {
  let current: { enter: () => void; opened: Promise<void> } | undefined
  return {
    async hook() {
      const held = current
      if (held === undefined) return
      held.enter()
      await held.opened
    },
    hold() {
      let enter: () => void = () => undefined
      let open: () => void = () => undefined
      const entered = new Promise<void>((resolve) => {
        enter = resolve
      })
      const opened = new Promise<void>((resolve) => {
        open = resolve
      })
      current = { enter, opened }
      return {
        entered,
        open: () => {
          current = undefined
          open()
        },
      }
    },
  }
}

/** A promise and the function that resolves it (Node 20 has no Promise.withResolvers). */
function signal(): { fired: Promise<void>; fire: () => void } {
  let fire: () => void = () => undefined
  const fired = new Promise<void>((resolve) => {
    fire = resolve
  })
  return { fired, fire }
}

describe('numeric event names at the post-connect gate', () => {
  it('drops 42[2,{}] before and after authentication; string events still pass', async () => {
    const seen: unknown[] = []
    await using server = await startServer({
      guard: { mode: 'post-connect' },
      setup(io) {
        io.on('connection', (socket) => {
          socket.on('2', (payload: unknown) => seen.push(payload))
          socket.onAny((event: unknown) => seen.push(event))
          socket.on('ping', (ack: () => void) => {
            ack()
          })
        })
      },
    })
    const client = server.connect()
    await connected(client)
    const engine = client.io.engine as unknown as { write(data: string): void }
    engine.write('2[2,{}]')
    const ack = await refresh(client, server.issuer.sign())
    expect(ack.ok).toBe(true)
    seen.length = 0
    engine.write('2[2,{}]')
    engine.write('2[2.5,{}]')
    // The control: a string event sent after them arrives, so they were read and dropped.
    await client.timeout(2_000).emitWithAck('ping')
    expect(seen).toEqual(['ping'])
  })
})

describe('server faults are server_error, not token_invalid', () => {
  it('an onAuthenticated hook that throws a plain error: server_error, its message never sent', async () => {
    await using server = await startServer({
      guard: {
        onAuthenticated: () => {
          throw new Error('db password hunter2 rejected')
        },
      },
    })
    const result = await outcome(server.connect({ auth: { token: server.issuer.sign() } }))
    expect(codeOf(result)).toBe('server_error')
    expect(JSON.stringify(result)).not.toContain('hunter2')
  })

  it('an AuthError thrown by the hook keeps its code', async () => {
    await using server = await startServer({
      guard: {
        onAuthenticated: () => {
          throw new AuthError('token_revoked', 'Banned.')
        },
      },
    })
    const result = await outcome(server.connect({ auth: { token: server.issuer.sign() } }))
    expect(codeOf(result)).toBe('token_revoked')
  })

  it('a plain error that merely has an auth code (code: "token_invalid"): server_error, its message never sent', async () => {
    for (const code of ['token_invalid', 'token_expired']) {
      await using server = await startServer({
        guard: {
          onAuthenticated: () => {
            throw Object.assign(new Error('pg: connection refused'), { code })
          },
        },
      })
      const result = await outcome(server.connect({ auth: { token: server.issuer.sign() } }))
      expect(codeOf(result)).toBe('server_error')
      expect(JSON.stringify(result)).not.toContain('pg:')
    }
  })

  it('guard.close() while onAuthenticated never resolves: the handshake is answered server_error at once', async () => {
    const entered = signal()
    await using server = await startServer({
      guard: {
        onAuthenticated: () => {
          entered.fire()
          return new Promise<void>(() => undefined)
        },
      },
    })
    const first = outcome(server.connect({ auth: { token: server.issuer.sign() } }))
    await entered.fired
    await server.guard.close()
    expect(codeOf(await first)).toBe('server_error')
  })

  it("guard.close() while a refresh's onAuthenticated never resolves: answered server_error at once", async () => {
    let hang = false
    const entered = signal()
    await using server = await startServer({
      guard: {
        onAuthenticated: () => {
          if (!hang) return undefined
          entered.fire()
          return new Promise<void>(() => undefined)
        },
      },
    })
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(client)
    hang = true
    const answer = refresh(client, server.issuer.sign())
    await entered.fired
    await server.guard.close()
    expect(await answer).toMatchObject({ ok: false, code: 'server_error' })
  })

  it('a rate-limit key that throws: server_error', async () => {
    await using server = await startServer({
      guard: {
        rateLimit: {
          key: () => {
            throw new Error('no address')
          },
        },
      },
    })
    const result = await outcome(server.connect({ auth: { token: server.issuer.sign() } }))
    expect(codeOf(result)).toBe('server_error')
  })

  it('io.close() (not guard.close()) while onAuthenticated never resolves: the client is told the transport closed, it does not wait', async () => {
    const entered = signal()
    await using server = await startServer({
      guard: {
        onAuthenticated: () => {
          entered.fire()
          return new Promise<void>(() => undefined)
        },
      },
    })
    const client = server.connect({ auth: { token: server.issuer.sign() }, reconnection: false })
    const closed = new Promise<string>((resolve) => {
      client.io.once('close', resolve)
    })
    await entered.fired
    await server.io.close()
    expect(await closed).toBe('transport close')
    expect(client.connected).toBe(false)
  })

  it('guard.close() during a handshake: server_error', async () => {
    const held = holdable()
    await using server = await startServer({ guard: { onAuthenticated: held.hook } })
    const gate = held.hold()
    const first = outcome(server.connect({ auth: { token: server.issuer.sign() } }))
    await gate.entered
    await server.guard.close()
    gate.open()
    expect(codeOf(await first)).toBe('server_error')
  })

  it('guard.close() during a refresh: server_error, and the socket keeps its session', async () => {
    const held = holdable()
    await using server = await startServer({ guard: { onAuthenticated: held.hook } })
    answerPings(server)
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(client)
    const gate = held.hold()
    const answer = refresh(client, server.issuer.sign())
    await gate.entered
    await server.guard.close()
    gate.open()
    expect(await answer).toMatchObject({ ok: false, code: 'server_error' })
    await client.timeout(2_000).emitWithAck('ping')
    expect(client.connected).toBe(true)
  })
})

describe('the rate limit in post-connect mode', () => {
  it('counts failed authenticates per key and then refuses with rate_limited', async () => {
    await using server = await startServer({
      guard: { mode: 'post-connect', rateLimit: { points: 2 } },
    })
    for (let i = 0; i < 2; i++) {
      const client = server.connect()
      await connected(client)
      const ack = await refresh(client, 'a.b.c')
      expect(ack).toMatchObject({ ok: false, code: 'token_malformed' })
    }
    const client = server.connect()
    await connected(client)
    const told = nextEvent<{ code: string }>(client, 'unauthorized')
    const ack = await refresh(client, server.issuer.sign())
    expect(ack).toMatchObject({ ok: false, code: 'rate_limited' })
    expect((await told).code).toBe('rate_limited')
  })
})

describe('refresh floods and refresh identity', () => {
  it('a refresh sooner than refreshIntervalMs: rate_limited with retryAfterMs, socket kept', async () => {
    let t = Date.now()
    await using server = await startServer({ guard: { now: () => t, refreshIntervalMs: 1_000 } })
    // Issued by the guard's clock: the real one may have moved into the next second meanwhile
    // (a token from then would be `token_not_active` to this clock; CI saw it).
    const sign = (): string => server.issuer.sign({ iat: Math.floor(t / 1000) })
    answerPings(server)
    const client = server.connect({ auth: { token: sign() } })
    await connected(client)
    expect((await refresh(client, sign())).ok).toBe(true)
    t += 400
    const ack = await refresh(client, sign())
    expect(ack).toMatchObject({ ok: false, code: 'rate_limited' })
    expect(ack.retryAfterMs).toBe(600)
    await nothingBeforeRoundTrip(server.io, client, 'unauthorized')
    await client.timeout(2_000).emitWithAck('ping')
    expect(client.connected).toBe(true)
    t += 600
    expect((await refresh(client, sign())).ok).toBe(true)
  })

  it('refuses a refreshIntervalMs that is not a non-negative integer', async () => {
    const { createGuard } = await import('../../../src/index.js')
    expect(() =>
      createGuard({ secret: 'x'.repeat(32), algorithms: ['HS256'], refreshIntervalMs: -1 }),
    ).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'refreshIntervalMs' }))
    const guard = createGuard({
      secret: 'x'.repeat(32),
      algorithms: ['HS256'],
      refreshIntervalMs: 0,
    })
    await guard.close()
  })

  it('a refresh already in flight: rate_limited with retryAfterMs, socket kept', async () => {
    const held = holdable()
    await using server = await startServer({ guard: { onAuthenticated: held.hook } })
    answerPings(server)
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(client)
    const gate = held.hold()
    const first = refresh(client, server.issuer.sign())
    await gate.entered
    const second = await refresh(client, server.issuer.sign())
    expect(second).toMatchObject({ ok: false, code: 'rate_limited' })
    expect(typeof second.retryAfterMs).toBe('number')
    gate.open()
    expect((await first).ok).toBe(true)
    await client.timeout(2_000).emitWithAck('ping')
    expect(client.connected).toBe(true)
  })

  it('a refresh may not switch issuer', async () => {
    await using server = await startServer()
    const client = server.connect({ auth: { token: server.issuer.sign({ iss: 'https://a' }) } })
    await connected(client)
    const ack = await refresh(client, server.issuer.sign({ iss: 'https://b' }))
    expect(ack).toMatchObject({ ok: false, code: 'claim_invalid' })
  })

  it('an empty sub is no subject: the token is refused (claim_invalid), so no refresh from "" to ""', async () => {
    await using server = await startServer()
    const empty = server.issuer.sign({ sub: '' })
    const result = await outcome(server.connect({ auth: { token: empty } }))
    expect(codeOf(result)).toBe('claim_invalid')
    const alice = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(alice)
    expect(await refresh(alice, server.issuer.sign({ sub: '', scope: 'admin' }))).toMatchObject({
      ok: false,
      code: 'claim_invalid',
    })
  })

  it('a refresh is refused when either token lacks sub', async () => {
    await using server = await startServer()
    const anonymous = server.issuer.sign({ sub: null, exp: nowSeconds() + 120 })
    const client = server.connect({ auth: { token: anonymous } })
    await connected(client)
    expect(await refresh(client, anonymous)).toMatchObject({ ok: false, code: 'claim_invalid' })
    const alice = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(alice)
    expect(await refresh(alice, anonymous)).toMatchObject({ ok: false, code: 'claim_invalid' })
  })
})

describe('a key lookup or a rate limiter that never answers does not hold handshakes forever', () => {
  it('a getKey that never settles: server_error after getKeyTimeoutMs', async () => {
    await using server = await startServer({
      guard: {
        verifier: createVerifier({
          getKey: () => new Promise<never>(() => undefined),
          algorithms: ['HS256'],
          getKeyTimeoutMs: 300,
        }),
      },
    })
    const token = server.issuer.sign()
    const started = Date.now()
    await expectRefused(server.connect({ auth: { token } }), 'server_error', token)
    expect(Date.now() - started).toBeLessThan(3_000)
  })

  it('getKeyTimeoutMs is validated, and only for getKey', () => {
    const getKey = (): string => 'k'.repeat(32)
    for (const getKeyTimeoutMs of [0, 1.5, 30_001, '500'])
      expect(() =>
        createVerifier({ getKey, algorithms: ['HS256'], getKeyTimeoutMs } as never),
      ).toThrow(expect.objectContaining({ option: 'getKeyTimeoutMs' }) as Error)
    expect(() =>
      createVerifier({
        secret: 'k'.repeat(32),
        algorithms: ['HS256'],
        getKeyTimeoutMs: 500,
      } as never),
    ).toThrow(expect.objectContaining({ option: 'getKeyTimeoutMs' }) as Error)
  })

  it('a custom rateLimit.limiter that never answers: server_error (fail closed) in about 2 s', async () => {
    // Duck-typed: the guard calls only get() and consume() (a JavaScript app may pass this).
    const hung = {
      points: 10,
      get: () => new Promise<never>(() => undefined),
      consume: () => new Promise<never>(() => undefined),
    } as unknown as RateLimiterAbstract
    await using server = await startServer({ guard: { rateLimit: { limiter: hung } } })
    const token = server.issuer.sign()
    const started = Date.now()
    await expectRefused(server.connect({ auth: { token } }), 'server_error', token)
    expect(Date.now() - started).toBeLessThan(4_000)
  }, 10_000)
})
