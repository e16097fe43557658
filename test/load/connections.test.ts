// One guarded node under connection load: 10,000 authenticated WebSocket clients at once, and
// rounds of connect/disconnect churn after which the server's heap is back where it started.
// The server runs in this process (its heap is the one measured); the clients in a child.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { authorizeEvents, requireScope, type SocketAuth } from '../../src/index.js'
import { nowSeconds, startServer, type TestServer } from '../support/socket-server.js'
import { mib, settledHeap, startFleet, waitFor, type Fleet } from './support.js'

const CLIENTS = 10_000
const CHURN_CLIENTS = 2_000
const CHURN_ROUNDS = 5
/** Handshakes in flight from the fleet. */
const CONCURRENCY = 200
/** Allowed growth of heapUsed (after forced GC) over the baseline, after the churn rounds. */
const HEAP_TOLERANCE = 0.1

let server: TestServer
let fleet: Fleet

beforeAll(async () => {
  server = await startServer({
    setup: (io) => {
      io.on('connection', authorizeEvents({ message: requireScope('chat') }))
      io.on('connection', (socket) => {
        socket.on('message', (text: unknown, ack?: unknown) => {
          if (typeof ack === 'function') (ack as (value: unknown) => void)(text)
        })
      })
    },
  })
  fleet = startFleet()
})

afterAll(async () => {
  await fleet.close()
  await server.close()
})

/** Distinct tokens (`sub`, `jti`) valid for an hour, carrying the scope the policy asks for. */
function tokens(prefix: string, count: number): string[] {
  const exp = nowSeconds() + 3600
  return Array.from({ length: count }, (_, i) =>
    server.issuer.sign({ sub: `${prefix}-${i}`, jti: `${prefix}-${i}`, exp, scope: 'chat' }),
  )
}

/** Waits until the server holds no Engine.IO connection (the fleet closed its group). */
async function drained(): Promise<void> {
  await waitFor(() => server.io.engine.clientsCount === 0, 30_000, 'every connection closed')
}

/** Connects `count` fresh clients in `group` and expects every one in, on both sides. */
async function connectAll(group: string, count: number): Promise<void> {
  const result = await fleet.peer.call(
    'connect',
    { group, url: server.url, tokens: tokens(group, count), concurrency: CONCURRENCY },
    120_000,
  )
  expect(result.refused).toEqual({})
  expect(result.connected).toBe(count)
  await waitFor(
    () => server.io.of('/').sockets.size === count,
    10_000,
    `${count} sockets on the server`,
  )
}

describe('one node under connection load', () => {
  it(`holds ${CLIENTS.toLocaleString('en-US')} concurrent authenticated clients, 0 failures`, async () => {
    const started = performance.now()
    await connectAll('concurrent', CLIENTS)
    const seconds = (performance.now() - started) / 1000
    console.log(
      `${CLIENTS} clients connected in ${seconds.toFixed(1)} s (${Math.round(CLIENTS / seconds)}/s), ${CONCURRENCY} in flight`,
    )
    // Each server socket holds its own verified identity.
    const subs = new Set<string>()
    for (const socket of server.io.of('/').sockets.values()) {
      const { claims } = (socket.data as { auth: SocketAuth }).auth
      subs.add(String(claims.sub))
    }
    expect(subs.size).toBe(CLIENTS)
    // They are live: the fleet still sees every one connected, none told `unauthorized`.
    const status = await fleet.peer.call('status', { group: 'concurrent' })
    expect(status).toMatchObject({ connected: CLIENTS, disconnected: 0, unauthorized: {} })
    await fleet.peer.call('disconnect', { group: 'concurrent' })
    await drained()
  })

  it(`returns to its baseline heap after ${CHURN_ROUNDS} rounds of ${CHURN_CLIENTS.toLocaleString('en-US')}-client churn`, async () => {
    // Warm-up round: code paths compiled and lazily created structures in place, so that what
    // the rounds leave behind is all that the comparison sees.
    await connectAll('warm-up', CHURN_CLIENTS)
    await fleet.peer.call('disconnect', { group: 'warm-up' })
    await drained()
    const baseline = await settledHeap()
    const samples: number[] = []
    for (let round = 0; round < CHURN_ROUNDS; round++) {
      const group = `churn-${round}`
      await connectAll(group, CHURN_CLIENTS)
      await fleet.peer.call('disconnect', { group })
      await drained()
      samples.push(await settledHeap())
    }
    const last = samples.at(-1)!
    console.log(
      `heapUsed after GC: baseline ${mib(baseline)}, after each round ${samples.map(mib).join(', ')} (last ${((last / baseline - 1) * 100).toFixed(1)}%)`,
    )
    // Only growth is a leak; a heap smaller than the baseline is not a failure.
    expect(last).toBeLessThanOrEqual(baseline * (1 + HEAP_TOLERANCE))
  })
})
