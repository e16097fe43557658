// Two guarded nodes on Redis (test/cluster/support.ts): `io.in(id).socketsJoin(room)` and
// `fetchSockets()[i].join(room)` sent from node A reach node B's socket through B's adapter, where
// the room policy decides; `guard.recheck` on A re-runs the rules for B's sockets.
import type { Socket } from 'socket.io'
import { describe, expect, it } from 'vitest'
import type { AuthError, RoomsOptions } from '../../../src/index.js'
import {
  ADAPTERS,
  REDIS_URL,
  eventually,
  startCluster,
  type AdapterKind,
} from '../../cluster/support.js'
import { connected } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { provesAbsent } from './support.js'

function clusterWith(
  allowed: Set<string>,
  failures: { code: string; room: string | undefined }[],
  adapter: AdapterKind,
) {
  const rooms: RoomsOptions = {
    policy: { 'doc:{id}': (claims) => allowed.has(String(claims.sub)) },
  }
  return startCluster({
    url: REDIS_URL,
    adapter,
    guard: {
      revocationSweepMs: 0,
      rooms,
      onFailure: (error: AuthError) => failures.push({ code: error.code, room: error.room }),
    },
  })
}

async function connectOn(node: Awaited<ReturnType<typeof clusterWith>>['a'], token: string) {
  const connection = nextEvent<Socket>(node.server.io, 'connection')
  const client = node.server.connect({ auth: { token } })
  await connected(client)
  return { client, socket: await connection }
}

describe.each(ADAPTERS)('rooms across two nodes on Redis, %s adapter', (adapter) => {
  it('socketsJoin and RemoteSocket.join from A are checked on B', async () => {
    const allowed = new Set(['carol'])
    const failures: { code: string; room: string | undefined }[] = []
    await using cluster = await clusterWith(allowed, failures, adapter)
    const { a, b, issuer } = cluster
    const carol = await connectOn(b, issuer.sign({ sub: 'carol' }))
    const mallory = await connectOn(b, issuer.sign({ sub: 'mallory' }))

    a.server.io.in(carol.socket.id).socketsJoin('doc:1')
    await eventually(() => carol.socket.rooms.has('doc:1'), 3_000, 'carol joined')

    a.server.io.in(mallory.socket.id).socketsJoin('doc:1')
    const [remote] = await a.server.io.in(mallory.socket.id).fetchSockets()
    remote!.join('doc:2')
    await eventually(() => failures.length === 2, 3_000, 'both refusals')
    expect(failures).toEqual([
      { code: 'forbidden', room: 'doc:1' },
      { code: 'forbidden', room: 'doc:2' },
    ])
    expect([...mallory.socket.rooms]).toEqual([mallory.socket.id])
    await provesAbsent(b.server.io, 'doc:1', carol.client, mallory.client)
  })

  it('recheck on A removes rooms no longer allowed from B’s sockets', async () => {
    const allowed = new Set(['alice', 'carol'])
    const failures: { code: string; room: string | undefined }[] = []
    await using cluster = await clusterWith(allowed, failures, adapter)
    const { a, b, issuer } = cluster
    const carol = await connectOn(b, issuer.sign({ sub: 'carol' }))
    const alice = await connectOn(b, issuer.sign({ sub: 'alice' }))
    await carol.socket.join('doc:1')
    await alice.socket.join('doc:1')
    allowed.delete('alice')
    const removed = nextEvent(alice.client, 'room:removed', 3_000)
    await a.server.guard.recheck({ sub: 'alice' })
    expect(await removed).toEqual({
      room: 'doc:1',
      code: 'forbidden',
      message: expect.any(String) as unknown,
    })
    expect(alice.socket.rooms.has('doc:1')).toBe(false)
    expect(carol.socket.rooms.has('doc:1')).toBe(true)
    await provesAbsent(b.server.io, 'doc:1', carol.client, alice.client)
  })
})
