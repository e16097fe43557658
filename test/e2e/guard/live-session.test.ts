// The live session of a connected socket: `auth:expiring` then `unauthorized` then the disconnect
// at `exp`; in-band refresh with `authenticate` that keeps the connection and socket id and moves
// the timers; refused refreshes (another subject, garbage, expired, concurrent); tokens that live
// past Node's 24.8-day timer limit; guard.close() cancelling the timers. Most tests run the guard
// on an injected clock set a few hundred ms before a token's `exp`, so nothing waits for seconds.
import type { Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import type { AuthenticateAck, SocketAuth } from '../../../src/index.js'
import {
  EPOCH_S,
  TRANSPORTS,
  connected,
  disconnected,
  expectRefused,
  nothingBeforeRoundTrip,
  recordEvents,
  testClock,
  type SeenEvent,
  type Transport,
} from '../../support/guard-e2e.js'
import { nextEvent, startServer } from '../../support/socket-server.js'

const E_MS = EPOCH_S * 1000
const authOf = (socket: Socket): SocketAuth => (socket.data as { auth: SocketAuth }).auth
const names = (seen: readonly SeenEvent[]): string[] => seen.map((entry) => entry.event)

/** Emits `authenticate` and resolves with its ack. */
function refresh(client: ClientSocket, payload: unknown): Promise<AuthenticateAck> {
  return client.timeout(3_000).emitWithAck('authenticate', payload) as Promise<AuthenticateAck>
}

/**
 * A guarded server on a clock, with a client connected with a token expiring `leftMs` from now;
 * disposing of it closes the server.
 */
async function sessionExpiringIn(
  leftMs: number,
  transport: Transport = 'websocket',
  guard: Record<string, unknown> = {},
) {
  const clock = testClock()
  const server = await startServer({ guard: { now: clock.now, expiringWarningMs: 200, ...guard } })
  try {
    const connection = nextEvent<Socket>(server.io, 'connection')
    clock.set(E_MS - leftMs)
    const start = Date.now()
    const client = server.connect({
      transports: [transport],
      auth: {
        token: server.issuer.sign({
          iat: EPOCH_S - Math.ceil(leftMs / 1000) - 10,
          exp: EPOCH_S,
          jti: 'first',
        }),
      },
    })
    const seen = recordEvents(client)
    const id = await connected(client)
    const socket = await connection
    return {
      server,
      client,
      seen,
      id,
      start,
      socket,
      [Symbol.asyncDispose]: () => server.close(),
    }
  } catch (error) {
    await server.close()
    throw error
  }
}

describe.each(TRANSPORTS)('live session over %s', (transport: Transport) => {
  it('emits auth:expiring, then unauthorized token_expired, then disconnects, at exp', async () => {
    await using session = await sessionExpiringIn(500, transport)
    const { client, seen, start } = session
    const unauthorized = await nextEvent(client, 'unauthorized', 2_000)
    expect(unauthorized).toEqual({ code: 'token_expired', message: expect.any(String) as unknown })
    await disconnected(client, 1_000)
    expect(client.connected).toBe(false)
    expect(names(seen)).toEqual(['auth:expiring', 'unauthorized', 'disconnect'])
    expect(seen[0]!.args[0]).toEqual({ expiresAt: E_MS })
    expect(seen[2]!.args[0]).toBe('io server disconnect')
    // The warning came expiringWarningMs (200) before exp, the disconnect not before exp.
    expect(seen[0]!.at - start).toBeGreaterThanOrEqual(250)
    expect(seen[1]!.at - start).toBeGreaterThanOrEqual(480)
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(150)
  })

  it('a refresh keeps the connection and socket id, and moves the timers', async () => {
    await using session = await sessionExpiringIn(400, transport)
    const { server, client, seen, id, start, socket } = session
    const next = server.issuer.sign({ iat: EPOCH_S - 1, exp: EPOCH_S + 1, jti: 'second' })
    const authenticated = nextEvent(client, 'authenticated')
    const ack = await refresh(client, { token: next })
    expect(ack).toEqual({ ok: true, expiresAt: (EPOCH_S + 1) * 1000 })
    expect(await authenticated).toEqual({ expiresAt: (EPOCH_S + 1) * 1000 })
    expect(authOf(socket)).toEqual({
      claims: expect.objectContaining({ sub: 'alice', jti: 'second' }) as unknown,
      expiresAt: (EPOCH_S + 1) * 1000,
    })

    // The old exp passes without a word; the new one ends the session.
    const unauthorized = await nextEvent(client, 'unauthorized', 2_500)
    expect(unauthorized).toMatchObject({ code: 'token_expired' })
    const at = Date.now() - start
    expect(at).toBeGreaterThanOrEqual(1_350)
    expect(client.id ?? id).toBe(id)
    expect(socket.id).toBe(id)
    await disconnected(client, 1_000)
    expect(names(seen)).toEqual(['authenticated', 'auth:expiring', 'unauthorized', 'disconnect'])
    expect(seen[1]!.args[0]).toEqual({ expiresAt: (EPOCH_S + 1) * 1000 })
  })
})

describe('in-band refresh', () => {
  it('works without an ack, and keeps the same socket for a far-off token', async () => {
    await using session = await sessionExpiringIn(300)
    const { server, client, seen, id, socket } = session
    // A control socket with the first token's `exp`: the guard ends it in the same run of its
    // timers as the refreshed socket's old deadline.
    const control = server.connect({
      auth: { token: server.issuer.sign({ iat: EPOCH_S - 11, exp: EPOCH_S }) },
    })
    const controlEnded = nextEvent(control, 'unauthorized', 2_000)
    await connected(control)
    const authenticated = nextEvent(client, 'authenticated')
    client.emit('authenticate', {
      token: `Bearer ${server.issuer.sign({ iat: EPOCH_S - 1, exp: EPOCH_S + 3_600 })}`,
    })
    expect(await authenticated).toEqual({ expiresAt: (EPOCH_S + 3_600) * 1000 })
    expect(await controlEnded).toMatchObject({ code: 'token_expired' })
    await nothingBeforeRoundTrip(server.io, client, 'unauthorized')
    expect(client.connected).toBe(true)
    expect(client.id).toBe(id)
    expect(server.io.sockets.sockets.get(id)).toBe(socket)
    expect(names(seen)).toEqual(['authenticated'])
  })

  it.each([
    [
      'another subject',
      'claim_invalid',
      (sign: (c: object) => string) => ({ token: sign({ sub: 'bob' }) }),
    ],
    ['a garbage token', 'token_malformed', () => ({ token: 'garbage' })],
    ['a number', 'token_malformed', () => 42],
    ['no token', 'token_missing', () => ({})],
    [
      'an expired token',
      'token_expired',
      (sign: (c: object) => string) => ({
        token: sign({ iat: EPOCH_S - 200, exp: EPOCH_S - 100 }),
      }),
    ],
    [
      'a token signed elsewhere',
      'token_invalid',
      (sign: (c: object) => string) => ({ token: `${sign({}).slice(0, -6)}AAAAAA` }),
    ],
  ] as const)(
    'refused for %s: ack { ok: false, code: %s }, then unauthorized, then disconnect',
    async (_name, code, payload) => {
      await using session = await sessionExpiringIn(60_000)
      const { server, client, seen } = session
      const sign = (claims: object) =>
        server.issuer.sign({ iat: EPOCH_S - 70, exp: EPOCH_S + 60, ...claims })
      // The ack is recorded among the events, from its callback, to check the order.
      const ack = await new Promise<AuthenticateAck>((resolve, reject) => {
        client
          .timeout(3_000)
          .emit('authenticate', payload(sign), (error: Error | null, response: AuthenticateAck) => {
            if (error !== null) {
              reject(error)
              return
            }
            seen.push({ event: 'ack', args: [response], at: Date.now() })
            resolve(response)
          })
      })
      expect(ack).toEqual({ ok: false, code, message: expect.any(String) as unknown })
      await disconnected(client, 2_000)
      expect(client.connected).toBe(false)
      expect(names(seen)).toEqual(['ack', 'unauthorized', 'disconnect'])
      expect(seen[1]!.args[0]).toEqual({ code, message: ack.ok ? '' : ack.message })
    },
  )

  it('answers a second authenticate while one is in flight with rate_limited', async () => {
    // The slow refresh is held in onAuthenticated until the second one has been answered.
    let entered = (): void => undefined
    const inFlight = new Promise<void>((resolve) => {
      entered = resolve
    })
    let release = (): void => undefined
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    await using session = await sessionExpiringIn(60_000, 'websocket', {
      onAuthenticated: async (claims: { slow?: boolean }) => {
        if (claims.slow !== true) return
        entered()
        await held
      },
      // No floor between refreshes here: only the one in flight refuses the second.
      refreshIntervalMs: 0,
    })
    const { server, client, seen } = session
    const token = server.issuer.sign({ iat: EPOCH_S - 70, exp: EPOCH_S + 600, slow: true })
    const first = refresh(client, { token })
    await inFlight
    const second = await refresh(client, { token })
    release()
    expect(second).toEqual({
      ok: false,
      code: 'rate_limited',
      message: expect.any(String) as unknown,
      retryAfterMs: expect.any(Number) as unknown,
    })
    expect(await first).toEqual({ ok: true, expiresAt: (EPOCH_S + 600) * 1000 })
    expect(client.connected).toBe(true)
    // Once the first is done, refreshing works again.
    expect(
      await refresh(client, {
        token: server.issuer.sign({ iat: EPOCH_S - 70, exp: EPOCH_S + 700 }),
      }),
    ).toEqual({
      ok: true,
      expiresAt: (EPOCH_S + 700) * 1000,
    })
    expect(names(seen)).toEqual(['authenticated', 'authenticated'])
  })
})

describe('timers', () => {
  it('keeps a socket whose token expires in 40 days (past the 24.8-day setTimeout limit)', async () => {
    const clock = testClock()
    await using server = await startServer({ guard: { now: clock.now } })
    clock.set(E_MS - 100)
    const exp = EPOCH_S + 40 * 86_400
    const client = server.connect({
      auth: { token: server.issuer.sign({ iat: EPOCH_S - 10, exp }) },
    })
    const seen = recordEvents(client)
    const connection = nextEvent<Socket>(server.io, 'connection')
    await connected(client)
    expect(authOf(await connection).expiresAt).toBe(exp * 1000)
    // A clamped timer would fire after 1 ms, long before this control socket's expiry (100 ms on
    // the guard's clock); after the control's end, a probe round trip to the kept socket.
    const control = server.connect({
      auth: { token: server.issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S }) },
    })
    expect(await nextEvent(control, 'unauthorized', 2_000)).toMatchObject({ code: 'token_expired' })
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(client.connected).toBe(true)
    expect(seen).toEqual([])
  })

  it('guard.close() cancels the timers: no warning, no disconnect at exp', async () => {
    await using session = await sessionExpiringIn(400)
    const { server, client, seen } = session
    await server.guard.close()
    // A control session on another guard, started later and due 50 ms later still: once it has
    // ended, the closed guard's warning and expiry would have been sent (timers run in order of
    // due time), before the probe.
    await using control = await sessionExpiringIn(450)
    expect(await nextEvent(control.client, 'unauthorized', 2_000)).toMatchObject({
      code: 'token_expired',
    })
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(client.connected).toBe(true)
    expect(seen).toEqual([])
  })

  it('inline clockToleranceMs is the same leeway at the handshake and in the live session', async () => {
    const clock = testClock()
    await using server = await startServer({ guard: { now: clock.now, clockToleranceMs: 10_300 } })
    // exp passed 10 s ago: inside the leeway, so accepted, and dropped when the leeway ends.
    clock.set(E_MS + 10_000)
    const start = Date.now()
    const token = server.issuer.sign({ iat: EPOCH_S - 60, exp: EPOCH_S })
    const client = server.connect({ auth: { token } })
    await connected(client)
    expect(await nextEvent(client, 'unauthorized', 2_000)).toMatchObject({ code: 'token_expired' })
    expect(Date.now() - start).toBeGreaterThanOrEqual(250)
    clock.set(E_MS + 10_400)
    await expectRefused(server.connect({ auth: { token } }), 'token_expired')
  })

  it('the expiry waits clockToleranceMs past exp', async () => {
    await using session = await sessionExpiringIn(300, 'websocket', {
      clockToleranceMs: 400,
    })
    const { client, seen, start } = session
    await nextEvent(client, 'unauthorized', 2_000)
    expect(Date.now() - start).toBeGreaterThanOrEqual(650)
    await disconnected(client, 1_000)
    expect(names(seen)).toEqual(['auth:expiring', 'unauthorized', 'disconnect'])
  })
})
