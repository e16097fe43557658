// What the server children of the benchmarks share: the forced-GC memory sample, and the
// commands every one of them answers alike (drained, memory, stop). Run them with --expose-gc.
import { setTimeout as sleep } from 'node:timers/promises'
import type { Server } from 'socket.io'
import type { Guard } from '../../src/index.js'

/** Heap and off-heap memory of the server process, after forced GCs. */
export interface MemorySample {
  readonly heapUsed: number
  readonly external: number
  readonly rss: number
  /** Engine.IO connections open when the sample was taken. */
  readonly clients: number
}

const gc = (globalThis as { gc?: () => void }).gc

/** Throws unless the process runs with --expose-gc. */
export function requireExposedGc(): void {
  if (gc === undefined) throw new Error('the server child needs --expose-gc')
}

/** Forces GC until heapUsed stops shrinking (at most 6 passes), then samples. */
export async function sampleMemory(
  settleMs: number,
  io: Server | undefined,
): Promise<MemorySample> {
  await sleep(settleMs)
  let last = Infinity
  for (let pass = 0; pass < 6; pass++) {
    gc?.()
    await sleep(20)
    const { heapUsed } = process.memoryUsage()
    if (heapUsed >= last - 1024) break
    last = heapUsed
  }
  const { heapUsed, external, rss } = process.memoryUsage()
  return { heapUsed, external, rss, clients: io?.engine.clientsCount ?? 0 }
}

/** The server child's current Socket.IO server and guard (none before `start`). */
export interface ServerState {
  readonly io: Server | undefined
  readonly guard: Guard | undefined
}

/** The `drained`, `memory` and `stop` commands, on the state `current` returns when called. */
export function commonServerCommands(current: () => ServerState) {
  return {
    async drained(): Promise<null> {
      while ((current().io?.engine.clientsCount ?? 0) > 0) await sleep(10)
      return null
    },
    async memory({ settleMs }: { settleMs: number }): Promise<MemorySample> {
      return sampleMemory(settleMs, current().io)
    },
    async stop(): Promise<null> {
      const { io, guard } = current()
      await guard?.close()
      io?.disconnectSockets(true)
      await io?.close()
      return null
    },
  }
}
