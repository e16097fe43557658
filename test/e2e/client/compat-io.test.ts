// The compat `io` of sockguard/client: the seed document's socketio-jwt client snippet, run as
// written with `import { io } from 'sockguard/client'`, authenticates against the socketio-jwt
// drop-in running the seed's server snippet (and against the guard's post-connect mode). Plain
// socket.io-client cannot run that snippet: its `connect` listeners get no socket.
import { afterEach, describe, expect, it, vi } from 'vitest'
import socketioJwt from '../../../src/compat/socketio-jwt.js'
import {
  io,
  type CompatIo,
  type CompatLookup,
  type CompatSocket,
  type SocketIoOptions,
} from '../../../src/client/index.js'
import { nextEvent, startServer } from '../../support/socket-server.js'
import { seedSocketioJwtServer } from '../compat/seed-snippets.js'
import { SECRET, sign } from '../compat/support.js'
import { closeClients, trackClient } from './support.js'

afterEach(() => {
  closeClients()
  vi.restoreAllMocks()
})

const SEED_URL = 'http://localhost:3000'

/**
 * The seed's socketio-jwt client, character for character, with `io` imported from
 * sockguard/client (given here, so that a test can point its URL at a test server).
 */
// prettier-ignore
function seedClient(io: CompatIo, sessionStorage: { readonly token: string }): CompatSocket {
const {token} = sessionStorage;
const socket = io.connect('http://localhost:3000');
socket.on('connect', function (socket) {
  socket
    .on('authenticated', function () {
      //do other things
    })
    .emit('authenticate', {token}); //send the jwt
});
return socket
}

/** sockguard's `io`, with the seed's URL served by a test server at `url`. */
function servedAt(url: string, options: SocketIoOptions): CompatIo {
  const lookup = ((seedUrl?: unknown) => {
    expect(seedUrl).toBe(SEED_URL)
    return trackClient(io.connect(url, { forceNew: true, reconnection: false, ...options }))
  }) as CompatLookup
  return Object.assign(lookup, { connect: lookup })
}

const transportLists: ('websocket' | 'polling')[][] = [['websocket'], ['polling', 'websocket']]

describe.each(
  transportLists.map((transports) => ({ name: transports.join(' then '), transports })),
)("the seed's socketio-jwt client with sockguard's io, over $name", ({ transports }) => {
  it("authenticates against the drop-in running the seed's server snippet", async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined)
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        seedSocketioJwtServer(io, socketioJwt, SECRET)
      },
    })
    const socket = seedClient(servedAt(server.url, { transports }), {
      token: sign({ name: 'Alice' }),
    })
    await nextEvent(socket, 'authenticated')
    expect(log.mock.calls).toEqual([['Hello! Alice']])
    expect(socket.connected).toBe(true)
  })

  it('is refused by the drop-in with a forged token: unauthorized, then disconnected', async () => {
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        seedSocketioJwtServer(io, socketioJwt, SECRET)
      },
    })
    const socket = seedClient(servedAt(server.url, { transports }), {
      token: sign({}, `${SECRET}-not-it`),
    })
    const unauthorized = nextEvent<{ data?: unknown }>(socket, 'unauthorized')
    const disconnect = nextEvent<string>(socket, 'disconnect')
    expect((await unauthorized).data).toMatchObject({ code: 'invalid_token' })
    expect(await disconnect).toBe('io server disconnect')
  })

  it("authenticates against the guard's post-connect mode", async () => {
    await using server = await startServer({ guard: { mode: 'post-connect' } })
    const socket = seedClient(servedAt(server.url, { transports }), {
      token: server.issuer.sign({ sub: 'alice' }),
    })
    const authenticated = await nextEvent<{ expiresAt: unknown }>(socket, 'authenticated')
    expect(typeof authenticated.expiresAt).toBe('number')
  })
})

describe('io', () => {
  it('is its own `connect`', () => {
    expect(io.connect).toBe(io)
  })

  it('gives `connect` listeners (on and once) the socket; other events are unchanged', async () => {
    await using server = await startServer({ guard: false })
    const socket = trackClient(io(server.url, { forceNew: true, transports: ['websocket'] }))
    const onArgs: unknown[][] = []
    const onceArgs: unknown[][] = []
    socket.on('connect', (...args: unknown[]) => {
      onArgs.push(args)
    })
    socket.once('connect', (...args: unknown[]) => {
      onceArgs.push(args)
    })
    await nextEvent(socket, 'connect')
    expect(onArgs).toEqual([[socket]])
    expect(onArgs[0]?.[0]).toBe(socket)
    expect(onceArgs).toEqual([[socket]])

    const disconnect = nextEvent<string>(socket, 'disconnect')
    server.io.of('/').disconnectSockets()
    expect(await disconnect).toBe('io server disconnect')
    // Reconnecting by hand: `on` listeners get the socket again, the `once` one is gone.
    socket.connect()
    await nextEvent(socket, 'connect')
    expect(onArgs).toEqual([[socket], [socket]])
    expect(onceArgs).toHaveLength(1)
  })

  it('patches each socket of a shared connection (two namespaces, one manager)', async () => {
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.of('/room')
      },
    })
    const options = { transports: ['websocket'] }
    // No forceNew: socket.io-client caches the manager of this (fresh, ephemeral-port) URL.
    const main = trackClient(io(server.url, options))
    const room = trackClient(io.connect(`${server.url}/room`, options))
    expect(room.io).toBe(main.io)
    const argsOf = (socket: CompatSocket): Promise<unknown[]> =>
      new Promise((resolve) => {
        socket.once('connect', (...given: unknown[]) => {
          resolve(given)
        })
      })
    const [mainArgs, roomArgs] = await Promise.all([argsOf(main), argsOf(room)])
    expect(mainArgs).toEqual([main])
    expect(mainArgs[0]).toBe(main)
    expect(roomArgs[0]).toBe(room)
  })
})
