// The seed document's client snippets against sockguard: the socketio-jwt client against the
// guard's post-connect mode and against the drop-in running the seed's server snippet; the
// query-token client against the drop-in's handshake mode and the guard. In each, an
// authenticated `message` is broadcast to every authenticated client and to no other.
import { createRequire } from 'node:module'
import type { Server } from 'socket.io'
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { InvalidOptionError } from '../../../src/errors.js'
import socketioJwt from '../../../src/compat/socketio-jwt.js'
import { nextEvent, startServer } from '../../support/socket-server.js'
import {
  SEED_SECRET,
  seedQueryClient,
  seedSocketioJwtClient,
  seedSocketioJwtClientAsWritten,
  seedSocketioJwtServer,
  type SeedIo,
} from './seed-snippets.js'
import { SECRET, sign } from './support.js'

const SEED_URL = 'http://localhost:3000'
const lists: ('websocket' | 'polling')[][] = [['websocket'], ['polling'], ['polling', 'websocket']]
const transports = lists.map((list) => ({
  name: list.join(' then '),
  transports: list,
}))

/** The seed's `io`: its URL is served by `connect` (a test server on an ephemeral port). */
function seedIo(connect: (options: Record<string, unknown>) => ClientSocket): SeedIo {
  return {
    connect(url, options = {}) {
      expect(url).toBe(SEED_URL)
      return connect(options)
    },
  }
}

/** What a connected client hears, but for the probes used to prove it heard nothing more. */
function listen(client: ClientSocket): unknown[] {
  const heard: unknown[] = []
  client.on('probe', (ack: () => void) => {
    ack()
  })
  client.onAny((event: string, ...args: unknown[]) => {
    if (event !== 'probe') heard.push([event, ...args])
  })
  return heard
}

/** A server-to-client round trip: everything the server sent before has arrived after it. */
async function roundTrip(io: Server, client: ClientSocket): Promise<void> {
  const socket = io.of('/').sockets.get(client.id ?? '')
  if (socket === undefined) throw new Error('no server socket for this client')
  await socket.timeout(2_000).emitWithAck('probe')
}

/**
 * Two seed clients authenticate, a third connects and never does (and tries to send a message);
 * one authenticated message reaches both authenticated clients and not the third.
 */
async function broadcastOnlyToAuthenticated(
  io: Server,
  connect: (options: Record<string, unknown>) => ClientSocket,
  tokens: readonly [string, string],
): Promise<void> {
  const alice = seedSocketioJwtClient(seedIo(connect), { token: tokens[0] })
  const bob = seedSocketioJwtClient(seedIo(connect), { token: tokens[1] })
  const stranger = connect({})
  await Promise.all([nextEvent(alice, 'authenticated'), nextEvent(bob, 'authenticated')])
  if (!stranger.connected) await nextEvent(stranger, 'connect')
  const heard = listen(stranger)
  stranger.emit('message', 'not authenticated')
  const received = Promise.all([nextEvent(alice, 'message'), nextEvent(bob, 'message')])
  alice.emit('message', 'hello from alice')
  expect(await received).toEqual(['hello from alice', 'hello from alice'])
  await roundTrip(io, stranger)
  expect(heard).toEqual([])
  expect(stranger.connected).toBe(true)
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe("the seed's socketio-jwt client, as written", () => {
  it('cannot work with socket.io-client: the connect listener gets no socket argument', async () => {
    await using server = await startServer({ guard: false })
    const probe = server.connect()
    const args = await new Promise<unknown[]>((resolve) => {
      probe.on('connect', (...given: unknown[]) => {
        resolve(given)
      })
    })
    expect(args).toEqual([])

    // The seed's listener, called as socket.io-client calls it, throws before `authenticate`.
    const client = seedSocketioJwtClientAsWritten(
      seedIo((options) =>
        connectClient(server.url, { ...options, autoConnect: false, forceNew: true }),
      ),
      { token: sign() },
    )
    const [listener] = client.listeners('connect')
    const emit = vi.spyOn(client, 'emit')
    expect(() => listener?.call(client)).toThrow(
      new TypeError("Cannot read properties of undefined (reading 'on')"),
    )
    expect(emit).not.toHaveBeenCalled()
  })
})

describe.each(transports)(
  "the seed's socketio-jwt client (closest working form) over $name",
  ({ transports: transport }) => {
    it('authenticates against the guard in post-connect mode; the broadcast reaches only authenticated clients', async () => {
      await using server = await startServer({
        guard: { mode: 'post-connect' },
        setup(io) {
          io.on('connection', (socket) => {
            socket.on('message', (message: string) => {
              io.emit('message', message)
            })
          })
        },
      })
      await broadcastOnlyToAuthenticated(
        server.io,
        (options) => server.connect({ ...options, transports: transport }),
        [server.issuer.sign({ sub: 'alice' }), server.issuer.sign({ sub: 'bob' })],
      )
    })

    it("authenticates against the drop-in running the seed's server snippet", async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
      // The seed's `const io = require('socket.io')();`
      const require = createRequire(import.meta.url)
      const io = (require('socket.io') as () => Server)()
      await using server = await startServer({
        guard: false,
        setup: (io) => {
          seedSocketioJwtServer(io, socketioJwt, SECRET)
          io.sockets.on('authenticated', (socket: { on: Server['on'] }) => {
            socket.on('message', (message: string) => {
              io.emit('message', message)
            })
          })
        },
        io,
      })
      await broadcastOnlyToAuthenticated(
        server.io,
        (options) => server.connect({ ...options, transports: transport }),
        [sign({ sub: 'alice', name: 'Alice' }), sign({ sub: 'bob', name: 'Bob' })],
      )
      expect(log.mock.calls.map(([line]) => line as unknown).sort()).toEqual([
        'Hello! Alice',
        'Hello! Bob',
      ])
    })
  },
)

