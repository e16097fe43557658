// The client child of bench/rooms.ts: mints distinct tokens with node:crypto, opens socket.io-client
// WebSocket connections to the server child, joins and leaves rooms with acknowledged requests, and
// publishes to a room while counting what its members receive. Only 127.0.0.1 URLs are accepted.
import type { Socket } from 'socket.io-client'
import { exitAfterStop } from '../support/exit-after-stop.js'
import { forge, signerFor } from '../support/sign.js'
import { checkUrl, connectPool, connectSocket, socketGroups } from '../support/socket-client.js'
import { PREFIX, SCOPE, type ClientCommands } from './protocol.js'
import { serve } from './rpc.js'

let tokens: string[] = []
let unscoped = ''
const { groups, open, commands: socketCommands } = socketGroups()

function mint(sign: ReturnType<typeof signerFor>, i: number, scope: string): string {
  const now = Math.floor(Date.now() / 1000)
  const claims = { sub: `user-${i}`, iat: now, exp: now + 3600, jti: `rooms-${i}`, scope }
  return forge({ alg: 'HS256', typ: 'JWT' }, claims, sign)
}

function connectOne(url: string, token: string): Promise<Socket> {
  return connectSocket(url, { auth: { token } })
}

function request(socket: Socket, event: string, room: string): Promise<unknown> {
  const payload = event.startsWith('room:') ? { room } : room
  return new Promise((resolve) => socket.emit(event, payload, resolve))
}

function isOk(ack: unknown): boolean {
  return typeof ack === 'object' && ack !== null && (ack as { ok?: unknown }).ok === true
}

function groupOf(name: string): Socket[] {
  const sockets = groups.get(name)
  if (sockets === undefined || sockets.length === 0) throw new Error(`no sockets in ${name}`)
  return sockets
}

serve<ClientCommands>(
  {
    async prepare({ key, count }) {
      const start = performance.now()
      const sign = signerFor('HS256', key)
      tokens = Array.from({ length: count }, (_, i) => mint(sign, i, SCOPE))
      unscoped = mint(sign, count, 'other')
      return Promise.resolve({ ms: performance.now() - start })
    },

    async sanity({ url, setup, token }) {
      checkUrl(url)
      const checks: string[] = []
      const [join, leave] = setup === 'hand' ? ['join', 'leave'] : ['room:join', 'room:leave']
      const room = `${PREFIX[setup]}sanity`
      const valid = await connectOne(url, tokens[token]!)
      const other = await connectOne(url, unscoped)
      try {
        if (setup === 'plain') {
          // Unlisted: never a client's to join, and a server-side join happens (checked by the
          // parent through joinAll's membership count).
          const ack = (await request(valid, join, room)) as { ok?: unknown; code?: unknown }
          if (ack.ok !== false || ack.code !== 'forbidden')
            throw new Error(`SANITY: ${setup}: a client joined the unlisted ${room}`)
          checks.push(`room:join ${room} (unlisted) forbidden`)
          return checks
        }
        if (!isOk(await request(valid, join, room)))
          throw new Error(`SANITY: ${setup}: a scoped ${join} ${room} was refused`)
        const denied = (await request(other, join, room)) as { ok?: unknown; code?: unknown }
        if (denied.ok !== false || denied.code !== 'forbidden')
          throw new Error(`SANITY: ${setup}: ${join} ${room} without scope "${SCOPE}" was let in`)
        const injected = (await request(valid, join, `${room}:admin`)) as { ok?: unknown }
        if (injected.ok !== false)
          throw new Error(`SANITY: ${setup}: ${join} ${room}:admin was let in`)
        // The member receives a publish to the room, the denied socket does not.
        const got: unknown[] = []
        const leaked: unknown[] = []
        valid.on('msg', (m: unknown) => got.push(m))
        other.on('msg', (m: unknown) => leaked.push(m))
        const publisher = await connectOne(url, tokens[token + 1]!)
        await new Promise((resolve) => publisher.emit('publish', room, 'hello', resolve))
        await new Promise((resolve) => setTimeout(resolve, 200))
        publisher.close()
        if (got.length !== 1 || leaked.length !== 0)
          throw new Error(`SANITY: ${setup}: member got ${got.length}, denied got ${leaked.length}`)
        if (!isOk(await request(valid, leave, room)))
          throw new Error(`SANITY: ${setup}: ${leave} was refused`)
        checks.push(
          `${join} ${room} allowed with scope, forbidden without; ${room}:admin forbidden; a publish reaches the member only; ${leave} acked`,
        )
        return checks
      } finally {
        valid.close()
        other.close()
      }
    },

    async connect({ group, url, from, count, concurrency }) {
      checkUrl(url)
      if (from + count > tokens.length) throw new Error(`only ${tokens.length} tokens`)
      const sockets = open(group)
      const ms = await connectPool(sockets, from, count, concurrency, (i) =>
        connectOne(url, tokens[i]!),
      )
      return { ms, ids: sockets.map((s) => s.id ?? '') }
    },

    async rooms({ group, event, prefix, perSocket, inflight }) {
      const sockets = groupOf(group)
      const start = performance.now()
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve, reject) => {
              let sent = 0
              let acked = 0
              const fire = (): void => {
                const room = `${prefix}${sent++}`
                socket.emit(event, event.startsWith('room:') ? { room } : room, (ack: unknown) => {
                  if (!isOk(ack)) {
                    reject(new Error(`${event} ${room} got ${JSON.stringify(ack)}`))
                    return
                  }
                  if (++acked === perSocket) resolve()
                  else if (sent < perSocket) fire()
                })
              }
              for (let k = 0; k < Math.min(inflight, perSocket); k++) fire()
            }),
        ),
      )
      return { ms: performance.now() - start, requests: perSocket * sockets.length }
    },

    async broadcast({ publisher, members, room, messages, inflight, payloadBytes }) {
      const pub = groupOf(publisher)[0]!
      const listeners = groupOf(members)
      const text = 'x'.repeat(payloadBytes)
      const expected = messages * listeners.length
      let delivered = 0
      let start = 0
      return new Promise((resolve, reject) => {
        const cleanup = (): void => {
          for (const socket of listeners) socket.off('msg')
        }
        for (const socket of listeners) {
          let next = 0
          socket.on('msg', (m: { n: number }) => {
            if (m.n !== next) {
              cleanup()
              reject(new Error(`a member got message ${m.n}, expected ${next}`))
              return
            }
            next++
            if (++delivered === expected) {
              cleanup()
              resolve({ ms: performance.now() - start, deliveries: delivered })
            }
          })
        }
        let sent = 0
        const fire = (): void => {
          const n = sent++
          pub.emit('publish', room, { n, room, text }, () => {
            if (sent < messages) fire()
          })
        }
        start = performance.now()
        for (let k = 0; k < Math.min(inflight, messages); k++) fire()
      })
    },

    ...socketCommands,
  },
  exitAfterStop,
)
