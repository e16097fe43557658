// The closing outside attack on rooms (high): with `io.use(guard.middleware)` and
// connection-state recovery, a node whose namespace had not yet seen a plain handshake (after a
// restart, with the Redis Streams adapter, whose sessions outlive the node) restored sessions
// without the guard: an expired token, rooms its claims no longer allow, the broadcasts it
// missed. `io.use` gives the guard no sight of a namespace until its middleware first runs there,
// and Socket.IO restores a session (rooms, `socket.data`, missed packets) in the Socket
// constructor, before any middleware, whatever `skipMiddlewares` says. So the guard refuses
// every handshake it is given that way on a server with recovery: no socket connects, so no
// session is ever stored to be restored unchecked. `guard.attach(io)` hooks every namespace first.
import type { Server } from 'socket.io'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { AuthError } from '../../../src/index.js'
import { connected, expectRefused } from '../../support/guard-e2e.js'
import { startServer } from '../../support/socket-server.js'

const warnings: Error[] = []
const onWarning = (warning: Error): void => {
  warnings.push(warning)
}
beforeEach(() => {
  warnings.length = 0
  process.on('warning', onWarning)
})
afterEach(() => {
  process.off('warning', onWarning)
})

/** Sessions the in-memory adapter of `nsp` keeps for recovery. */
const storedSessions = (io: Server, nsp = '/'): number =>
  (io.of(nsp).adapter as unknown as { sessions: Map<string, unknown> }).sessions.size

describe('io.use(guard.middleware) on a server with connection-state recovery', () => {
  for (const skipMiddlewares of [true, false]) {
    it(`refuses every handshake (skipMiddlewares: ${String(skipMiddlewares)}) and says why`, async () => {
      const failures: AuthError[] = []
      let connections = 0
      await using server = await startServer({
        middlewareOnly: true,
        server: { connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares } },
        guard: { onFailure: (error: AuthError) => failures.push(error) },
        setup: (io) => {
          io.on('connection', () => connections++)
        },
      })
      const token = server.issuer.sign({ sub: 'alice' })
      const refused = await expectRefused(
        server.connect({ auth: { token } }),
        'server_error',
        token,
      )
      // The client learns nothing of the server's configuration.
      expect(refused.message).toBe('The server could not complete the authentication.')
      expect(connections).toBe(0)
      expect(server.io.sockets.sockets.size).toBe(0)
      expect(storedSessions(server.io)).toBe(0)
      // The app learns what to change, in onFailure and in one process warning per server.
      expect(failures.map((error) => error.code)).toEqual(['server_error'])
      expect((failures[0]!.cause as Error).message).toContain('guard.attach(io)')
      await expectRefused(server.connect({ auth: { token } }), 'server_error', token)
      await new Promise((resolve) => setImmediate(resolve))
      const ours = warnings.filter(
        (warning) => (warning as { code?: string }).code === 'SOCKGUARD_RECOVERY_NEEDS_ATTACH',
      )
      expect(ours).toHaveLength(1)
      expect(ours[0]!.message).toContain('guard.attach(io)')
    })
  }

  it('refuses through nsp.use(guard.middleware) too; a namespace without the guard is the app’s', async () => {
    await using server = await startServer({
      guard: false,
      server: { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } },
    })
    const { createGuard } = await import('../../../src/index.js')
    const secret = 'x'.repeat(64)
    const guard = createGuard({ secret, algorithms: ['HS256'] })
    server.io.of('/chat').use(guard.middleware)
    try {
      const chat = server.connect({ auth: { token: 'anything' } }, '/chat')
      await expectRefused(chat, 'server_error')
      // The unguarded main namespace is untouched.
      await connected(server.connect())
    } finally {
      await guard.close()
    }
  })

  it('attach(io) on the same server connects, and so does io.use without recovery', async () => {
    await using attached = await startServer({
      server: { connectionStateRecovery: { maxDisconnectionDuration: 60_000 } },
    })
    await connected(attached.connect({ auth: { token: attached.issuer.sign({ sub: 'alice' }) } }))
    await using plain = await startServer({ middlewareOnly: true })
    await connected(plain.connect({ auth: { token: plain.issuer.sign({ sub: 'alice' }) } }))
    expect(warnings).toHaveLength(0)
  })
})
