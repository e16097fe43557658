// Helpers of the load tests: a fleet of socket.io-client sockets in a child process (so that the
// server's heap and event loop, in the test process, carry none of the clients' work), heap
// samples after forced GC, and bounded waits. Imports nothing from vitest: the fleet child reads
// its types from here.
import { setTimeout as sleep } from 'node:timers/promises'
import { forkPeer, type Command, type Peer } from '../support/fork-peer.js'

/** What became of one connection attempt, and what a connected socket saw afterwards. */
export interface ClientRecord {
  /** `'connected'` (`connect` came), else the refusal's `err.data.code` (or its message). */
  readonly outcome: string
  /** ms from `io()` to `connect` or `connect_error`. */
  readonly connectMs: number
  /** Date.now() when `unauthorized` arrived, or null. */
  readonly unauthorizedAt: number | null
  /** `code` of that `unauthorized`, or null. */
  readonly unauthorizedCode: string | null
  /** The `disconnect` reason, or null while connected (or never connected). */
  readonly disconnectReason: string | null
}

/** Counts of a group. */
export interface GroupStatus {
  readonly total: number
  readonly connected: number
  /** Refusals at the handshake, by code. */
  readonly refused: Readonly<Record<string, number>>
  /** `unauthorized` events received, by code. */
  readonly unauthorized: Readonly<Record<string, number>>
  /** Sockets that were connected and are not any more. */
  readonly disconnected: number
}

/** Commands of test/load/clients.ts. */
export interface FleetCommands {
  /**
   * Opens one WebSocket-only socket per token (in `auth.token`) to `url`, `concurrency`
   * handshakes at a time, and keeps them in `group` (added to what it holds). Refusals are
   * counted, not thrown.
   */
  connect: Command<
    {
      group: string
      url: string
      tokens: readonly string[]
      concurrency: number
      timeoutMs?: number
    },
    GroupStatus & { readonly ms: number; readonly maxConnectMs: number }
  >
  /** The counts of `group`. */
  status: Command<{ group: string }, GroupStatus>
  /** Every record of `group`, in token order. */
  records: Command<{ group: string }, readonly ClientRecord[]>
  /**
   * Resolves once `count` sockets of `group` received `unauthorized` and were disconnected, or
   * after `timeoutMs`; the status either way.
   */
  awaitUnauthorized: Command<{ group: string; count: number; timeoutMs: number }, GroupStatus>
  /** Closes every socket of `group` from the client side and forgets the group. */
  disconnect: Command<{ group: string }, null>
  /** Exits. */
  stop: Command<null, null>
}

const ROOT = new URL('../../', import.meta.url)

/** The client child, as an async-disposable resource. */
export interface Fleet extends AsyncDisposable {
  readonly peer: Peer<FleetCommands>
  close(): Promise<void>
}

/** Forks test/load/clients.ts (through tsx). */
export function startFleet(): Fleet {
  const peer = forkPeer<FleetCommands>('fleet', new URL('./clients.ts', import.meta.url), ROOT)
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    await peer.call('stop', null, 10_000).catch(() => null)
    // A child that does not exit in time is killed (this one, by its own handle).
    await Promise.race([peer.exited, sleep(5_000)])
    peer.kill()
  }
  return { peer, close, [Symbol.asyncDispose]: close }
}

/** Polls `check` every 20 ms until it returns true; rejects after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(20)
  }
}

/**
 * heapUsed of this process after forced GCs, repeated until it stops shrinking (at most eight
 * passes): objects with finalizers or weak references need more than one pass to go.
 */
export async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('run the load tests with --expose-gc (npm run test:load)')
  let last = Infinity
  for (let pass = 0; pass < 8; pass++) {
    gc()
    // Lets close callbacks and timers queued by the previous pass run before the next one.
    await sleep(50)
    const { heapUsed } = process.memoryUsage()
    if (heapUsed >= last - 64 * 1024) return Math.min(heapUsed, last)
    last = heapUsed
  }
  return last
}

/** `count` values formatted as MiB with one decimal. */
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`
