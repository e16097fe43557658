// requireMember(pick): an event rule of authorizeEvents that allows an event only when the socket
// is currently in the room `pick(...args)` names, so a handler's `socket.to(room).emit()` cannot
// reach a room the sender is not in.
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { authorizeEvents, requireMember, type RoomAck } from '../../../src/index.js'
import { gate, provesAbsent, roomServer, user } from './support.js'

interface ClientEvents {
  'chat:send': (message: { room: string; text: string }, ack: (answer: unknown) => void) => void
}

const ask = (client: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> =>
  client.timeout(3_000).emitWithAck(event, ...args) as Promise<unknown>

async function chatServer(db = gate<boolean>()) {
  return roomServer(
    {
      policy: {
        'team:{name}': (claims: { sub?: unknown }) => claims.sub !== 'mallory',
        'slow:{n}': () => db.promise,
      },
    },
    {
      setup: (io) => {
        io.on(
          'connection',
          authorizeEvents<ClientEvents>({ 'chat:send': requireMember((message) => message.room) }),
        )
        io.on('connection', (socket) => {
          socket.on(
            'chat:send',
            (message: { room: string; text: string }, ack: (a: unknown) => void) => {
              socket.to(message.room).emit('msg', message.text)
              ack({ ok: true })
            },
          )
        })
      },
    },
  )
}

describe('requireMember', () => {
  it('lets a member publish to its room', async () => {
    await using server = await chatServer()
    const alice = await user(server, { sub: 'alice' })
    const bob = await user(server, { sub: 'bob' })
    for (const who of [alice, bob])
      expect(await ask(who.client, 'room:join', { room: 'team:red' })).toEqual({ ok: true })
    const got = new Promise((resolve) => bob.client.once('msg', resolve))
    expect(await ask(alice.client, 'chat:send', { room: 'team:red', text: 'hi' })).toEqual({
      ok: true,
    })
    expect(await got).toBe('hi')
  })

  it('refuses a sender not in the room (denied, never joined, left, or join pending)', async () => {
    const db = gate<boolean>()
    await using server = await chatServer(db)
    const bob = await user(server, { sub: 'bob' })
    const mallory = await user(server, { sub: 'mallory' })
    const eve = await user(server, { sub: 'eve' })
    await ask(bob.client, 'room:join', { room: 'team:red' })
    const denied = (await ask(mallory.client, 'room:join', { room: 'team:red' })) as RoomAck
    expect(denied.ok).toBe(false)
    const refused = { ok: false, code: 'forbidden', message: expect.any(String) as unknown }
    for (const payload of [
      { room: 'team:red', text: 'x' },
      { room: 'team:blue', text: 'x' },
      { room: mallory.socket.id.slice(1), text: 'x' },
      { text: 'no room' },
      null,
    ])
      expect(await ask(mallory.client, 'chat:send', payload)).toEqual(refused)
    await ask(eve.client, 'room:join', { room: 'team:red' })
    await ask(eve.client, 'room:leave', { room: 'team:red' })
    expect(await ask(eve.client, 'chat:send', { room: 'team:red', text: 'x' })).toEqual(refused)
    const pending = ask(eve.client, 'room:join', { room: 'slow:1' })
    expect(await ask(eve.client, 'chat:send', { room: 'slow:1', text: 'x' })).toEqual(refused)
    db.open(true)
    await pending
    await provesAbsent(server.io, 'team:red', bob.client, mallory.client)
  })
})

it('is a plain event rule of the policy types', () => {
  expect(typeof requireMember(() => 'x')).toBe('function')
  expect(() => requireMember('room' as never)).toThrow(
    expect.objectContaining({ code: 'invalid_option', option: 'pick' }) as Error,
  )
})
