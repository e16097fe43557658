// Connection-state recovery skips every middleware on reconnect (skipMiddlewares defaults to true),
// and replays the packets a session missed as soon as it is restored, so the guard checks stored
// sessions before Socket.IO restores them: a normal user gets the session back with its auth,
// room and timers; a user revoked while disconnected, or whose token expired meanwhile, does not
// get the session (nor the packets it missed) back: the client makes a plain handshake, which is
// refused with the code, and the app's handler never talks to them.
import type { Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import {
  createMemoryRevocationStore,
  type RevocationStore,
  type SocketAuth,
} from '../../../src/index.js'
import {
  EPOCH_S,
  TRANSPORTS,
  connected,
  disconnected,
  nothingBeforeRoundTrip,
  recordEvents,
  testClock,
  type SeenEvent,
  type Transport,
} from '../../support/guard-e2e.js'
import { nextEvent, refusal, startServer, type TestServer } from '../../support/socket-server.js'

const E_MS = EPOCH_S * 1000
const names = (seen: readonly SeenEvent[]): string[] => seen.map((entry) => entry.event)
const authOf = (socket: Socket): SocketAuth | undefined =>
  (socket.data as { auth?: SocketAuth }).auth

/** A server with recovery on, whose app greets each connection (which gives clients an offset). */
async function recoveringServer(
  now: () => number,
  guard: Record<string, unknown> = {},
): Promise<TestServer & { failures: string[] }> {
  const failures: string[] = []
  const server = await startServer({
    guard: {
      now,
      expiringWarningMs: 200,
      onFailure: (error) => failures.push(error.code),
      ...guard,
    },
    server: { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } },
    setup: (io) => {
      io.on('connection', (socket) => {
        socket.emit('hello', { recovered: socket.recovered })
      })
    },
  })
  return Object.assign(server, { failures })
}

/**
 * Asserts that a client whose stored session may not be restored was refused at a plain
 * handshake with `code`, and saw nothing else: no greeting, no replayed packet.
 */
async function expectRefusedRecovery(
  server: TestServer,
  client: ClientSocket,
  seen: readonly SeenEvent[],
  code: string,
): Promise<void> {
  expect(await refusal(client)).toMatchObject({ code })
  expect(client.recovered).toBe(false)
  expect(names(seen)).toEqual([])
  expect(server.io.sockets.sockets.size).toBe(0)
}

/**
 * Connects a reconnecting client and waits for its greeting; then `whileAway` runs once the
 * server has dropped the transport, and the recovered connection is awaited.
 */
async function dropAndRecover(
  server: TestServer,
  transport: Transport,
  token: string,
  whileAway: () => Promise<void> | void,
): Promise<{ client: ClientSocket; first: Socket; seen: SeenEvent[] }> {
  const client = server.connect({
    transports: [transport],
    auth: { token },
    reconnection: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 100,
    randomizationFactor: 0,
  })
  const connection = nextEvent<Socket>(server.io, 'connection')
  const hello = nextEvent(client, 'hello')
  await connected(client)
  const first = await connection
  expect(await hello).toEqual({ recovered: false })

  const serverGone = nextEvent<string>(first, 'disconnect')
  const clientGone = nextEvent<string>(client, 'disconnect')
  first.conn.close()
  expect(await serverGone).toBe('forced close')
  await whileAway()
  expect(await clientGone).toBe('transport close')
  const seen = recordEvents(client)
  return { client, first, seen }
}

