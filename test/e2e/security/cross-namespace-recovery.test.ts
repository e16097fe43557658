// Last outside attack on rooms (F1, high): with the Redis Streams adapter, sessions are kept by
// `pid` alone, so any namespace's adapter restores any namespace's session. A user refused at
// `/admin` connected to `/lobby`, dropped the transport and recovered her lobby session into
// `/admin`, skipping its rule and getting its missed broadcasts. Here `/admin`'s adapter is made
// to restore from `/lobby`'s sessions, as the Streams adapter does.
import type { Socket } from 'socket.io'
import { describe, expect, it } from 'vitest'
import { requireScope } from '../../../src/index.js'
import { connected, expectRefused, nothingBeforeRoundTrip } from '../../support/guard-e2e.js'
import { nextEvent, startServer } from '../../support/socket-server.js'

type Restore = (pid: string, offset: string) => Promise<unknown>

describe('a recovered session enters only the namespace it was stored from', () => {
  it('a /lobby session recovered into /admin is refused; nothing of /admin reaches it', async () => {
    await using server = await startServer({
      server: {
        connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: true },
      },
      guard: { namespaces: { '/admin': requireScope('admin') } },
      prepare: (io) => {
        const lobby = io.of('/lobby')
        const admin = io.of('/admin')
        // One session store for every namespace, keyed by pid (the Streams adapter's shape).
        ;(admin.adapter as unknown as { restoreSession: Restore }).restoreSession = (pid, offset) =>
          (lobby.adapter as unknown as { restoreSession: Restore }).restoreSession(pid, offset)
      },
    })
    const control = server.connect(
      { auth: { token: server.issuer.sign({ sub: 'root', scope: 'admin' }) } },
      '/admin',
    )
    await connected(control)
    const token = server.issuer.sign({ sub: 'mallory', scope: 'chat' })
    await expectRefused(server.connect({ auth: { token } }, '/admin'), 'forbidden', token)

    const joined = nextEvent<Socket>(server.io.of('/lobby'), 'connection')
    const lobby = server.connect({ auth: { token } }, '/lobby')
    await connected(lobby)
    const socket = await joined
    // A packet gives the client an offset; then the transport drops.
    const greeted = nextEvent(lobby, 'hello')
    server.io.of('/lobby').emit('hello')
    await greeted
    const { _pid: pid, _lastOffset: offset } = lobby as unknown as {
      _pid: string
      _lastOffset: string
    }
    const gone = nextEvent(socket, 'disconnect')
    socket.conn.close()
    await gone
    server.io.of('/admin').emit('news', 'while away')

    const intruder = server.connect({ auth: { token, pid, offset } }, '/admin')
    let received = false
    intruder.on('news', () => (received = true))
    // Refused as a recovery: the client then makes a plain handshake, which the rule refuses.
    await expectRefused(intruder, 'forbidden', token)
    expect(received).toBe(false)
    // The admin control still gets what /admin sends.
    await nothingBeforeRoundTrip(server.io, control, 'unexpected', '/admin')
  })
})