describe("the seed's socketio-jwt server snippet", () => {
  it("refuses the seed's 10-byte 'SECRET_KEY' at creation, naming the option", async () => {
    await using server = await startServer({ guard: false })
    let error: unknown
    try {
      seedSocketioJwtServer(server.io, socketioJwt, SEED_SECRET)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toMatchObject({ code: 'invalid_option', option: 'secret' })
  })
})

describe.each(transports)(
  "the seed's query-token client over $name",
  ({ transports: transport }) => {
    it('authenticates against the drop-in in handshake mode; the broadcast reaches only authenticated clients', async () => {
      await using server = await startServer({
        guard: false,
        setup: (io) => {
          io.use(socketioJwt.authorize({ secret: SECRET, handshake: true }))
          io.on('connection', (socket) => {
            socket.on('message', (message: string) => {
              io.emit('message', message)
            })
          })
        },
      })
      const connect = (options: Record<string, unknown>): ClientSocket =>
        server.connect({ ...options, transports: transport })
      const alice = seedQueryClient(seedIo(connect), { token: sign({ sub: 'alice' }) })
      const bob = seedQueryClient(seedIo(connect), { token: sign({ sub: 'bob' }) })
      const stranger = connect({})
      const forged = seedQueryClient(seedIo(connect), { token: sign({}, `${SECRET}-not-it`) })
      await Promise.all([nextEvent(alice, 'connect'), nextEvent(bob, 'connect')])
      const refusals = await Promise.all([
        nextEvent<Error & { data: unknown }>(stranger, 'connect_error'),
        nextEvent<Error & { data: unknown }>(forged, 'connect_error'),
      ])
      expect(refusals.map((error) => error.data)).toEqual([
        { message: 'no token provided', code: 'credentials_required', type: 'UnauthorizedError' },
        { message: 'invalid signature', code: 'invalid_token', type: 'UnauthorizedError' },
      ])
      const received = Promise.all([nextEvent(alice, 'message'), nextEvent(bob, 'message')])
      alice.emit('message', 'hello from alice')
      expect(await received).toEqual(['hello from alice', 'hello from alice'])
      expect(server.io.of('/').sockets.size).toBe(2)
    })

    it("authenticates against the guard with tokenFrom: ['query']", async () => {
      await using server = await startServer({
        guard: { tokenFrom: ['query'] },
        setup(io) {
          io.on('connection', (socket) => {
            socket.on('message', (message: string) => {
              io.emit('message', message)
            })
          })
        },
      })
      const connect = (options: Record<string, unknown>): ClientSocket =>
        server.connect({ ...options, transports: transport })
      const alice = seedQueryClient(seedIo(connect), {
        token: server.issuer.sign({ sub: 'alice' }),
      })
      const bob = seedQueryClient(seedIo(connect), { token: server.issuer.sign({ sub: 'bob' }) })
      const stranger = connect({})
      await Promise.all([nextEvent(alice, 'connect'), nextEvent(bob, 'connect')])
      const refusal = await nextEvent<Error & { data: unknown }>(stranger, 'connect_error')
      expect(refusal.data).toMatchObject({ code: 'token_missing' })
      const received = Promise.all([nextEvent(alice, 'message'), nextEvent(bob, 'message')])
      alice.emit('message', 'hello from alice')
      expect(await received).toEqual(['hello from alice', 'hello from alice'])
    })
  },
)
