// The reference chat's rooms end to end: `lobby` for everyone, `team:<name>` by the development
// issuer's grants, `user:<sub>` for direct messages, `admin` by scope; publishing only into a
// room the sender is in; and `POST /auth/grants`, which narrows a user's grants and takes the
// room away from their live socket. Absences are proven with a round trip: a later message that
// the socket does receive, after which nothing sent before it can still arrive.
import type { Socket as ClientSocket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { connected } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { chatServer, eventWhere, type ChatHarness } from './support.js'

interface Message {
  room: string
  from: string
  to?: string
  text: string
}

let harness: ChatHarness | undefined
afterEach(async () => {
  await harness?.[Symbol.asyncDispose]()
  harness = undefined
})

async function start(): Promise<ChatHarness> {
  harness = await chatServer()
  return harness
}

/** `POST /auth/grants` with an admin's (or anyone's) token. */
function setGrants(chat: ChatHarness, token: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${chat.url}/auth/grants`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  })
}

/** A connected client of `username`, with every message it receives recorded. */
async function user(chat: ChatHarness, username: string, scope = 'chat') {
  const token = await chat.token(username, scope)
  const client = chat.connect(token)
  const seen: Message[] = []
  client.on('message', (message: Message) => seen.push(message))
  await connected(client)
  return { client, token, seen }
}

const join = (client: ClientSocket, room: string): Promise<unknown> =>
  client.timeout(5_000).emitWithAck('room:join', { room })

const post = (client: ClientSocket, room: string, text: string): Promise<unknown> =>
  client.timeout(5_000).emitWithAck('post', { room, text })

/** Waits until `client` received the message `text` (sent after whatever must not arrive). */
const received = (client: ClientSocket, text: string): Promise<Message> =>
  eventWhere<Message>(client, 'message', (m) => m.text === text)

const DENIED = { ok: false, code: 'forbidden', message: 'You are not allowed in that room.' }

describe('reference chat: rooms', () => {
  it('allows and denies joins per kind of room', async () => {
    const chat = await start()
    const root = await user(chat, 'root', 'chat admin')
    expect(
      await (await setGrants(chat, root.token, { sub: 'alice', rooms: ['team:red'] })).json(),
    ).toEqual({ sub: 'alice', rooms: ['team:red'] })
    const alice = await user(chat, 'alice')

    // Public: everyone is put in the lobby, and may leave and come back.
    expect(await join(alice.client, 'lobby')).toEqual({ ok: true })
    expect(await alice.client.timeout(5_000).emitWithAck('room:leave', { room: 'lobby' })).toEqual({
      ok: true,
    })
    expect(await join(alice.client, 'lobby')).toEqual({ ok: true })
    // Team rooms: the granted one only.
    expect(await join(alice.client, 'team:red')).toEqual({ ok: true })
    expect(await join(alice.client, 'team:blue')).toEqual(DENIED)
    // Her own user room, not another's.
    expect(await join(alice.client, 'user:alice')).toEqual({ ok: true })
    expect(await join(alice.client, 'user:root')).toEqual(DENIED)
    // The admin room by scope.
    expect(await join(alice.client, 'admin')).toEqual(DENIED)
    expect(await join(root.client, 'admin')).toEqual({ ok: true })
    // Unlisted names and lookalikes get nowhere.
    for (const room of ['random', 'team:red:x', 'ｔeam:red', 'team:*', root.client.id!]) {
      expect(await join(alice.client, room), room).toEqual(DENIED)
    }
    const rooms = chat.server.io.of('/').adapter.rooms
    expect(rooms.get('team:red')).toEqual(new Set([alice.client.id]))
    expect(rooms.get('admin')).toEqual(new Set([root.client.id]))
    expect(rooms.has('team:blue')).toBe(false)
    expect(rooms.get('user:root')).toEqual(new Set([root.client.id]))
  })

  it('a denied user never receives the room’s messages, nor can post there', async () => {
    const chat = await start()
    const root = await user(chat, 'root', 'chat admin')
    for (const sub of ['alice', 'carol'])
      expect((await setGrants(chat, root.token, { sub, rooms: ['team:*'] })).status).toBe(200)
    const alice = await user(chat, 'alice')
    const carol = await user(chat, 'carol')
    const bob = await user(chat, 'bob')
    expect(await join(alice.client, 'team:red')).toEqual({ ok: true })
    expect(await join(carol.client, 'team:red')).toEqual({ ok: true })
    expect(await join(bob.client, 'team:red')).toEqual(DENIED)
    // Publishing needs membership: a guessed room name is refused before the handler.
    expect(await post(bob.client, 'team:red', 'let me in')).toMatchObject({
      ok: false,
      code: 'forbidden',
    })

    const secret = received(carol.client, 'secret')
    expect(await post(alice.client, 'team:red', 'secret')).toEqual({ ok: true })
    // The control member gets the room's message, then the later lobby one; bob only the later.
    expect(await secret).toMatchObject({ room: 'team:red', from: 'alice' })
    const laterForCarol = received(carol.client, 'later')
    const laterForBob = received(bob.client, 'later')
    expect(await alice.client.timeout(5_000).emitWithAck('message', 'later')).toEqual({ ok: true })
    await Promise.all([laterForCarol, laterForBob])
    expect(carol.seen.map((m) => m.text)).toEqual(['secret', 'later'])
    expect(bob.seen.map(({ room, from, text }) => ({ room, from, text }))).toEqual([
      { room: 'lobby', from: 'alice', text: 'later' },
    ])
  })

  it('direct messages reach only their target (and a copy to the sender)', async () => {
    const chat = await start()
    const alice = await user(chat, 'alice')
    const bob = await user(chat, 'bob')
    const carol = await user(chat, 'carol')
    const reader = await user(chat, 'reader', '')
    expect(await join(carol.client, 'user:bob')).toEqual(DENIED)

    const toBob = received(bob.client, 'psst')
    const copy = received(alice.client, 'psst')
    expect(
      await alice.client.timeout(5_000).emitWithAck('dm', { to: 'bob', text: 'psst' }),
    ).toEqual({ ok: true })
    const expected = { room: 'user:bob', from: 'alice', to: 'bob', text: 'psst' }
    expect(await toBob).toMatchObject(expected)
    expect(await copy).toMatchObject(expected)
    // Without the chat scope, or to a name that is not a user's: refused.
    expect(
      await reader.client.timeout(5_000).emitWithAck('dm', { to: 'bob', text: 'hi' }),
    ).toMatchObject({ ok: false, code: 'forbidden' })
    for (const to of ['', 'team:red', 'x'.repeat(33), 42]) {
      expect(
        await alice.client.timeout(5_000).emitWithAck('dm', { to, text: 'hi' }),
        JSON.stringify(to),
      ).toMatchObject({ ok: false, code: 'invalid_request' })
    }
    // Posting into someone's user room needs membership, which only they have.
    expect(await post(carol.client, 'user:bob', 'hi')).toMatchObject({ code: 'forbidden' })

    const later = received(carol.client, 'later')
    await alice.client.timeout(5_000).emitWithAck('message', 'later')
    await later
    expect(carol.seen.map((m) => m.text)).toEqual(['later'])
    expect(reader.seen.map((m) => m.text)).toEqual([])
  })

  it('POST /auth/grants narrows: the socket refreshes, gets room:removed, stops receiving', async () => {
    const chat = await start()
    const root = await user(chat, 'root', 'chat admin')
    await setGrants(chat, root.token, { sub: 'bob', rooms: ['team:red', 'team:blue'] })
    await setGrants(chat, root.token, { sub: 'alice', rooms: ['team:red'] })
    const alice = await user(chat, 'alice')
    const bob = await user(chat, 'bob')
    expect(await join(alice.client, 'team:red')).toEqual({ ok: true })
    expect(await join(bob.client, 'team:red')).toEqual({ ok: true })
    expect(await join(bob.client, 'team:blue')).toEqual({ ok: true })

    // Bob's client refreshes when asked, as sockguard/client does.
    const expiring = nextEvent<{ expiresAt: number }>(bob.client, 'auth:expiring')
    const removed = nextEvent<{ room: string; code: string; message: string }>(
      bob.client,
      'room:removed',
    )
    const asked = Date.now()
    const narrowed = await setGrants(chat, root.token, { sub: 'bob', rooms: ['team:blue'] })
    expect(narrowed.status).toBe(200)
    expect(await narrowed.json()).toEqual({ sub: 'bob', rooms: ['team:blue'] })
    const { expiresAt } = await expiring
    expect(expiresAt).toBeLessThanOrEqual(asked + 10_000 + 1_000)
    const fresh = await chat.token('bob')
    expect(JSON.parse(Buffer.from(fresh.split('.')[1]!, 'base64url').toString())).toMatchObject({
      rooms: ['team:blue'],
    })
    expect(
      await bob.client.timeout(5_000).emitWithAck('authenticate', { token: fresh }),
    ).toMatchObject({ ok: true })
    expect(await removed).toEqual({
      room: 'team:red',
      code: 'forbidden',
      message: 'Your access to this room was withdrawn.',
    })
    expect(bob.client.connected).toBe(true)

    expect(await post(alice.client, 'team:red', 'after')).toEqual({ ok: true })
    const later = received(bob.client, 'later')
    await alice.client.timeout(5_000).emitWithAck('message', 'later')
    await later
    expect(bob.seen.map((m) => m.text)).toEqual(['later'])
    // Still in the room it keeps; no longer allowed back into the other.
    expect(await post(bob.client, 'team:blue', 'still here')).toEqual({ ok: true })
    expect(await join(bob.client, 'team:red')).toEqual(DENIED)
  })

  // Outside attack on rooms (F2): a client that never refreshed kept receiving the room until
  // its deadline, then came back with its old token (still valid) and joined the room again.
  it('POST /auth/grants narrows at once, refresh or not; the old token cannot bring the room back', async () => {
    const chat = await start()
    const root = await user(chat, 'root', 'chat admin')
    await setGrants(chat, root.token, { sub: 'eve', rooms: ['team:red'] })
    await setGrants(chat, root.token, { sub: 'alice', rooms: ['team:red'] })
    const alice = await user(chat, 'alice')
    const eve = await user(chat, 'eve')
    expect(await join(alice.client, 'team:red')).toEqual({ ok: true })
    expect(await join(eve.client, 'team:red')).toEqual({ ok: true })

    // Eve's client ignores auth:expiring: the room goes anyway, with the recheck.
    const removed = nextEvent<{ room: string }>(eve.client, 'room:removed')
    expect((await setGrants(chat, root.token, { sub: 'eve', rooms: [] })).status).toBe(200)
    expect((await removed).room).toBe('team:red')
    expect(await post(alice.client, 'team:red', 'secret')).toEqual({ ok: true })
    const later = received(eve.client, 'later')
    await alice.client.timeout(5_000).emitWithAck('message', 'later')
    await later
    expect(eve.seen.map((m) => m.text)).toEqual(['later'])
    expect(await join(eve.client, 'team:red')).toEqual(DENIED)

    // A new connection with the old token (it still names team:red) is not let back in.
    const again = chat.connect(eve.token)
    await connected(again)
    expect(await join(again, 'team:red')).toEqual(DENIED)
  })

  it('POST /auth/grants is for admins, and takes team rooms only', async () => {
    const chat = await start()
    const admin = await chat.token('root', 'chat admin')
    const plain = await chat.token('alice', 'chat')
    expect((await setGrants(chat, undefined, { sub: 'alice', rooms: [] })).status).toBe(401)
    const notAdmin = await setGrants(chat, plain, { sub: 'alice', rooms: ['team:red'] })
    expect(notAdmin.status).toBe(403)
    expect(await notAdmin.json()).toMatchObject({ error: 'insufficient_scope' })
    const bad: unknown[] = [
      { sub: 'alice' },
      { sub: 'alice', rooms: 'team:red' },
      { sub: 'alice', rooms: ['admin'] },
      { sub: 'alice', rooms: ['user:bob'] },
      { sub: 'alice', rooms: ['team:'] },
      { sub: 'alice', rooms: ['team:a:b'] },
      { sub: 'alice', rooms: ['*'] },
      { sub: 'alice', rooms: [42] },
      { sub: 'alice', rooms: Array.from({ length: 17 }, (_, i) => `team:t${i}`) },
      { sub: 'a:b', rooms: [] },
      { sub: 'alice', rooms: [], extra: 1 },
      ['alice'],
    ]
    for (const body of bad) {
      const res = await setGrants(chat, admin, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(await res.json()).toMatchObject({ error: 'invalid_request' })
    }
    // Nothing was granted by the refused requests.
    const [, payload] = (await chat.token('alice')).split('.')
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString())).toMatchObject({ rooms: [] })
  })
})
