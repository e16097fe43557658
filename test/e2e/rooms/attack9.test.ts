// The ninth outside attack on rooms: another socket's id joined through a pattern that matches
// names without ':'; a second `recheck` with a later deadline swallowed once the first had been
// answered; a client's refused `room:join` never reported to `onFailure`.
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import type { AuthenticateAck, RoomAck } from '../../../src/index.js'
import { nothingBeforeRoundTrip, testClock } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { gate, provesAbsent, roomServer, user } from './support.js'

const ask = (client: ClientSocket, event: string, payload: unknown): Promise<RoomAck> =>
  client.timeout(3_000).emitWithAck(event, payload) as Promise<RoomAck>

const refused = { ok: false, code: 'forbidden', message: expect.any(String) as unknown }

describe("another socket's id is never a room a pattern or grant opens", () => {
  const allow = (): boolean => true
  it.each<[string, Record<string, () => boolean>, boolean]>([
    ['{topic}', { '{topic}': allow }, false],
    ['*', { '*': allow }, false],
    ['a pattern and an exact grant', { '{topic}': allow }, true],
  ])(
    'with %s: room:join of the victim’s id is refused; its private messages never arrive',
    async (_, policy, grant) => {
      await using server = await roomServer({ policy, grantsClaim: 'rooms' })
      const victim = await user(server, { sub: 'victim' })
      const mallory = await user(server, {
        sub: 'mallory',
        rooms: grant ? [victim.socket.id] : [],
      })
      expect(await ask(mallory.client, 'room:join', { room: victim.socket.id })).toEqual(refused)
      expect(mallory.socket.rooms.has(victim.socket.id)).toBe(false)
      await provesAbsent(server.io, victim.socket.id, victim.client, mallory.client)
      // Names of other shapes still follow the pattern.
      expect(await ask(mallory.client, 'room:join', { room: 'news' })).toEqual({ ok: true })
    },
  )

  // Third outside attack on rooms (F1): an app handler that joins what it is asked, under the
  // default unlistedRooms ('allow'), joined another socket's id.
  it("an app handler that joins what it is asked never joins another socket's id", async () => {
    await using server = await roomServer(
      { policy: { '{topic}': allow } },
      {
        setup: (io) => {
          io.on('connection', (socket) => {
            socket.on('subscribe', (topic: string, ack: () => void) => {
              void Promise.resolve(socket.join(topic)).then(ack)
            })
          })
        },
      },
    )
    const victim = await user(server, { sub: 'victim' })
    const mallory = await user(server, { sub: 'mallory' })
    await mallory.client.timeout(3_000).emitWithAck('subscribe', victim.socket.id)
    expect(mallory.socket.rooms.has(victim.socket.id)).toBe(false)
    await provesAbsent(server.io, victim.socket.id, victim.client, mallory.client)
    expect(server.failures).toContainEqual(
      expect.objectContaining({ code: 'forbidden', room: victim.socket.id }),
    )
  })

  it("with unlistedRooms: 'deny', a server-side join of another socket's id does not happen", async () => {
    await using server = await roomServer({
      policy: { '{topic}': () => true },
      unlistedRooms: 'deny',
    })
    const victim = await user(server, { sub: 'victim' })
    const mallory = await user(server, { sub: 'mallory' })
    await mallory.socket.join(victim.socket.id)
    expect(mallory.socket.rooms.has(victim.socket.id)).toBe(false)
    await provesAbsent(server.io, victim.socket.id, victim.client, mallory.client)
    // Its own room it keeps.
    expect(mallory.socket.rooms.has(mallory.socket.id)).toBe(true)
  })
})

describe('recheck with refreshWithinMs, twice', () => {
  it('a second request after the first was answered asks again, even with a later deadline', async () => {
    const clock = testClock()
    // Just before a second boundary: the refresh answering the first request carries an `iat` of
    // this second, which is not fresh for a request made after the boundary.
    const t0 = 1_900_000_000_000
    clock.set(t0 + 900)
    await using server = await roomServer(
      { policy: {} },
      { guardOptions: { now: clock.now, refreshIntervalMs: 0 } },
    )
    const iat = t0 / 1000 - 60
    const alice = await user(server, { sub: 'alice', iat, exp: iat + 3600 })
    const first = nextEvent(alice.client, 'auth:expiring')
    await server.guard.recheck({ sub: 'alice' }, { refreshWithinMs: 1_000 })
    await first
    const fresh = server.issuer.sign({ sub: 'alice', iat: t0 / 1000, exp: t0 / 1000 + 3600 })
    const answered = (await alice.client
      .timeout(3_000)
      .emitWithAck('authenticate', { token: fresh })) as AuthenticateAck
    expect(answered.ok).toBe(true)
    // The permissions change again, past the second of that token.
    clock.set(t0 + 1_200)
    const second = nextEvent<{ expiresAt: number }>(alice.client, 'auth:expiring')
    const ended = nextEvent<{ code: string }>(alice.client, 'unauthorized', 4_000)
    await server.guard.recheck({ sub: 'alice' }, { refreshWithinMs: 1_000 })
    // The second request's own deadline: 1 s after it was made (the clock runs on meanwhile).
    const { expiresAt } = await second
    expect(expiresAt).toBeGreaterThanOrEqual(t0 + 2_200)
    expect(expiresAt).toBeLessThan(t0 + 2_700)
    expect((await ended).code).toBe('reauth_required')
  })
})

