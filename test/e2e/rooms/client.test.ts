// sockguard/client: joinRoom / leaveRoom resolve with the server's ack, and onRoomRemoved hears a
// room taken away by a re-check.
import { afterEach, describe, expect, it } from 'vitest'
import { joinRoom, leaveRoom, type RoomRemoved } from '../../../src/client/index.js'
import { requireScope } from '../../../src/index.js'
import { connected } from '../../support/guard-e2e.js'
import { closeClients, connectClient } from '../client/support.js'
import { roomServer } from './support.js'

afterEach(closeClients)

describe('sockguard/client rooms', () => {
  it('joinRoom / leaveRoom return the ack; onRoomRemoved reports a removal', async () => {
    const allowed = new Set(['alice'])
    await using server = await roomServer({
      policy: {
        admin: requireScope('admin'),
        'doc:{id}': (claims: { sub?: unknown }) => allowed.has(String(claims.sub)),
      },
    })
    const removals: RoomRemoved[] = []
    const socket = connectClient(server.url, {
      getToken: () => server.issuer.sign({ sub: 'alice' }),
      onRoomRemoved: (removed) => removals.push(removed),
    })
    await connected(socket)
    expect(await joinRoom(socket, 'doc:1')).toEqual({ ok: true })
    expect(await joinRoom(socket, 'admin')).toEqual({
      ok: false,
      code: 'forbidden',
      message: expect.any(String) as unknown,
    })
    expect(await leaveRoom(socket, 'doc:1')).toEqual({ ok: true })
    expect(await joinRoom(socket, 'doc:1')).toEqual({ ok: true })
    allowed.clear()
    const removed = new Promise((resolve) => socket.once('room:removed', resolve))
    await server.guard.recheck({ sub: 'alice' })
    await removed
    expect(removals).toEqual([
      { room: 'doc:1', code: 'forbidden', message: expect.any(String) as unknown },
    ])
  })

  it('refuses a bad onRoomRemoved', () => {
    expect(() =>
      connectClient('http://127.0.0.1:1', { getToken: () => 't', onRoomRemoved: 1 as never }),
    ).toThrow(expect.objectContaining({ option: 'onRoomRemoved' }) as Error)
  })
})
