// The server child of bench/rooms.ts: one Socket.IO server with sockguard attached on
// 127.0.0.1:0, in one of the setups of protocol.ts, measuring its own CPU (process.cpuUsage) and
// memory (after forced GC), so the client process's work is never counted. Run with --expose-gc.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server, type Socket } from 'socket.io'
import type { Guard, JwtClaims } from '../../src/index.js'
import { SCOPE, type ServerCommands, type Setup } from './protocol.js'
import { serve } from './rpc.js'
import { exitAfterStop } from '../support/exit-after-stop.js'
import { commonServerCommands, requireExposedGc } from '../support/server-child.js'

requireExposedGc()

type Sockguard = typeof import('../../src/index.js')

let io: Server | undefined
let guard: Guard | undefined
/** Connected sockets in connection order (the order joinAll numbers them in). */
const sockets = new Map<string, Socket>()

/** The room pattern of the policy, written by hand for the hand-written handler. */
const TEAM_ROOM = /^team:[^:]+$/

/**
 * What an app writes without `rooms`: a `join` handler with the same check as the policy's rule
 * (`team:{name}` and `requireScope('chat')` on the socket's current claims), and a `leave`.
 */
function handWritten(socket: Socket, check: (claims: JwtClaims | null) => boolean): void {
  socket.on('join', (room: unknown, ack: unknown) => {
    const auth = (socket.data as { auth?: { claims: JwtClaims } | null }).auth
    const ok =
      typeof room === 'string' &&
      room.length <= 1024 &&
      TEAM_ROOM.test(room) &&
      auth !== undefined &&
      auth !== null &&
      check(auth.claims)
    if (ok) void socket.join(room)
    if (typeof ack === 'function')
      (ack as (response: unknown) => void)(
        ok ? { ok: true } : { ok: false, code: 'forbidden', message: 'Not allowed.' },
      )
  })
  socket.on('leave', (room: unknown, ack: unknown) => {
    if (typeof room === 'string' && room !== socket.id) void socket.leave(room)
    if (typeof ack === 'function') (ack as (response: unknown) => void)({ ok: true })
  })
}

function createSockguard(sg: Sockguard, setup: Setup, key: string): Guard {
  if (setup === 'hand') return sg.createGuard({ secret: key, algorithms: ['HS256'] })
  return sg.createGuard({
    secret: key,
    algorithms: ['HS256'],
    rooms: { policy: { 'team:{name}': sg.requireScope(SCOPE) } },
  })
}

function memberships(): number {
  let total = 0
  for (const [room, members] of io?.of('/').adapter.rooms ?? []) {
    if (!sockets.has(room)) total += members.size
  }
  return total
}

serve<ServerCommands>(
  {
    async start({ setup, key, sockguard }) {
      const sg = (await import(sockguard)) as Sockguard
      const http = createServer()
      const server = new Server(http)
      guard = createSockguard(sg, setup, key)
      guard.attach(server)
      const check = sg.requireScope(SCOPE)
      server.on('connection', (socket) => {
        sockets.set(socket.id, socket)
        socket.on('disconnect', () => sockets.delete(socket.id))
        // The relay every setup runs: a chat message to a room, acknowledged once sent.
        socket.on('publish', (room: unknown, payload: unknown, ack: unknown) => {
          if (typeof room === 'string') socket.to(room).emit('msg', payload)
          if (typeof ack === 'function') (ack as () => void)()
        })
        if (setup === 'hand') handWritten(socket, check)
      })
      io = server
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
      return { port: (http.address() as AddressInfo).port }
    },
    async joinAll({ prefix, perSocket, spread, except }) {
      const skip = new Set(except)
      let i = 0
      const waits: Promise<void>[] = []
      for (const socket of sockets.values()) {
        if (skip.has(socket.id)) continue
        const rooms = Array.from({ length: perSocket }, (_, k) => `${prefix}${k}-${i % spread}`)
        const done = socket.join(rooms)
        if (done instanceof Promise) waits.push(done)
        i++
      }
      await Promise.all(waits)
      return { memberships: memberships() }
    },
    async joinOne({ room, except }) {
      const skip = new Set(except)
      const waits: Promise<void>[] = []
      for (const socket of sockets.values()) {
        if (skip.has(socket.id)) continue
        const done = socket.join(room)
        if (done instanceof Promise) waits.push(done)
      }
      await Promise.all(waits)
      return { members: io?.of('/').adapter.rooms.get(room)?.size ?? 0 }
    },
    async members({ room }) {
      return Promise.resolve(io?.of('/').adapter.rooms.get(room)?.size ?? 0)
    },
    async cpu() {
      const { user, system } = process.cpuUsage()
      return Promise.resolve({
        cpuUs: user + system,
        userUs: user,
        systemUs: system,
        monoUs: Number(process.hrtime.bigint() / 1000n),
      })
    },
    ...commonServerCommands(() => ({ io, guard })),
  },
  exitAfterStop,
)
