// Revocation over real sockets: by subject (every socket of the user, in every namespace, gets
// `unauthorized` token_revoked and is disconnected; other users stay), by token id (only the
// socket holding it), and the same tokens refused afterwards at handshake and at refresh.
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import type { AuthenticateAck } from '../../../src/index.js'
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
const ISS = 'https://idp.example'
const names = (seen: readonly SeenEvent[]): string[] => seen.map((entry) => entry.event)

/** Waits for a client's end by revocation and checks what it saw, in order. */
async function revoked(client: ClientSocket, seen: readonly SeenEvent[]): Promise<void> {
  await disconnected(client, 2_000)
  expect(names(seen)).toEqual(['unauthorized', 'disconnect'])
  expect(seen[0]!.args[0]).toEqual({
    code: 'token_revoked',
    message: expect.any(String) as unknown,
  })
  expect(seen[1]!.args[0]).toBe('io server disconnect')
}

describe.each(TRANSPORTS)('revocation over %s', (transport: Transport) => {
  const base = { transports: [transport] }

  it("revoke({ sub }) ends all of alice's sockets in every namespace, and only hers", async () => {
    const clock = testClock()
    clock.set(E_MS)
    await using server = await startServer({
      guard: { now: clock.now },
      setup: (io) => {
        io.of('/admin')
        io.of(/^\/tenant-\d+$/)
      },
    })
    const sign = (claims: object = {}) =>
      server.issuer.sign({ iat: EPOCH_S - 5, exp: EPOCH_S + 600, ...claims })
    const aliceToken = sign()
    const alice = [
      server.connect({ ...base, auth: { token: aliceToken } }),
      server.connect({ ...base, auth: { token: aliceToken } }, '/admin'),
      server.connect({ ...base, auth: { token: sign({ jti: 'other' }) } }, '/tenant-3'),
    ]
    const bob = server.connect({ ...base, auth: { token: sign({ sub: 'bob' }) } })
    const seen = alice.map(recordEvents)
    const bobSeen = recordEvents(bob)
    for (const client of [...alice, bob]) await connected(client)

    await server.guard.revoke({ sub: 'alice' })
    for (const [index, client] of alice.entries()) await revoked(client, seen[index]!)
    await nothingBeforeRoundTrip(server.io, bob, 'disconnect')
    expect(bob.connected).toBe(true)
    expect(bobSeen).toEqual([])

    // The old token is refused at handshake from now on.
    const again = server.connect({ ...base, auth: { token: aliceToken } })
    const data = await expectRefused(again, 'token_revoked', aliceToken)
    expect(data.message).not.toContain('alice')
    // A token issued after the revocation is accepted (the clock has moved on since).
    clock.set(E_MS + 10_000)
    const fresh = server.issuer.sign({ iat: EPOCH_S + 5, exp: EPOCH_S + 600 })
    await connected(server.connect({ ...base, auth: { token: fresh } }))
  })

  it('revoke({ jti, iss }) ends only the socket holding that token', async () => {
    await using server = await startServer()
    const tokenA = server.issuer.sign({ iss: ISS, jti: 'a' })
    const tokenB = server.issuer.sign({ iss: ISS, jti: 'b' })
    const holderA = server.connect({ ...base, auth: { token: tokenA } })
    const holderB = server.connect({ ...base, auth: { token: tokenB } })
    const seenA = recordEvents(holderA)
    const seenB = recordEvents(holderB)
    await connected(holderA)
    await connected(holderB)

    await server.guard.revoke({ jti: 'a', iss: ISS })
    await revoked(holderA, seenA)
    await nothingBeforeRoundTrip(server.io, holderB, 'disconnect')
    expect(holderB.connected).toBe(true)
    expect(seenB).toEqual([])

    await expectRefused(server.connect({ ...base, auth: { token: tokenA } }), 'token_revoked')
    // The same jti from another issuer is another token.
    const otherIssuer = server.issuer.sign({ iss: 'https://other.example', jti: 'a' })
    await connected(server.connect({ ...base, auth: { token: otherIssuer } }))
  })
})

describe('revocation and refresh', () => {
  it('a refresh with a revoked token is refused: ack token_revoked, unauthorized, disconnect', async () => {
    await using server = await startServer()
    const client = server.connect({ auth: { token: server.issuer.sign({ iss: ISS, jti: 'a' }) } })
    const seen = recordEvents(client)
    await connected(client)
    // Revoking a token no socket holds disconnects nobody.
    await server.guard.revoke({ jti: 'b', iss: ISS })
    await nothingBeforeRoundTrip(server.io, client, 'unauthorized')
    const ack = (await client.timeout(2_000).emitWithAck('authenticate', {
      token: server.issuer.sign({ iss: ISS, jti: 'b' }),
    })) as AuthenticateAck
    expect(ack).toEqual({
      ok: false,
      code: 'token_revoked',
      message: expect.any(String) as unknown,
    })
    await revoked(client, seen)
  })

  it('a refresh picks up the new jti: revoking the refreshed token ends the socket', async () => {
    await using server = await startServer()
    const client = server.connect({ auth: { token: server.issuer.sign({ jti: 'before' }) } })
    const seen = recordEvents(client)
    await connected(client)
    const authenticated = nextEvent(client, 'authenticated')
    const ack = (await client.timeout(2_000).emitWithAck('authenticate', {
      token: server.issuer.sign({ jti: 'after' }),
    })) as AuthenticateAck
    expect(ack.ok).toBe(true)
    await authenticated
    seen.length = 0
    await server.guard.revoke({ jti: 'after' })
    await revoked(client, seen)
  })

  it('after a refresh, revoking the old token id no longer reaches the socket', async () => {
    await using server = await startServer()
    const client = server.connect({ auth: { token: server.issuer.sign({ jti: 'old' }) } })
    await connected(client)
    const ack = (await client.timeout(2_000).emitWithAck('authenticate', {
      token: server.issuer.sign({ jti: 'new' }),
    })) as AuthenticateAck
    expect(ack.ok).toBe(true)
    const [socket] = server.io.sockets.sockets.values()
    // No room of the guard's, none per token id (a revocation scans the guard's own index).
    expect([...socket!.rooms].filter((room) => room.startsWith('sockguard:'))).toEqual([])
    await server.guard.revoke({ jti: 'old' })
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(client.connected).toBe(true)
  })
})
