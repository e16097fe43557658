// Outside attack r10 (F1, medium): Socket.IO lets the app join any value as a room, and an app
// handler that joins what the client sends (`socket.join(room)`, `socket.join(msg.room)` with the
// field left out) passed a number, null, an array or an object to the guard's join hook, which
// threw out of `socket.join` inside Socket.IO's event dispatch: one packet ended the process.
// A room that is not a string is never a guarded room (patterns and grants name strings): it is
// the app's own, unlisted, as without the guard.
import type { Socket } from 'socket.io'
import { describe, expect, it } from 'vitest'
import { watchProcess } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { provesPresent, roomServer, user } from './support.js'

const HOSTILE: readonly unknown[] = [42, null, [['x']], {}, { room: 'admin' }, true, 1.5]

describe('a room that is not a string', () => {
  for (const unlistedRooms of ['allow', 'deny'] as const)
    it(`is the app's own, unlisted room (unlistedRooms: '${unlistedRooms}'); nothing throws`, async () => {
      const watched = watchProcess()
      const joined: unknown[] = []
      await using server = await roomServer(
        { unlistedRooms, policy: { admin: () => false, '{topic}': () => true } },
        {
          setup: (io) => {
            io.on('connection', (socket) => {
              socket.on('join', (room: unknown, ack: (rooms: unknown[]) => void) => {
                void socket.join(room as string)
                ack([...socket.rooms].filter((r) => r !== socket.id))
              })
              socket.on('join-field', (msg: { room?: unknown }) => {
                void socket.join(msg.room as string)
              })
            })
          },
        },
      )
      const mallory = await user(server, { sub: 'mallory' })
      for (const room of HOSTILE) {
        joined.push(...((await mallory.client.timeout(3_000).emitWithAck('join', room)) as []))
      }
      mallory.client.emit('join-field', {})
      server.io.in(mallory.socket.id).socketsJoin(42 as unknown as string)
      // Still served: the same socket's next request is answered.
      await provesPresent(server.io, mallory.socket.id, mallory.client)
      expect(mallory.socket.connected).toBe(true)
      expect(mallory.socket.rooms.has('admin')).toBe(false)
      if (unlistedRooms === 'deny') {
        expect(joined).toEqual([])
        expect(server.failures.filter((f) => f.code !== 'forbidden')).toEqual([])
      } else {
        expect(mallory.socket.rooms.has(42 as unknown as string)).toBe(true)
      }
      watched.stop()
      expect(watched.errors).toEqual([])
    })

  it('a non-string joined in an app middleware does not cost the handshake', async () => {
    await using server = await roomServer(
      { policy: { admin: () => false } },
      {
        setup: (io) => {
          io.use((socket, next) => {
            void socket.join([42, null] as unknown as string[])
            next()
          })
        },
      },
    )
    const connection = nextEvent<Socket>(server.io, 'connection')
    const alice = server.connect({ auth: { token: server.issuer.sign({ sub: 'alice' }) } })
    const socket = await connection
    await provesPresent(server.io, socket.id, alice)
    expect(socket.connected).toBe(true)
  })

  // Found while fixing r11 F1, and outside attack r12 (F2, medium): an app handler that joins
  // what it is sent takes names up to Socket.IO's message limit (1 MB); a pattern of several
  // parameters costs time in the name's length, and every refresh or recheck matched every room
  // the socket was in again: 1,500 long unlisted names stalled each refresh for 2 s. Names over
  // 1024 characters are refused on every path, and unlisted rooms are not matched again.
  it('a name over 1024 characters is refused on every server path, and reported', async () => {
    await using server = await roomServer(
      { policy: { 'doc:{a}.{b}.{c}.{d}.{e}.{f}': () => true } },
      {
        setup: (io) => {
          io.on('connection', (socket) => {
            socket.on('join', (room: string, ack: () => void) => {
              void socket.join(room)
              ack()
            })
          })
        },
      },
    )
    const mallory = await user(server, { sub: 'mallory' })
    const long = `doc:${'.'.repeat(1_021)}`
    expect(long.length).toBe(1_025)
    await mallory.client.timeout(3_000).emitWithAck('join', long)
    expect(mallory.socket.rooms.has(long)).toBe(false)
    expect(server.failures).toEqual([
      { code: 'forbidden', room: long, socketId: mallory.socket.id },
    ])
    const fits = long.slice(1)
    await mallory.client.timeout(3_000).emitWithAck('join', fits)
    expect(mallory.socket.rooms.has(fits)).toBe(true)
  })

  it('a recheck does not match the unlisted rooms a socket is in again', async () => {
    const policy = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`doc:{a}.{b}.{c}.{d}.{e}.x${String(i)}`, () => false]),
    )
    await using server = await roomServer({ policy })
    const mallory = await user(server, { sub: 'mallory' })
    // Unlisted (the ':' at the end matches no pattern), and as long as a name may be.
    const names = Array.from({ length: 1_500 }, (_, i) => `doc:${String(i)}${'.'.repeat(1_000)}:`)
    await mallory.socket.join(names)
    expect(mallory.socket.rooms.size).toBe(1_501)
    const started = performance.now()
    await server.guard.recheck({ sub: 'mallory' })
    // Matching them all again took about 2 s; skipping them, milliseconds.
    expect(performance.now() - started).toBeLessThan(300)
    expect(mallory.socket.rooms.size).toBe(1_501)
  })
})