describe.each(TRANSPORTS)('connection-state recovery over %s', (transport: Transport) => {
  it('restores a valid session with its auth, room and timers', async () => {
    const clock = testClock()
    await using server = await recoveringServer(clock.now)
    clock.set(E_MS - 1_200)
    const token = server.issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S })
    const { client, first, seen } = await dropAndRecover(server, transport, token, () => undefined)

    const connection = nextEvent<Socket>(server.io, 'connection')
    await nextEvent(client, 'connect', 3_000)
    const socket = await connection
    expect(client.recovered).toBe(true)
    expect(socket.recovered).toBe(true)
    expect(socket.id).toBe(first.id)
    expect(authOf(socket)).toEqual({
      claims: expect.objectContaining({ sub: 'alice' }) as unknown,
      expiresAt: E_MS,
    })
    expect(socket.rooms.has('sockguard:sub:alice')).toBe(false)
    // The client re-sent its auth on reconnect; the restored socket does not keep the token.
    expect(JSON.stringify(socket.handshake)).not.toContain(token.split('.')[2])

    // The timers run again on the restored socket.
    await nextEvent(client, 'unauthorized', 2_500)
    await disconnected(client)
    expect(names(seen)).toEqual(['hello', 'auth:expiring', 'unauthorized', 'disconnect'])
    expect(seen[0]!.args[0]).toEqual({ recovered: true })
    expect(seen[2]!.args[0]).toMatchObject({ code: 'token_expired' })
  })

  it('refuses a session whose user was revoked while disconnected: token_revoked', async () => {
    const clock = testClock()
    await using server = await recoveringServer(clock.now)
    clock.set(E_MS)
    const token = server.issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S + 600 })
    const { client, seen } = await dropAndRecover(server, transport, token, () =>
      server.guard.revoke({ sub: 'alice' }),
    )
    // Refused with the code; neither the revocation's own broadcast nor anything else sent while
    // it was away reaches it.
    await expectRefusedRecovery(server, client, seen, 'token_revoked')
    expect(server.failures).toEqual(['token_revoked'])
  })

  it('with an async revocation store, the revoked session is still refused', async () => {
    const clock = testClock()
    const memory = createMemoryRevocationStore()
    const revocationStore: RevocationStore = {
      revokeSubject: async (...args) => memory.revokeSubject(...args),
      revokeToken: async (...args) => memory.revokeToken(...args),
      isRevoked: async (...args) => memory.isRevoked(...args),
    }
    await using server = await recoveringServer(clock.now, { revocationStore })
    clock.set(E_MS)
    const token = server.issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S + 600 })
    const { client, seen } = await dropAndRecover(server, transport, token, () =>
      server.guard.revoke({ sub: 'alice' }),
    )
    // The store is asked before the session is restored, so an async answer refuses it as well.
    await expectRefusedRecovery(server, client, seen, 'token_revoked')
    expect(server.failures).toEqual(['token_revoked'])
  })

  it.each([
    ['rejects', () => Promise.reject(new Error('ECONNREFUSED'))],
    [
      'throws',
      () => {
        throw new Error('ECONNREFUSED')
      },
    ],
  ] as const)(
    'with a store that %s, a recovered session is refused store_unavailable (fail-closed)',
    async (_, failing) => {
      const clock = testClock()
      const memory = createMemoryRevocationStore()
      let down = false
      const revocationStore: RevocationStore = {
        revokeSubject: (...args) => memory.revokeSubject(...args),
        revokeToken: (...args) => memory.revokeToken(...args),
        isRevoked: (...args) => (down ? failing() : memory.isRevoked(...args)),
      }
      await using server = await recoveringServer(clock.now, { revocationStore })
      clock.set(E_MS)
      const token = server.issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S + 600 })
      const { client, seen } = await dropAndRecover(server, transport, token, () => {
        down = true
      })
      await expectRefusedRecovery(server, client, seen, 'store_unavailable')
      expect(server.failures).toEqual(['store_unavailable'])
    },
  )

  it('with revocationCheck fail-open, a store that cannot answer lets the session recover', async () => {
    const clock = testClock()
    const revocationStore: RevocationStore = {
      revokeSubject: () => undefined,
      revokeToken: () => undefined,
      isRevoked: () => Promise.reject(new Error('ECONNREFUSED')),
    }
    await using server = await recoveringServer(clock.now, {
      revocationStore,
      revocationCheck: 'fail-open',
    })
    clock.set(E_MS)
    // The store fails from the start: fail-open admits the first handshake too.
    const token = server.issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S + 600 })
    const { client, seen } = await dropAndRecover(server, transport, token, () => undefined)
    await nextEvent(client, 'connect', 3_000)
    expect(client.recovered).toBe(true)
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(names(seen)).toEqual(['hello'])
    expect(server.failures).toEqual([])
  })

  it('refuses a session whose token expired while disconnected: token_expired', async () => {
    const clock = testClock()
    await using server = await recoveringServer(clock.now)
    clock.set(E_MS - 60_000)
    const token = server.issuer.sign({ iat: EPOCH_S - 70, exp: EPOCH_S })
    const { client, seen } = await dropAndRecover(server, transport, token, () => {
      clock.set(E_MS + 5_000)
    })
    await expectRefusedRecovery(server, client, seen, 'token_expired')
    expect(server.failures).toEqual(['token_expired'])
  })
})