describe('onFailure hears every refused room:join', () => {
  it('denied by a rule, by an async rule, unlisted, and past the limit', async () => {
    await using server = await roomServer({
      policy: {
        'doc:{id}': (_claims: unknown, _room: string, { id }: Record<string, string>) => id === '1',
        'slow:{id}': () => Promise.resolve(false),
        'open:{id}': () => true,
      },
      maxRoomsPerSocket: 1,
    })
    const alice = await user(server, { sub: 'alice' })
    for (const room of ['doc:2', 'slow:1', 'lobby'])
      expect(await ask(alice.client, 'room:join', { room })).toEqual(refused)
    expect(await ask(alice.client, 'room:join', { room: 'doc:1' })).toEqual({ ok: true })
    expect(await ask(alice.client, 'room:join', { room: 'open:1' })).toEqual(refused)
    expect(server.failures).toEqual(
      ['doc:2', 'slow:1', 'lobby', 'open:1'].map((room) => ({
        code: 'forbidden',
        room,
        socketId: alice.socket.id,
      })),
    )
  })

  // Third outside attack on rooms (F3): joins of one room sent at once, under an async rule that
  // allows, were acked forbidden (all but the last) and reported as refusals.
  it('joins of one room sent at once, under an async rule that allows, are all acked ok', async () => {
    await using server = await roomServer({
      policy: {
        'pub:{id}': () => new Promise<boolean>((resolve) => setTimeout(resolve, 20, true)),
      },
    })
    const alice = await user(server, { sub: 'alice' })
    const acks = await Promise.all(
      [1, 2, 3, 4].map(() => ask(alice.client, 'room:join', { room: 'pub:same' })),
    )
    expect(acks).toEqual([1, 2, 3, 4].map(() => ({ ok: true })))
    expect(alice.socket.rooms.has('pub:same')).toBe(true)
    expect(server.failures).toEqual([])
  })
})

