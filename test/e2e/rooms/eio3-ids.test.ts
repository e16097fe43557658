// Outside attack on rooms (r8 F1, high): with `allowEIO3: true`, Socket.IO gives a v2 (EIO3)
// client's socket the id `<namespace>#<engine id>` outside the main namespace, and the engine id
// itself in it (any shape, with the app's own `io.engine.generateId`). Those ids lacked the
// reserved 20-character shape, so another user joined them (`room:join` under a `{topic}`
// pattern, an app handler, a server-side join) and read what was sent to the v2 socket.
import { randomUUID } from 'node:crypto'
import type { Socket } from 'socket.io'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { nothingBeforeRoundTrip } from '../../support/guard-e2e.js'
import { nextEvent, type TestServer } from '../../support/socket-server.js'
import { roomServer, user } from './support.js'

const refused = { ok: false, code: 'forbidden', message: 'You are not allowed in that room.' }

/** A raw Engine.IO v3 (Socket.IO v2 protocol) client on `namespace`, sending its token as Bearer. */
async function eio3Victim(
  server: TestServer,
  namespace: string,
): Promise<{ socket: Socket; received: (text: string) => Promise<void>; close: () => void }> {
  const connection = nextEvent<Socket>(server.io.of(namespace), 'connection')
  const ws = new WebSocket(
    `${server.url.replace('http', 'ws')}/socket.io/?EIO=3&transport=websocket`,
    { headers: { authorization: `Bearer ${server.issuer.sign({ sub: 'victim' })}` } },
  )
  ws.on('message', (data: Buffer) => {
    // In protocol v3 the main namespace is joined at once; another one is asked for.
    if (data.toString().startsWith('0{') && namespace !== '/') ws.send(`40${namespace},`)
  })
  const socket = await connection
  return {
    socket,
    received: (text) =>
      new Promise((resolve) => {
        const listener = (data: Buffer): void => {
          if (!data.toString().includes(text)) return
          ws.off('message', listener)
          resolve()
        }
        ws.on('message', listener)
      }),
    close: () => {
      ws.close()
    },
  }
}

describe('a v2 (EIO3) socket’s id is never joined by another socket', () => {
  it('outside the main namespace (`/chat#<engine id>`): room:join, an app handler, socketsJoin', async () => {
    await using server = await roomServer(
      { unlistedRooms: 'deny', policy: { '{topic}': () => true } },
      {
        server: { allowEIO3: true },
        setup: (io) => {
          io.of('/chat').on('connection', (socket) => {
            socket.on('join', (room: string) => void socket.join(room))
          })
        },
      },
    )
    const victim = await eio3Victim(server, '/chat')
    try {
      expect(victim.socket.id).toMatch(/^\/chat#/)
      const mallory = await user(server, { sub: 'mallory' }, '/chat')
      expect(
        await mallory.client.timeout(3_000).emitWithAck('room:join', { room: victim.socket.id }),
      ).toEqual(refused)
      mallory.client.emit('join', victim.socket.id)
      server.io.of('/chat').in(mallory.socket.id).socketsJoin(victim.socket.id)
      const got = victim.received('"dm","for the victim"')
      server.io.of('/chat').to(victim.socket.id).emit('dm', 'for the victim')
      await got
      await nothingBeforeRoundTrip(server.io, mallory.client, 'dm', '/chat')
      expect(mallory.socket.rooms.has(victim.socket.id)).toBe(false)
      expect(
        server.failures.filter((failure) => failure.room === victim.socket.id).length,
      ).toBeGreaterThanOrEqual(3)
    } finally {
      victim.close()
    }
  })

  it('in the main namespace with the app’s own engine ids (a UUID): refused on its node', async () => {
    await using server = await roomServer(
      { policy: { '{topic}': () => true } },
      {
        server: { allowEIO3: true },
        prepare: (io) => {
          io.engine.generateId = () => randomUUID()
        },
      },
    )
    const victim = await eio3Victim(server, '/')
    try {
      expect(victim.socket.id).toMatch(/^[0-9a-f-]{36}$/)
      const mallory = await user(server, { sub: 'mallory' })
      expect(
        await mallory.client.timeout(3_000).emitWithAck('room:join', { room: victim.socket.id }),
      ).toEqual(refused)
      await mallory.socket.join(victim.socket.id)
      const got = victim.received('"dm","for the victim"')
      server.io.to(victim.socket.id).emit('dm', 'for the victim')
      await got
      await nothingBeforeRoundTrip(server.io, mallory.client, 'dm')
      expect(mallory.socket.rooms.has(victim.socket.id)).toBe(false)
    } finally {
      victim.close()
    }
  })
})
