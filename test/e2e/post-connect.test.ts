// The guard's post-connect mode (the socketio-jwt protocol): `authenticate` { token } within the
// timeout; until then no broadcast reaches the socket and its events are dropped.
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import {
  createIssuer,
  nextEvent,
  nowSeconds,
  startServer,
  type TestServer,
} from '../support/socket-server.js'

type Ack = { ok: true; expiresAt: number | null } | { ok: false; code: string; message: string }

async function connected(client: ClientSocket): Promise<ClientSocket> {
  if (!client.connected) await nextEvent(client, 'connect')
  return client
}

/** Resolves once a server-to-client round trip on `client`'s connection has completed. */
async function roundTrip(server: TestServer, client: ClientSocket): Promise<void> {
  const socket = server.io.of('/').sockets.get(client.id ?? '')
  if (socket === undefined) throw new Error('no server socket for this client')
  await socket.timeout(2_000).emitWithAck('probe')
}

function answerProbes(client: ClientSocket): void {
  client.on('probe', (ack: () => void) => {
    ack()
  })
}

const transports = [['websocket'], ['polling']] as const

describe.each(transports)('post-connect mode over %s', (transport) => {
  const start = (extra: Parameters<typeof startServer>[0] = {}): Promise<TestServer> =>
    startServer({
      ...extra,
      guard: { mode: 'post-connect', timeoutMs: 2_000, ...extra.guard },
    })
  const connect = (server: TestServer): ClientSocket => server.connect({ transports: [transport] })

  it('acks { ok: true, expiresAt }, emits authenticated and sets socket.data.auth', async () => {
    await using server = await start()
    const client = await connected(connect(server))
    const token = server.issuer.sign({ sub: 'alice', exp: nowSeconds() + 120 })
    const authenticated = nextEvent<{ expiresAt: number }>(client, 'authenticated')
    const ack = (await client.emitWithAck('authenticate', { token })) as Ack
    expect(ack).toEqual({ ok: true, expiresAt: (nowSeconds() + 120) * 1000 })
    expect(await authenticated).toEqual({ expiresAt: ack.ok ? ack.expiresAt : -1 })
    const socket = server.io.of('/').sockets.get(client.id ?? '')
    expect((socket?.data as { auth: { claims: { sub: string } } }).auth.claims.sub).toBe('alice')
  })

  it('keeps an unauthenticated socket out of every broadcast, even rooms it joined', async () => {
    await using server = await start({
      setup(io) {
        io.on('connection', (socket) => {
          // The app's own handler runs for every socket, authenticated or not.
          void socket.join('lobby')
          socket.on('message', (message: string) => {
            io.emit('message', message)
            io.to('lobby').emit('lobby', message)
          })
        })
      },
    })
    const alice = await connected(connect(server))
    const stranger = await connected(connect(server))
    answerProbes(stranger)
    const heard: unknown[] = []
    stranger.onAny((event: string, ...args: unknown[]) => {
      if (event !== 'probe') heard.push([event, ...args])
    })
    expect(await alice.emitWithAck('authenticate', { token: server.issuer.sign() })).toMatchObject({
      ok: true,
    })
    const message = nextEvent(alice, 'message')
    const lobby = nextEvent(alice, 'lobby')
    stranger.emit('message', 'from the stranger')
    alice.emit('message', 'hello')
    expect(await message).toBe('hello')
    expect(await lobby).toBe('hello')
    await roundTrip(server, stranger)
    expect(heard).toEqual([])
    expect(stranger.connected).toBe(true)

    // Once authenticated, the room it joined earlier is its own again.
    expect(
      await stranger.emitWithAck('authenticate', { token: server.issuer.sign() }),
    ).toMatchObject({ ok: true })
    const again = nextEvent(stranger, 'lobby')
    alice.emit('message', 'welcome')
    expect(await again).toBe('welcome')
  })
})

