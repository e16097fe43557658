// Connection-state recovery: the Socket constructor joins the previous rooms before any middleware
// runs. Those rooms are held back until the socket authenticated, then checked with its claims;
// a room no longer allowed is not joined, is reported, and the packets missed while away (which
// may have been sent to it) are not replayed.
import type { Socket } from 'socket.io'
import { describe, expect, it } from 'vitest'
import { connected, recordEvents } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { provesAbsent, provesPresent, roomServer, user } from './support.js'

async function recoveringServer(allowed: Set<string>) {
  return roomServer(
    { policy: { 'doc:{id}': (claims: { sub?: unknown }) => allowed.has(String(claims.sub)) } },
    { server: { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } } },
  )
}

async function dropAndRecover(
  server: Awaited<ReturnType<typeof recoveringServer>>,
  whileAway: () => void,
) {
  const connection = nextEvent<Socket>(server.io, 'connection')
  const client = server.connect({
    auth: { token: server.issuer.sign({ sub: 'alice' }) },
    reconnection: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 100,
    randomizationFactor: 0,
  })
  await connected(client)
  const first = await connection
  await first.join('doc:1')
  // A packet gives the client an offset (recovery needs one).
  await provesPresent(server.io, 'doc:1', client)
  const gone = nextEvent(first, 'disconnect')
  first.conn.close()
  await gone
  whileAway()
  const again = nextEvent<Socket>(server.io, 'connection')
  const seen = recordEvents(client)
  await nextEvent(client, 'connect', 3_000)
  return { client, first, socket: await again, seen }
}

/** A recovering server where alice and carol may read `doc:1`, with carol in it. */
async function withCarolInDoc() {
  const allowed = new Set(['alice', 'carol'])
  const server = await recoveringServer(allowed)
  const carol = await user(server, { sub: 'carol' })
  await carol.socket.join('doc:1')
  return { allowed, server, carol }
}

describe('recovery under a room policy', () => {
  it('restores a room the claims still allow, with the packets missed meanwhile', async () => {
    const setup = await withCarolInDoc()
    await using server = setup.server
    const { client, socket, seen } = await dropAndRecover(server, () => {
      server.io.to('doc:1').emit('msg', 'while away')
    })
    expect(client.recovered).toBe(true)
    expect(socket.rooms.has('doc:1')).toBe(true)
    expect(seen.some((e) => e.event === 'msg' && e.args[0] === 'while away')).toBe(true)
    expect(server.failures).toEqual([])
  })

  it('does not restore a room the claims no longer allow, nor replay what was sent to it', async () => {
    const setup = await withCarolInDoc()
    await using server = setup.server
    const { allowed, carol } = setup
    const { client, socket, seen } = await dropAndRecover(server, () => {
      allowed.delete('alice')
      server.io.to('doc:1').emit('msg', 'secret while away')
    })
    expect(client.recovered).toBe(true)
    expect(socket.rooms.has('doc:1')).toBe(false)
    expect(seen.filter((e) => e.event === 'msg')).toEqual([])
    expect(server.failures).toEqual([{ code: 'forbidden', room: 'doc:1', socketId: socket.id }])
    await provesAbsent(server.io, 'doc:1', carol.client, client)
  })

  // Ninth outside attack on rooms (F2): a packet sent while a recheck had denied the away
  // session was replayed once the permission came back before the reconnect.
  it('replays nothing sent while a recheck made during the absence denied the room', async () => {
    const setup = await withCarolInDoc()
    await using server = setup.server
    const { allowed } = setup
    const { client, socket, seen } = await dropAndRecover(server, () => {
      allowed.delete('alice')
      void server.guard.recheck({ sub: 'alice' })
      server.io.to('doc:1').emit('msg', 'sent while denied')
      allowed.add('alice')
      void server.guard.recheck({ sub: 'alice' })
    })
    expect(client.recovered).toBe(true)
    expect(seen.filter((e) => e.event === 'msg')).toEqual([])
    // Allowed again: the room itself is kept, and what is sent from now on arrives.
    expect(socket.rooms.has('doc:1')).toBe(true)
    await provesPresent(server.io, 'doc:1', client)
  })
})
