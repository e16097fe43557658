// guard.attach(io) protects every namespace, whenever it was made (before attach, after it, after
// listening, and the children of a dynamic namespace), and runs before the app's own middlewares;
// several namespaces multiplexed on one connection each find their token; io.use(middleware)
// alone still runs the live session.
import type { Socket } from 'socket.io'
import { Manager } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import type { SocketAuth } from '../../../src/index.js'
import {
  EPOCH_S,
  TRANSPORTS,
  connected,
  disconnected,
  expectRefused,
  nothingBeforeRoundTrip,
  recordEvents,
  testClock,
  type Transport,
} from '../../support/guard-e2e.js'
import { nextEvent, nowSeconds, startServer } from '../../support/socket-server.js'

const authOf = (socket: Socket): SocketAuth | undefined =>
  (socket.data as { auth?: SocketAuth }).auth

describe('guard.attach(io)', () => {
  it('protects /, a namespace that existed before attach, and runs before its own middleware', async () => {
    const seenByApp: (string | undefined)[] = []
    await using server = await startServer({
      prepare: (io) => {
        // Registered before the guard: it must still see an authenticated socket.
        io.of('/admin').use((socket, next) => {
          seenByApp.push(authOf(socket)?.claims.sub)
          next()
        })
      },
    })
    await expectRefused(server.connect({}, '/admin'), 'token_missing')
    await expectRefused(server.connect({}), 'token_missing')
    expect(seenByApp).toEqual([])

    const token = server.issuer.sign()
    await connected(server.connect({ auth: { token } }, '/admin'))
    await connected(server.connect({ auth: { token } }))
    expect(seenByApp).toEqual(['alice'])
  })

  it('protects namespaces created after attach, before and after listening', async () => {
    await using server = await startServer({ setup: (io) => io.of('/early') })
    server.io.of('/late')
    const token = server.issuer.sign()
    for (const name of ['/early', '/late']) {
      await expectRefused(server.connect({}, name), 'token_missing')
      const connection = nextEvent<Socket>(server.io.of(name), 'connection')
      await connected(server.connect({ auth: { token } }, name))
      const socket = await connection
      expect(authOf(socket)?.claims.sub).toBe('alice')
      expect(socket.rooms.has('sockguard:sub:alice')).toBe(false)
    }
  })

  it('protects the children of a dynamic namespace (io.of(regex))', async () => {
    const order: string[] = []
    await using server = await startServer({
      setup: (io) => {
        const tenants = io.of(/^\/tenant-\d+$/)
        tenants.use((socket, next) => {
          order.push(`app middleware sees ${authOf(socket)?.claims.sub ?? 'nobody'}`)
          next()
        })
        tenants.on('connection', (socket) => {
          order.push(`connection ${socket.nsp.name} ${authOf(socket)?.claims.sub ?? 'nobody'}`)
        })
      },
    })
    await expectRefused(server.connect({}, '/tenant-42'), 'token_missing')
    await expectRefused(
      server.connect({ auth: { token: 'x.y.z' } }, '/tenant-7'),
      'token_malformed',
    )
    await connected(server.connect({ auth: { token: server.issuer.sign() } }, '/tenant-42'))
    await connected(
      server.connect({ auth: { token: server.issuer.sign({ sub: 'bob' }) } }, '/tenant-9'),
    )
    expect(order).toEqual([
      'app middleware sees alice',
      'connection /tenant-42 alice',
      'app middleware sees bob',
      'connection /tenant-9 bob',
    ])
    const child = server.io._nsps.get('/tenant-9')!
    const [socket] = child.sockets.values()
    expect(socket!.rooms.has('sockguard:sub:bob')).toBe(false)
  })

  describe.each(TRANSPORTS)(
    'namespaces multiplexed on one %s connection',
    (transport: Transport) => {
      const cases = [
        [
          'the Authorization header',
          {},
          (token: string) => ({ extraHeaders: { authorization: `Bearer ${token}` } }),
        ],
        ['the query', { tokenFrom: ['query'] as const }, (token: string) => ({ query: { token } })],
      ] as const

      it.each(cases)('each namespace finds the token in %s', async (_name, guard, send) => {
        await using server = await startServer({ guard, setup: (io) => io.of('/admin') })
        const token = server.issuer.sign()
        const manager = new Manager(server.url, {
          transports: [transport],
          reconnection: false,
          ...send(token),
        })
        const root = manager.socket('/')
        const admin = manager.socket('/admin')
        try {
          await connected(root)
          await connected(admin)
          // The second namespace came over the same engine connection.
          const connections = [
            ...server.io.sockets.sockets.values(),
            ...server.io.of('/admin').sockets.values(),
          ].map((socket) => socket.conn)
          expect(connections).toHaveLength(2)
          expect(connections[0]).toBe(connections[1])
          const handshakes = JSON.stringify(
            (await Promise.all([server.io.fetchSockets(), server.io.of('/admin').fetchSockets()]))
              .flat()
              .map((socket) => socket.handshake),
          )
          expect(handshakes).not.toContain(token.split('.')[2])
        } finally {
          root.disconnect()
          admin.disconnect()
        }
      })
    },
  )
})

describe('a refusal on one of several multiplexed namespaces', () => {
  it.each(TRANSPORTS)(
    'over %s, ends only that namespace: a sibling with a valid token stays',
    async (transport) => {
      const clock = testClock()
      await using server = await startServer({
        guard: { now: clock.now, expiringWarningMs: 100 },
        setup: (io) => io.of('/admin'),
      })
      clock.set(EPOCH_S * 1000 - 300)
      const manager = new Manager(server.url, { transports: [transport], reconnection: false })
      const root = manager.socket('/', {
        auth: { token: server.issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S + 600 }) },
      })
      const admin = manager.socket('/admin', {
        auth: { token: server.issuer.sign({ iat: EPOCH_S - 10, exp: EPOCH_S }) },
      })
      try {
        await connected(root)
        await connected(admin)
        expect(await nextEvent(admin, 'unauthorized', 2_000)).toMatchObject({
          code: 'token_expired',
        })
        await disconnected(admin)
        await nothingBeforeRoundTrip(server.io, root, 'disconnect')
        expect(root.connected).toBe(true)
        // The connection is closed with its last namespace.
        const rootSocket = [...server.io.sockets.sockets.values()][0]!
        const closed = nextEvent(rootSocket.conn, 'close')
        await server.guard.revoke({ sub: 'alice' })
        await disconnected(root)
        await closed
      } finally {
        root.disconnect()
        admin.disconnect()
      }
    },
  )
})

describe('io.use(guard.middleware) alone', () => {
  it('protects / and still runs the live session (expiry)', async () => {
    await using server = await startServer({ middlewareOnly: true })
    await expectRefused(server.connect({}), 'token_missing')
    const client = server.connect({
      auth: { token: server.issuer.sign({ exp: nowSeconds() + 2 }) },
    })
    const seen = recordEvents(client)
    await connected(client)
    const unauthorized = await nextEvent(client, 'unauthorized', 3_500)
    expect(unauthorized).toMatchObject({ code: 'token_expired' })
    await disconnected(client, 1_000)
    expect(client.connected).toBe(false)
    expect(seen.map((entry) => entry.event)).toEqual([
      'auth:expiring',
      'unauthorized',
      'disconnect',
    ])
  })
})