// Fourth outside attack on rooms (F1): a socket held out of a room while its async rule was
// re-asked (after a refresh) escaped the app's room-wide operations, then got the room back.
describe('room-wide operations reach a socket held out during an async re-check', () => {
  async function heldOut() {
    let answer = gate<boolean>()
    const server = await roomServer(
      // Answers at once for the joins below, then waits for the test during the re-check.
      { policy: { 'doc:{id}': () => answer.promise } },
      { guardOptions: { refreshIntervalMs: 0 } },
    )
    const alice = await user(server, { sub: 'alice' })
    const bob = await user(server, { sub: 'bob' })
    answer.open(true)
    for (const member of [alice, bob])
      expect(await ask(member.client, 'room:join', { room: 'doc:1' })).toEqual({ ok: true })
    answer = gate<boolean>()
    const refreshed = (await alice.client.timeout(3_000).emitWithAck('authenticate', {
      token: server.issuer.sign({ sub: 'alice' }),
    })) as AuthenticateAck
    expect(refreshed.ok).toBe(true)
    // Held out now: the re-check's rule is waiting on `answer`.
    await expect.poll(() => alice.socket.rooms.has('doc:1')).toBe(false)
    return {
      server,
      alice,
      bob,
      release: () => {
        answer.open(true)
      },
    }
  }

  it('io.in(room).socketsLeave(room) takes it out for good', async () => {
    const held = await heldOut()
    await using server = held.server
    const { alice, bob, release } = held
    server.io.in('doc:1').socketsLeave('doc:1')
    release()
    await nothingBeforeRoundTrip(server.io, alice.client, 'no-such-event')
    expect(alice.socket.rooms.has('doc:1')).toBe(false)
    expect(bob.socket.rooms.has('doc:1')).toBe(false)
    const control = await user(server, { sub: 'carol' })
    await control.socket.join('doc:1')
    await provesAbsent(server.io, 'doc:1', control.client, alice.client)
  })

  it('io.in(room).disconnectSockets() disconnects it; fetchSockets() lists it', async () => {
    const held = await heldOut()
    await using server = held.server
    const { alice, release } = held
    const listed = await server.io.in('doc:1').fetchSockets()
    expect(listed.map((socket) => socket.id)).toContain(alice.socket.id)
    const gone = nextEvent(alice.client, 'disconnect')
    server.io.in('doc:1').disconnectSockets()
    await gone
    release()
  })

  // Outside attack r13 (F1): a first join still waiting for its async rule was missed by
  // `io.in(room).socketsLeave/disconnectSockets/socketsJoin`, and let in when the rule answered.
  for (const operation of ['socketsLeave', 'disconnectSockets', 'socketsJoin'] as const)
    it(`reaches a socket whose first join waits for its rule (${operation})`, async () => {
      const answer = gate<boolean>()
      const asked = gate<undefined>()
      await using server = await roomServer({
        policy: {
          'doc:{id}': () => {
            asked.open(undefined)
            return answer.promise
          },
        },
      })
      const alice = await user(server, { sub: 'alice' })
      const joined = ask(alice.client, 'room:join', { room: 'doc:6' })
      // Waiting: the rule has been asked and has not answered.
      await asked.promise
      expect(alice.socket.rooms.has('doc:6')).toBe(false)
      if (operation === 'socketsLeave') {
        server.io.in('doc:6').socketsLeave('doc:6')
        answer.open(true)
        expect(await joined).toEqual(refused)
        expect(alice.socket.rooms.has('doc:6')).toBe(false)
      } else if (operation === 'disconnectSockets') {
        const gone = nextEvent(alice.client, 'disconnect')
        server.io.in('doc:6').disconnectSockets(true)
        await gone
        // The client's pending ack ends with the connection.
        await expect(joined).rejects.toThrow('socket has been disconnected')
        answer.open(true)
      } else {
        server.io.in('doc:6').socketsJoin('muted')
        expect(alice.socket.rooms.has('muted')).toBe(true)
        answer.open(true)
        expect(await joined).toEqual({ ok: true })
      }
    })

  it('a socket held out again, after a room-wide operation saw it with nothing held out', async () => {
    let answer = gate<boolean>()
    await using server = await roomServer(
      { policy: { 'doc:{id}': () => answer.promise } },
      { guardOptions: { refreshIntervalMs: 0 } },
    )
    const alice = await user(server, { sub: 'alice' })
    answer.open(true)
    expect(await ask(alice.client, 'room:join', { room: 'doc:1' })).toEqual({ ok: true })
    const refresh = async (): Promise<void> => {
      const ack = (await alice.client.timeout(3_000).emitWithAck('authenticate', {
        token: server.issuer.sign({ sub: 'alice' }),
      })) as AuthenticateAck
      expect(ack.ok).toBe(true)
    }
    // First re-check: held out, then given back.
    answer = gate<boolean>()
    await refresh()
    await expect.poll(() => alice.socket.rooms.has('doc:1')).toBe(false)
    answer.open(true)
    await expect.poll(() => alice.socket.rooms.has('doc:1')).toBe(true)
    // A room-wide operation while nothing is held out (the engine forgets the socket here).
    expect((await server.io.in('doc:1').fetchSockets()).map((socket) => socket.id)).toEqual([
      alice.socket.id,
    ])
    // Second re-check: held out again, and the room-wide operation must still reach it.
    answer = gate<boolean>()
    await refresh()
    await expect.poll(() => alice.socket.rooms.has('doc:1')).toBe(false)
    server.io.in('doc:1').socketsLeave('doc:1')
    answer.open(true)
    await nothingBeforeRoundTrip(server.io, alice.client, 'no-such-event')
    expect(alice.socket.rooms.has('doc:1')).toBe(false)
  })
})

// Fifth outside attack on rooms (F2): the guard's room:leave let a client leave a room the app
// had put it in to exclude it (`muted`), and receive what `except('muted')` kept from it.
describe('room:leave', () => {
  it('leaves only rooms the policy lists (an unlisted room is the app’s), and says so', async () => {
    await using server = await roomServer({ policy: { lobby: () => true } })
    const troll = await user(server, { sub: 'troll' })
    const control = await user(server, { sub: 'carol' })
    for (const member of [troll, control]) {
      await member.socket.join('lobby')
    }
    await troll.socket.join('muted')
    expect(await ask(troll.client, 'room:leave', { room: 'muted' })).toEqual(refused)
    expect(troll.socket.rooms.has('muted')).toBe(true)
    const got = nextEvent<number>(control.client, 'msg')
    server.io.to('lobby').except('muted').emit('msg', 1)
    expect(await got).toBe(1)
    await nothingBeforeRoundTrip(server.io, troll.client, 'msg')
    // A listed room is the client's to leave.
    expect(await ask(troll.client, 'room:leave', { room: 'lobby' })).toEqual({ ok: true })
    expect(troll.socket.rooms.has('lobby')).toBe(false)
  })
})
