// The client protocol: `room:join` / `room:leave` `{ room }` answered `{ ok: true }` or
// `{ ok: false, code: 'forbidden', message }` (a `forbidden` event without an ack). A client can
// never join an unlisted room, another socket's id, or a room past its limit; hostile payloads get
// a coded refusal and nothing else.
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { requireScope, type RoomAck } from '../../../src/index.js'
import { nothingBeforeRoundTrip, recordEvents } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { gate, provesAbsent, provesPresent, roomServer, user } from './support.js'

const policy = {
  admin: requireScope('admin'),
  'user:{sub}': (claims: { sub?: unknown }, _room: string, params: Record<string, string>) =>
    claims.sub === params.sub,
  'doc:{id}': (_claims: unknown, _room: string, params: Record<string, string>) =>
    params.id === '1',
}

const ask = (client: ClientSocket, event: string, payload: unknown): Promise<RoomAck> =>
  client.timeout(3_000).emitWithAck(event, payload) as Promise<RoomAck>

const refused = { ok: false, code: 'forbidden', message: expect.any(String) as unknown }

describe('room:join and room:leave', () => {
  it('joins an allowed room and leaves it', async () => {
    await using server = await roomServer({ policy, grantsClaim: 'rooms' })
    const alice = await user(server, { sub: 'alice', rooms: ['team:red', 'org:*'] })
    for (const room of ['user:alice', 'doc:1', 'team:red', 'org:a:b'])
      expect(await ask(alice.client, 'room:join', { room })).toEqual({ ok: true })
    expect([...alice.socket.rooms].sort()).toEqual(
      [alice.socket.id, 'user:alice', 'doc:1', 'team:red', 'org:a:b'].sort(),
    )
    await provesPresent(server.io, 'team:red', alice.client)
    expect(await ask(alice.client, 'room:leave', { room: 'team:red' })).toEqual({ ok: true })
    expect(alice.socket.rooms.has('team:red')).toBe(false)
    expect(await ask(alice.client, 'room:leave', { room: 'never:joined' })).toEqual({ ok: true })
  })

  it('refuses denied, unlisted and injected rooms; no broadcast reaches the socket', async () => {
    await using server = await roomServer({ policy, grantsClaim: 'rooms' })
    const admin = await user(server, { sub: 'root', scope: 'admin' })
    const mallory = await user(server, { sub: 'mallory', rooms: ['team:blue'] })
    expect(await ask(admin.client, 'room:join', { room: 'admin' })).toEqual({ ok: true })
    for (const room of [
      'admin',
      'user:alice',
      'user:mallory:admin',
      'doc:2',
      'doc:1:admin',
      'doc:*',
      'lobby', // unlisted: never the client's to pick
      admin.socket.id, // another socket's own room
      'team:red',
      'team:blue:x',
      'ａdmin', // fullwidth lookalike
      'admin\u200b',
      'user:mallory\u0000',
    ])
      expect(await ask(mallory.client, 'room:join', { room })).toEqual(refused)
    expect([...mallory.socket.rooms]).toEqual([mallory.socket.id])
    await provesAbsent(server.io, 'admin', admin.client, mallory.client)
    await provesAbsent(server.io, admin.socket.id, admin.client, mallory.client)
  })

  it('without an ack, refuses with the `forbidden` event', async () => {
    await using server = await roomServer({ policy })
    const mallory = await user(server, { sub: 'mallory' })
    const forbidden = nextEvent(mallory.client, 'forbidden')
    mallory.client.emit('room:join', { room: 'admin' })
    expect(await forbidden).toEqual({
      event: 'room:join',
      code: 'forbidden',
      message: expect.any(String) as unknown,
    })
  })

  it('waits for an async rule before answering, and joins only then', async () => {
    const db = gate<boolean>()
    await using server = await roomServer({
      policy: { 'doc:{id}': (claims: { sub?: unknown }) => claims.sub === 'carol' || db.promise },
    })
    const carol = await user(server, { sub: 'carol' })
    const alice = await user(server, { sub: 'alice' })
    expect(await ask(carol.client, 'room:join', { room: 'doc:9' })).toEqual({ ok: true })
    const answer = ask(alice.client, 'room:join', { room: 'doc:9' })
    await provesAbsent(server.io, 'doc:9', carol.client, alice.client)
    db.open(false)
    expect(await answer).toEqual(refused)
    await provesAbsent(server.io, 'doc:9', carol.client, alice.client)
  })
})

describe('hostile room:join input', () => {
  it('answers every JSON type and oversized names with a coded refusal, and nothing else', async () => {
    await using server = await roomServer({ policy: { '*': () => true } })
    const mallory = await user(server, { sub: 'mallory' })
    const seen = recordEvents(mallory.client)
    const payloads: unknown[] = [
      null,
      true,
      0,
      1.5,
      'admin',
      [],
      ['admin'],
      {},
      { room: null },
      { room: 1 },
      { room: true },
      { room: ['a'] },
      { room: { toString: 'x' } },
      { room: '' },
      { room: 'x'.repeat(1025) },
      { room: 'x'.repeat(64 * 1024) },
      { ['__proto__']: { room: 'a' } },
    ]
    for (const payload of payloads)
      expect(await ask(mallory.client, 'room:join', payload)).toEqual(refused)
    expect(await ask(mallory.client, 'room:leave', 42)).toEqual(refused)
    // Nothing but acks came: no event, no disconnect.
    await nothingBeforeRoundTrip(server.io, mallory.client, 'disconnect')
    expect(seen).toEqual([])
    expect(mallory.client.connected).toBe(true)
    expect([...mallory.socket.rooms]).toEqual([mallory.socket.id])
  })

  it('bounds the rooms of one socket (maxRoomsPerSocket), async joins in flight included', async () => {
    const db = gate<boolean>()
    await using server = await roomServer({
      policy: { 'r:{n}': () => true, 'slow:{n}': () => db.promise },
      maxRoomsPerSocket: 5,
    })
    const mallory = await user(server, { sub: 'mallory' })
    const slow = [0, 1].map((n) => ask(mallory.client, 'room:join', { room: `slow:${n}` }))
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, n) => ask(mallory.client, 'room:join', { room: `r:${n}` })),
    )
    expect(answers.filter((a) => a.ok)).toHaveLength(3)
    expect(answers.slice(3)).toEqual(Array(7).fill({ ...refused, message: 'Too many rooms.' }))
    db.open(true)
    expect(await Promise.all(slow)).toEqual([{ ok: true }, { ok: true }])
    expect(mallory.socket.rooms.size).toBe(6)
  })

  it('survives 10,000 joins from one socket with the default limit of 100', async () => {
    await using server = await roomServer({ policy: { 'r:{n}': () => true } })
    const mallory = await user(server, { sub: 'mallory' })
    let ok = 0
    const answers: Promise<void>[] = []
    for (let n = 0; n < 10_000; n++)
      answers.push(
        ask(mallory.client, 'room:join', { room: `r:${n}` }).then((a) => {
          if (a.ok) ok++
        }),
      )
    await Promise.all(answers)
    expect(ok).toBe(100)
    expect(mallory.socket.rooms.size).toBe(101)
  })
})