describe('post-connect mode', () => {
  it('sends unauthorized { code: auth_timeout } and disconnects when no token comes in time', async () => {
    await using server = await startServer({ guard: { mode: 'post-connect', timeoutMs: 300 } })
    const client = await connected(server.connect())
    const started = Date.now()
    const unauthorized = nextEvent<{ code: string; message: string }>(client, 'unauthorized')
    const disconnect = nextEvent<string>(client, 'disconnect')
    expect(await unauthorized).toEqual({
      code: 'auth_timeout',
      message: expect.any(String) as unknown,
    })
    expect(await disconnect).toBe('io server disconnect')
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
  })

  it('drops events sent before authentication: their handler never runs', async () => {
    const seen: string[] = []
    await using server = await startServer({
      guard: { mode: 'post-connect', timeoutMs: 5_000 },
      setup(io) {
        io.on('connection', (socket) => {
          socket.on('note', (text: string, ack?: (reply: string) => void) => {
            seen.push(text)
            ack?.(`noted ${text}`)
          })
        })
      },
    })
    const client = await connected(server.connect())
    client.emit('note', 'early')
    await expect(client.timeout(300).emitWithAck('note', 'early with ack')).rejects.toThrow()
    expect(await client.emitWithAck('authenticate', { token: server.issuer.sign() })).toMatchObject(
      {
        ok: true,
      },
    )
    // Events are handled in order: the one after authentication runs, the ones before did not.
    expect(await client.emitWithAck('note', 'late')).toBe('noted late')
    expect(seen).toEqual(['late'])
  })

  it('drops them before socket.onAny listeners too, which Socket.IO calls before socket.use', async () => {
    const seen: unknown[][] = []
    await using server = await startServer({
      guard: { mode: 'post-connect', timeoutMs: 5_000 },
      setup(io) {
        io.on('connection', (socket) => {
          socket.onAny((event: string, ...args: unknown[]) => {
            if (event !== 'authenticate') seen.push([event, ...args])
          })
          socket.on('note', (_text: string, ack: () => void) => {
            ack()
          })
        })
      },
    })
    const client = await connected(server.connect())
    client.emit('note', 'early')
    expect(await client.emitWithAck('authenticate', { token: server.issuer.sign() })).toMatchObject(
      {
        ok: true,
      },
    )
    await client.emitWithAck('note', 'late')
    expect(seen).toEqual([['note', 'late', expect.any(Function)]])
  })

  it.each([
    ['a forged signature', () => createIssuer().sign(), 'token_invalid'],
    [
      'an expired token',
      (s: TestServer) => s.issuer.sign({ exp: nowSeconds() - 10 }),
      'token_expired',
    ],
    ['a token that is not a string', () => 123, 'token_malformed'],
    ['no token', () => undefined, 'token_missing'],
  ])(
    'refuses %s: ack { ok: false, code }, unauthorized, disconnect',
    async (_name, token, code) => {
      await using server = await startServer({ guard: { mode: 'post-connect', timeoutMs: 5_000 } })
      const client = await connected(server.connect())
      const unauthorized = nextEvent<{ code: string }>(client, 'unauthorized')
      const disconnect = nextEvent<string>(client, 'disconnect')
      const ack = (await client.emitWithAck('authenticate', { token: token(server) })) as Ack
      expect(ack).toEqual({ ok: false, code, message: expect.any(String) as unknown })
      expect(await unauthorized).toEqual({ code, message: expect.any(String) as unknown })
      expect(await disconnect).toBe('io server disconnect')
    },
  )

  it('then runs the live session: a refresh keeps the socket, another subject is refused', async () => {
    await using server = await startServer({
      guard: { mode: 'post-connect', timeoutMs: 5_000, refreshIntervalMs: 0 },
      middlewareOnly: true,
    })
    const client = await connected(server.connect())
    const id = client.id
    expect(
      await client.emitWithAck('authenticate', {
        token: server.issuer.sign({ exp: nowSeconds() + 30 }),
      }),
    ).toMatchObject({ ok: true })
    const later = nowSeconds() + 600
    const refreshed = nextEvent<{ expiresAt: number }>(client, 'authenticated')
    expect(
      await client.emitWithAck('authenticate', { token: server.issuer.sign({ exp: later }) }),
    ).toEqual({ ok: true, expiresAt: later * 1000 })
    expect(await refreshed).toEqual({ expiresAt: later * 1000 })
    expect(client.connected).toBe(true)
    expect(client.id).toBe(id)
    const socket = server.io.of('/').sockets.get(client.id ?? '')
    expect((socket?.data as { auth: { expiresAt: number } }).auth.expiresAt).toBe(later * 1000)

    const disconnect = nextEvent<string>(client, 'disconnect')
    expect(
      await client.emitWithAck('authenticate', { token: server.issuer.sign({ sub: 'mallory' }) }),
    ).toMatchObject({ ok: false, code: 'claim_invalid' })
    expect(await disconnect).toBe('io server disconnect')
  })
})
