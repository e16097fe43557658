// Expiry timers at scale: 10,000 connected sockets whose tokens expire within a few seconds of
// each other each get `unauthorized` { code: 'token_expired' } no earlier than their `exp` and
// less than a second after it, as measured by the clients (in a child process, on the same clock).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nowSeconds, startServer, type TestServer } from '../support/socket-server.js'
import { startFleet, waitFor, type Fleet } from './support.js'

const CLIENTS = 10_000
/** `exp` takes this many consecutive whole-second values, CLIENTS / SPREAD_S tokens each. */
const SPREAD_S = 5
/**
 * Time from minting to the first `exp`: connecting all the clients must fit in it (about 4 s on
 * a quiet 2-core machine; the rest is headroom for a loaded one).
 */
const LEAD_S = 25
const CONCURRENCY = 200
const MAX_LATENESS_MS = 1_000

let server: TestServer
let fleet: Fleet

beforeAll(async () => {
  // No grace after exp: a socket is due at exactly exp.
  server = await startServer({ guard: { clockToleranceMs: 0 } })
  fleet = startFleet()
})

afterAll(async () => {
  await fleet.close()
  await server.close()
})

describe('expiry timers under load', () => {
  it(`${CLIENTS.toLocaleString('en-US')} sockets are each disconnected within ${MAX_LATENESS_MS} ms of exp, never before`, async () => {
    const first = nowSeconds() + LEAD_S
    const exps = Array.from({ length: CLIENTS }, (_, i) => first + (i % SPREAD_S))
    const tokens = exps.map((exp, i) =>
      server.issuer.sign({ sub: `user-${i}`, jti: `e-${i}`, exp }),
    )
    const connected = await fleet.peer.call(
      'connect',
      { group: 'expiring', url: server.url, tokens, concurrency: CONCURRENCY },
      (LEAD_S - 1) * 1000,
    )
    expect(connected.refused).toEqual({})
    expect(connected.connected).toBe(CLIENTS)
    // Every timer must still be pending: no socket may have expired while others connected.
    const lead = first * 1000 - Date.now()
    console.log(
      `${CLIENTS} clients connected in ${(connected.ms / 1000).toFixed(1)} s; first exp in ${(lead / 1000).toFixed(1)} s`,
    )
    expect(lead).toBeGreaterThan(0)
    expect(connected.unauthorized).toEqual({})

    // Bounded: the last exp, plus the allowed lateness, plus time to report.
    const waitMs = (first + SPREAD_S) * 1000 - Date.now() + MAX_LATENESS_MS + 5_000
    const status = await fleet.peer.call(
      'awaitUnauthorized',
      { group: 'expiring', count: CLIENTS, timeoutMs: waitMs },
      waitMs + 10_000,
    )
    expect(status.unauthorized).toEqual({ token_expired: CLIENTS })
    expect(status.disconnected).toBe(CLIENTS)

    const records = await fleet.peer.call('records', { group: 'expiring' }, 60_000)
    expect(records).toHaveLength(CLIENTS)
    const lateness = records.map((record, i) => (record.unauthorizedAt ?? NaN) - exps[i]! * 1000)
    const early = lateness.filter((ms) => ms < 0).length
    const sorted = [...lateness].sort((a, b) => a - b)
    const at = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
    console.log(
      `lateness after exp: min ${sorted[0]} ms, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${sorted.at(-1)} ms`,
    )
    expect(early).toBe(0)
    expect(sorted.at(-1)).toBeLessThan(MAX_LATENESS_MS)
    expect(records.every((r) => r.disconnectReason === 'io server disconnect')).toBe(true)
    await waitFor(() => server.io.engine.clientsCount === 0, 10_000, 'every connection closed')
  })
})
