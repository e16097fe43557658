// The server child of bench/handshake.ts: one Socket.IO server with one auth setup on
// 127.0.0.1:0, measuring its own CPU (process.cpuUsage) and memory (after forced GC), so the
// client process's work is never counted. Run with --expose-gc.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { writeHeapSnapshot } from 'node:v8'
import { Server } from 'socket.io'
import type { Guard } from '../../src/index.js'
import type { CpuSample, ServerCommands } from './protocol.js'
import { serve } from './rpc.js'
import { exitAfterStop } from '../support/exit-after-stop.js'
import { commonServerCommands, requireExposedGc } from '../support/server-child.js'
import { install, type Sockguard } from './setups.js'

requireExposedGc()

let io: Server | undefined
let guard: Guard | undefined
let connections = 0
let armed: { expect: number; cpu: NodeJS.CpuUsage; wall: bigint } | undefined
let reached: CpuSample | undefined
let onReached: (() => void) | undefined

const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system

serve<ServerCommands>(
  {
    async start({ setup, alg, key, events, sockguard }) {
      const sg = (await import(sockguard)) as Sockguard
      const http = createServer()
      const server = new Server(http)
      guard = install(sg, server, setup, alg, key)
      server.on('connection', (socket) => {
        connections++
        if (events) {
          socket.on('ping', (n: unknown, ack: unknown) => {
            if (typeof ack === 'function') (ack as (value: unknown) => void)(n)
          })
        }
        if (armed !== undefined && connections === armed.expect) {
          const { user, system } = process.cpuUsage(armed.cpu)
          const end = process.hrtime.bigint()
          reached = {
            userUs: user,
            systemUs: system,
            wallMs: Number(end - armed.wall) / 1e6,
            windowUs: [Number(armed.wall / 1000n), Number(end / 1000n)],
          }
          armed = undefined
          onReached?.()
        }
      })
      io = server
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
      return { port: (http.address() as AddressInfo).port, setup }
    },
    async arm({ expect }) {
      if (io === undefined) throw new Error('not started')
      connections = 0
      reached = undefined
      armed = { expect, cpu: process.cpuUsage(), wall: process.hrtime.bigint() }
      return Promise.resolve(null)
    },
    async reached() {
      if (reached === undefined) await new Promise<void>((resolve) => (onReached = resolve))
      onReached = undefined
      if (reached === undefined) throw new Error('reached without a sample')
      return reached
    },
    async cpu() {
      return Promise.resolve(cpuMicros(process.cpuUsage()))
    },
    async heapSnapshot({ path }) {
      writeHeapSnapshot(path)
      return Promise.resolve(null)
    },
    ...commonServerCommands(() => ({ io, guard })),
  },
  exitAfterStop,
)
