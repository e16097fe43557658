// Outside attacks on rooms r8 (F2, F3) and r9 (F1), medium: connection-state recovery replays
// every packet after the offset the client names, for the rooms the session is in when it goes
// away, whenever the socket joined them. A packet sent to a room before the socket was allowed
// in (a refused join, then allowed; a refresh that narrowed and widened again; a guest that
// authenticated) was replayed, even to an unmodified client whose transport dropped after the
// join; and an offset borrowed from another tab of the same user hid a recheck made while the
// session was away. With `skipMiddlewares: false`, the reconnect's token replaced the session's
// claims (another subject too), which an in-band refresh forbids.
import type { Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import type { SocketAuth } from '../../../src/index.js'
import { connected, recordEvents, type SeenEvent } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { provesPresent, roomServer, user } from './support.js'

type Claims = { sub?: unknown; docs?: unknown }
const RECOVERY = { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } }

/** `doc:{id}` for subjects in `allowed` or tokens whose `docs` claim lists the id. */
async function docServer(allowed: Set<string>, server: Record<string, unknown> = RECOVERY) {
  return roomServer(
    {
      policy: {
        'doc:{id}': (claims: Claims | null, _room: string, { id }: { id: string }) =>
          claims !== null &&
          (allowed.has(String(claims.sub)) ||
            (Array.isArray(claims.docs) && claims.docs.includes(id))),
      },
    },
    // Refreshes back to back are the test's, not a client's abuse.
    { server, guardOptions: { refreshIntervalMs: 0 } },
  )
}

type Server = Awaited<ReturnType<typeof docServer>>

const pidOf = (client: ClientSocket): { pid: string; offset: string } => {
  const { _pid: pid, _lastOffset: offset } = client as unknown as {
    _pid: string
    _lastOffset: string
  }
  return { pid, offset }
}

/** Until the real clock (the one offsets are made with) has moved past the current millisecond. */
async function nextMillisecond(): Promise<void> {
  const start = Date.now()
  await expect.poll(() => Date.now() > start, { interval: 1 }).toBe(true)
}

/** Drops the server side of `socket`'s transport, as a network failure would. */
async function drop(socket: Socket): Promise<void> {
  const gone = nextEvent(socket, 'disconnect')
  socket.conn.close()
  await gone
}

/** Reconnects as `pid` from `offset` with `token`; resolves once connected, with what it saw. */
async function recover(
  server: Server,
  token: string,
  session: { pid: string; offset: string },
): Promise<{ client: ClientSocket; socket: Socket; seen: SeenEvent[] }> {
  const again = nextEvent<Socket>(server.io, 'connection')
  const client = server.connect({ auth: { token, ...session } })
  const seen = recordEvents(client)
  await connected(client)
  return { client, socket: await again, seen }
}

const messages = (seen: readonly SeenEvent[]): unknown[] =>
  seen.filter((entry) => entry.event === 'msg').map((entry) => entry.args[0])

