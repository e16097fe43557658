// The contract of Socket.IO's private members that sockguard relies on
// (src/internal/socket-io-private.ts, src/client/emit-reserved.ts): each is checked on a real
// Server, Namespace, Socket, adapter and client socket, by name, so that a Socket.IO release
// that removes or changes one fails here first. CI also runs this file against the newest
// published socket.io@4 and socket.io-client@4 (.ci/run).
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, Socket as ServerSocket } from 'socket.io'
import { io as connectClient, Socket as ClientSocket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { emitReserved, wrapEmitReserved } from '../../src/client/emit-reserved.js'
import {
  filterRestoredSessions,
  gateIncomingEvents,
  gateStringEventsOnly,
  interceptJoins,
  namespaceCountOf,
  namespacesOf,
  onAdapterReplaced,
  parentNameOf,
  prependMiddleware,
  recoveryEnabled,
  sendDirect,
  type StoredSession,
} from '../../src/internal/socket-io-private.js'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function startIo(options: ConstructorParameters<typeof Server>[1] = {}): Promise<{
  io: Server
  connect: (namespace?: string, multiplex?: boolean, reconnection?: boolean) => ClientSocket
}> {
  const http = createServer()
  const io = new Server(http, options)
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const { port } = http.address() as AddressInfo
  const clients: ClientSocket[] = []
  cleanups.push(async () => {
    for (const client of clients) client.disconnect()
    await io.close()
  })
  return {
    io,
    connect(namespace = '/', multiplex = false, reconnection = false) {
      const client = connectClient(`http://127.0.0.1:${port}${namespace}`, {
        transports: ['websocket'],
        forceNew: !multiplex,
        reconnection,
        reconnectionDelay: 50,
        randomizationFactor: 0,
      })
      clients.push(client)
      return client
    },
  }
}

/** The arguments of the client's next `event`. */
function clientEvent(client: ClientSocket, event: string): Promise<unknown[]> {
  return new Promise((resolve) => {
    client.once(event, (...args: unknown[]) => {
      resolve(args)
    })
  })
}

/** The server side of the next connection to `namespace`. */
async function nextSocket(io: Server, namespace = '/'): Promise<ServerSocket> {
  const [socket] = (await once(io.of(namespace), 'connection')) as [ServerSocket]
  return socket
}

describe('Socket.IO server private members', () => {
  it('Server#_nsps: a Map of the namespaces that exist, by name', async () => {
    const { io } = await startIo()
    const chat = io.of('/chat')
    expect(io._nsps).toBeInstanceOf(Map)
    expect(io._nsps.get('/chat')).toBe(chat)
    expect([...namespacesOf(io)]).toEqual([io.of('/'), chat])
  })

  it('Server#parentNsps and ParentNamespace#children: the dynamic namespace a child came from', async () => {
    const { io, connect } = await startIo()
    const parent = io.of(/^\/team-\w+$/)
    await clientEvent(connect('/team-red'), 'connect')
    const child = io._nsps.get('/team-red')
    expect(child).toBeDefined()
    expect((io as unknown as { parentNsps: unknown }).parentNsps).toBeInstanceOf(Map)
    expect((parent as unknown as { children: unknown }).children).toBeInstanceOf(Set)
    expect(parentNameOf(child!)).toBe(parent.name)
    expect(parentNameOf(io.of('/'))).toBeUndefined()
  })

  it('Namespace#_initAdapter(): io.adapter(...) gives each namespace a new adapter through it', async () => {
    const { io } = await startIo()
    const nsp = io.of('/')
    const before = nsp.adapter
    const seen: unknown[] = []
    expect(onAdapterReplaced(nsp, (replaced) => seen.push(replaced.adapter))).toBe(true)
    io.adapter(class extends (before.constructor as typeof import('socket.io-adapter').Adapter) {})
    expect(nsp.adapter).not.toBe(before)
    expect(seen).toEqual([nsp.adapter])
  })

  it('Namespace#_fns: the array of its middlewares, run in its order', async () => {
    const { io, connect } = await startIo()
    const order: string[] = []
    const app = (_socket: unknown, next: (error?: Error) => void): void => {
      order.push('app')
      next()
    }
    io.use(app)
    const fns = (io.of('/') as unknown as { _fns?: unknown })._fns
    expect(Array.isArray(fns)).toBe(true)
    expect(fns).toEqual([app])
    const first = (_socket: unknown, next: (error?: Error) => void): void => {
      order.push('first')
      next()
    }
    prependMiddleware(io.of('/'), first)
    prependMiddleware(io.of('/'), first)
    expect(fns).toEqual([first, app])
    const connected = nextSocket(io)
    connect()
    await connected
    expect(order).toEqual(['first', 'app'])
  })

  it('Adapter#restoreSession(pid, offset): how Socket.IO gets a recovered session back', async () => {
    const { io, connect } = await startIo({ connectionStateRecovery: {} })
    const adapter = io.of('/').adapter as unknown as {
      restoreSession?: (pid: string, offset: string) => unknown
    }
    expect(typeof adapter.restoreSession).toBe('function')
    expect(adapter.restoreSession?.length).toBe(2)
    expect(await adapter.restoreSession?.('no-such-session', '0')).toBeFalsy()
    const seen: unknown[] = []
    const offsets: unknown[] = []
    const admit = (session: StoredSession, offset: string): Promise<StoredSession> => {
      seen.push(session.data)
      offsets.push(offset)
      return Promise.resolve(session)
    }
    expect(filterRestoredSessions(adapter, admit)).toBe(true)
    // Socket.IO asks the (wrapped) method when a dropped client comes back.
    const first = nextSocket(io)
    const client = connect('/', false, true)
    const socket = await first
    socket.data = { kept: 1 }
    // Recovery needs an offset: the id of a packet the client received.
    const hello = clientEvent(client, 'hello')
    socket.emit('hello')
    await hello
    const gone = clientEvent(client, 'disconnect')
    socket.conn.close()
    await gone
    const again = nextSocket(io)
    await clientEvent(client, 'connect')
    const recovered = await again
    expect(recovered.recovered).toBe(true)
    expect(seen).toEqual([{ kept: 1 }])
    // The offset the client named: the one its last packet carried, which the guard dates.
    expect(offsets).toHaveLength(1)
    expect(typeof offsets[0]).toBe('string')
  })

  it('Server#_opts.connectionStateRecovery: whether sessions are kept for recovery', async () => {
    const withRecovery = await startIo({ connectionStateRecovery: {} })
    const without = await startIo({})
    expect(recoveryEnabled(withRecovery.io)).toBe(true)
    expect(recoveryEnabled(without.io)).toBe(false)
  })

  it('Socket#packet({ type, data }): writes an EVENT straight to the connection', async () => {
    const { io, connect } = await startIo({ connectionStateRecovery: {} })
    const connected = nextSocket(io)
    const client = connect()
    const socket = await connected
    expect(typeof (socket as unknown as { packet?: unknown }).packet).toBe('function')
    const received = clientEvent(client, 'direct')
    expect(sendDirect(socket, 'direct', { code: 'x' }, 2)).toBe(true)
    expect(await received).toEqual([{ code: 'x' }, 2])
  })

  it('Client#sockets: a Map of the namespaces open on one connection', async () => {
    const { io, connect } = await startIo()
    io.of('/other')
    const main = nextSocket(io)
    const first = connect('/', true)
    const socket = await main
    expect((socket.client as unknown as { sockets?: unknown }).sockets).toBeInstanceOf(Map)
    expect(namespaceCountOf(socket)).toBe(1)
    const other = nextSocket(io, '/other')
    connect('/other', true)
    await other
    expect(first.io).toBeDefined()
    expect(namespaceCountOf(socket)).toBe(2)
  })

  it('Socket.prototype.onevent(packet): where incoming events enter, before onAny and socket.use', async () => {
    const { io, connect } = await startIo()
    expect(typeof (ServerSocket.prototype as unknown as { onevent?: unknown }).onevent).toBe(
      'function',
    )
    const connected = nextSocket(io)
    const client = connect()
    const socket = await connected
    const seen: unknown[] = []
    socket.onAny((event: unknown) => seen.push(event))
    socket.use(([event], next) => {
      seen.push(`use:${event}`)
      next()
    })
    expect(gateIncomingEvents(socket, (event) => event !== 'blocked')).toBe(true)
    const control = once(socket, 'control')
    client.emit('blocked')
    client.emit('control')
    await control
    expect(seen).toEqual(['control', 'use:control'])
    // The shared gate of a released socket: string names pass, others are dropped.
    gateStringEventsOnly(socket)
    const again = once(socket, 'blocked')
    client.emit('blocked')
    await again
    expect(seen).toEqual(['control', 'use:control', 'blocked', 'use:blocked'])
  })
})

describe('Adapter#addAll / del / delAll: every room change of a socket', () => {
  it('socket.join, socketsJoin, RemoteSocket.join and leaving all pass through them', async () => {
    const { io, connect } = await startIo()
    const seen: string[] = []
    const book = interceptJoins(io.of('/').adapter, {
      addAll(id, rooms) {
        seen.push(`add ${[...rooms].filter((room) => room !== id).join(',')}`)
        book!.add(id, rooms)
      },
      left(_, room) {
        seen.push(`left ${room}`)
      },
      leftAll() {
        seen.push('leftAll')
      },
    })
    expect(book).toBeDefined()
    const connection = nextSocket(io)
    const client = connect()
    const socket = await connection
    await socket.join('a')
    io.in(socket.id).socketsJoin('b')
    const [remote] = await io.in(socket.id).fetchSockets()
    remote!.join('c')
    await socket.leave('a')
    expect([...socket.rooms].sort()).toEqual([socket.id, 'b', 'c'].sort())
    book!.del(socket.id, 'b')
    expect(socket.rooms.has('b')).toBe(false)
    const gone = once(socket, 'disconnect')
    client.disconnect()
    await gone
    expect(seen).toEqual(['add ', 'add a', 'add b', 'add c', 'left a', 'leftAll'])
  })

  it('the Socket constructor of a recovered session joins its previous rooms through addAll', async () => {
    const { io, connect } = await startIo({
      connectionStateRecovery: { maxDisconnectionDuration: 10_000 },
    })
    const calls: { id: string; rooms: string[]; connected: boolean }[] = []
    const book = interceptJoins(io.of('/').adapter, {
      addAll(id, rooms) {
        calls.push({ id, rooms: [...rooms], connected: io.of('/').sockets.has(id) })
        book!.add(id, rooms)
      },
      left: () => undefined,
      leftAll: () => undefined,
    })
    const connection = nextSocket(io)
    const client = connect('/', false, true)
    const socket = await connection
    await socket.join('kept')
    socket.emit('tick')
    await clientEvent(client, 'tick')
    calls.length = 0
    const again = nextSocket(io)
    socket.conn.close()
    const recovered = await again
    expect(recovered.recovered).toBe(true)
    // Before the socket is in `nsp.sockets` (the constructor), then its own room (`_onconnect`).
    expect(calls[0]).toEqual({ id: socket.id, rooms: [socket.id], connected: false })
    expect(calls).toContainEqual({ id: socket.id, rooms: ['kept'], connected: false })
  })
})

describe('socket.io-client protected members', () => {
  it('Socket#emitReserved(event, ...args): reaches the app listeners of a reserved event', async () => {
    const { io, connect } = await startIo()
    const client = connect()
    expect(typeof (client as unknown as { emitReserved?: unknown }).emitReserved).toBe('function')
    expect(ClientSocket.prototype).toHaveProperty('emitReserved')
    const wrapped: unknown[][] = []
    wrapEmitReserved(
      client,
      (original) =>
        function (event, ...args) {
          wrapped.push([event, ...args])
          return original.call(this, event, ...args)
        },
    )
    const connected = nextSocket(io)
    await Promise.all([clientEvent(client, 'connect'), connected])
    expect(wrapped).toContainEqual(['connect'])
    const failed = clientEvent(client, 'connect_error')
    const error = new Error('stopped')
    emitReserved(client, 'connect_error', error)
    expect(await failed).toEqual([error])
  })
})