describe('recovery replays nothing sent to a room before the socket was allowed in', () => {
  it('a join refused, then allowed: an unmodified client that drops after the join', async () => {
    const allowed = new Set(['carol'])
    await using server = await docServer(allowed)
    const carol = await user(server, { sub: 'carol' })
    await carol.socket.join('doc:1')
    const token = server.issuer.sign({ sub: 'bob' })
    const bob = await user(server, { sub: 'bob' })
    // A packet gives bob's client an offset.
    await provesPresent(server.io, bob.socket.id, bob.client)
    expect(await bob.client.timeout(3_000).emitWithAck('room:join', { room: 'doc:1' })).toEqual(
      expect.objectContaining({ ok: false }),
    )
    const secret = nextEvent(carol.client, 'msg')
    server.io.to('doc:1').emit('msg', 'before bob was allowed')
    await secret
    allowed.add('bob')
    await nextMillisecond()
    expect(await bob.client.timeout(3_000).emitWithAck('room:join', { room: 'doc:1' })).toEqual({
      ok: true,
    })
    const session = pidOf(bob.client)
    await drop(bob.socket)
    await nextMillisecond()
    server.io.to('doc:1').emit('msg', 'after bob joined')
    const back = await recover(server, token, session)
    expect(back.socket.recovered).toBe(true)
    expect(back.socket.rooms.has('doc:1')).toBe(true)
    await provesPresent(server.io, 'doc:1', back.client)
    // What was sent once he was in is replayed; what was sent before, never.
    expect(messages(back.seen)).toContain('after bob joined')
    expect(messages(back.seen)).not.toContain('before bob was allowed')
  })

  it('a refresh that took the room away and gave it back, then an older offset', async () => {
    await using server = await docServer(new Set())
    const carol = await user(server, { sub: 'carol', docs: ['1'] })
    await carol.socket.join('doc:1')
    const alice = await user(server, { sub: 'alice', docs: ['1'] })
    await alice.socket.join('doc:1')
    await provesPresent(server.io, 'doc:1', alice.client)
    const early = pidOf(alice.client)
    const removed = nextEvent(alice.client, 'room:removed')
    const narrowed = (await alice.client.timeout(3_000).emitWithAck('authenticate', {
      token: server.issuer.sign({ sub: 'alice', docs: [] }),
    })) as { ok: boolean }
    expect(narrowed.ok).toBe(true)
    await removed
    const secret = nextEvent(carol.client, 'msg')
    server.io.to('doc:1').emit('msg', 'while alice was out')
    await secret
    await nextMillisecond()
    const widened = (await alice.client.timeout(3_000).emitWithAck('authenticate', {
      token: server.issuer.sign({ sub: 'alice', docs: ['1'] }),
    })) as { ok: boolean }
    expect(widened.ok).toBe(true)
    expect(await alice.client.timeout(3_000).emitWithAck('room:join', { room: 'doc:1' })).toEqual({
      ok: true,
    })
    await drop(alice.socket)
    // The client names the offset it had before the room was taken away.
    const back = await recover(server, server.issuer.sign({ sub: 'alice', docs: ['1'] }), early)
    expect(back.socket.recovered).toBe(true)
    await provesPresent(server.io, 'doc:1', back.client)
    expect(messages(back.seen)).not.toContain('while alice was out')
  })

  it('an offset of another tab does not hide a recheck made while the session was away', async () => {
    const allowed = new Set(['alice', 'carol'])
    await using server = await docServer(allowed)
    const carol = await user(server, { sub: 'carol' })
    await carol.socket.join('doc:1')
    const token = server.issuer.sign({ sub: 'alice' })
    const tab1 = await user(server, { sub: 'alice' })
    const tab2 = await user(server, { sub: 'alice' })
    await tab1.socket.join('doc:1')
    await provesPresent(server.io, 'doc:1', tab1.client)
    const session = pidOf(tab1.client)
    await drop(tab1.socket)
    await nextMillisecond()
    allowed.delete('alice')
    await server.guard.recheck({ sub: 'alice' })
    await nextMillisecond()
    // Tab 2 gets a packet after the recheck: its offset is later than it.
    await provesPresent(server.io, tab2.socket.id, tab2.client)
    const secret = nextEvent(carol.client, 'msg')
    server.io.to('doc:1').emit('msg', 'while alice was denied')
    await secret
    allowed.add('alice')
    const back = await recover(server, token, {
      pid: session.pid,
      offset: pidOf(tab2.client).offset,
    })
    expect(back.socket.recovered).toBe(true)
    await provesPresent(server.io, 'doc:1', back.client)
    expect(messages(back.seen)).not.toContain('while alice was denied')
  })
})

// Outside attack r12 (F1, low): a packet sent with `except('muted')` while the socket was in
// `muted` was replayed after the app took it out of `muted` and the transport dropped: the
// adapter picks missed packets by the rooms the session is in when it goes away.
it('replays nothing sent before the socket last left a room either (except)', async () => {
  await using server = await docServer(new Set(['alice']))
  const alice = await user(server, { sub: 'alice' })
  await alice.socket.join('muted')
  await nextMillisecond()
  await provesPresent(server.io, alice.socket.id, alice.client)
  const session = pidOf(alice.client)
  server.io.except('muted').emit('msg', 'not for the muted')
  await nextMillisecond()
  await alice.socket.leave('muted')
  await drop(alice.socket)
  await nextMillisecond()
  server.io.emit('msg', 'after the unmute')
  const back = await recover(server, server.issuer.sign({ sub: 'alice' }), session)
  expect(back.socket.recovered).toBe(true)
  await provesPresent(server.io, back.socket.id, back.client)
  expect(messages(back.seen)).toContain('after the unmute')
  expect(messages(back.seen)).not.toContain('not for the muted')
})

describe('with skipMiddlewares: false, a recovered session keeps the token it had', () => {
  const authOf = (socket: Socket): SocketAuth | null | undefined =>
    (socket.data as { auth?: SocketAuth | null }).auth

  for (const sent of ['another subject’s token', 'garbage'] as const)
    it(`whatever the reconnect sends (${sent})`, async () => {
      await using server = await docServer(new Set(['alice']), {
        connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: false },
      })
      const alice = await user(server, { sub: 'alice', docs: ['1'] })
      await alice.socket.join('doc:1')
      await provesPresent(server.io, 'doc:1', alice.client)
      const session = pidOf(alice.client)
      await drop(alice.socket)
      const token =
        sent === 'garbage' ? 'not.a.token' : server.issuer.sign({ sub: 'bob', docs: [] })
      const back = await recover(server, token, session)
      expect(back.socket.recovered).toBe(true)
      const auth = authOf(back.socket)
      expect(auth?.claims.sub).toBe('alice')
      expect(back.socket.rooms.has('doc:1')).toBe(true)
      expect(JSON.stringify(back.socket.handshake)).not.toContain(token)
    })
})
