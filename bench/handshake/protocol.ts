// What the handshake benchmark's three processes say to each other over the IPC channel of
// child_process.fork: the setups, and the typed commands of the server and client children.
import type { Command } from '../support/command.js'
import type { MemorySample } from '../support/server-child.js'

/** The algorithms the benchmark signs and verifies with. */
export const ALGS = ['HS256', 'RS256', 'ES256'] as const
export type Alg = (typeof ALGS)[number]

/**
 * The server setups compared in the handshake phases; `plain` is the baseline, `floor` the least a
 * correct check can do by hand with node:crypto, `fast-jwt` a minimal middleware on its verifier.
 */
export const SETUPS = ['plain', 'floor', 'fast-jwt', 'seed', 'thream', 'sockguard'] as const
export type Setup = (typeof SETUPS)[number]

/** What the server child can run: the handshake setups, and sockguard with an event policy. */
export type ServerSetup = Setup | 'sockguard+policy'

/** The event-throughput cases, the server setup each runs on, and the baseline first. */
export const EVENT_CASES = [
  { name: 'unguarded', setup: 'plain' },
  { name: 'sockguard, no policy', setup: 'sockguard' },
  { name: 'sockguard + authorizeEvents', setup: 'sockguard+policy' },
] as const satisfies readonly { name: string; setup: ServerSetup }[]
export type EventCase = (typeof EVENT_CASES)[number]['name']

/** The scope the event policy requires, and every benchmark token grants. */
export const SCOPE = 'chat'

/**
 * The HS256 secret: a string, as the seed uses it (`'SECRET_KEY'` there; sockguard refuses a
 * secret that short, so every setup gets this 48-character one).
 */
export const HS256_SECRET = 'SECRET_KEY-sockguard-handshake-bench-0123456789ab'

/** Heap and off-heap memory of the server process, after forced GCs. */
export type { MemorySample }

/** Server CPU (process.cpuUsage) and wall time from `arm` to the expected `connection`. */
export interface CpuSample {
  readonly userUs: number
  readonly systemUs: number
  readonly wallMs: number
  /** The timed window on the monotonic clock in µs (a --cpu-prof profile's time base). */
  readonly windowUs: readonly [number, number]
}

/** Commands of bench/handshake/server.ts. */
export interface ServerCommands {
  /** Creates the Socket.IO server for a setup on 127.0.0.1:0; `key` is the secret or SPKI PEM. */
  start: Command<
    {
      setup: ServerSetup
      alg: Alg
      key: string
      events: boolean
      /** URL of the sockguard entry point to import (src through tsx, or a tsc build). */
      sockguard: string
    },
    { port: number; setup: ServerSetup }
  >
  /** Starts counting `connection` events and reads the CPU clock. */
  arm: Command<{ expect: number }, null>
  /** Resolves once `expect` sockets have connected since `arm`: the CPU and wall time used. */
  reached: Command<null, CpuSample>
  /** Resolves once no Engine.IO connection is left. */
  drained: Command<null, null>
  /** Waits `settleMs`, forces GC until the heap stops shrinking, reads memoryUsage(). */
  memory: Command<{ settleMs: number }, MemorySample>
  /** process.cpuUsage(), user + system, in µs. */
  cpu: Command<null, number>
  /** Writes a V8 heap snapshot to `path` (diagnostics). */
  heapSnapshot: Command<{ path: string }, null>
  /** Closes the server; the process exits right after replying. */
  stop: Command<null, null>
}

/** How a client presents its token: the seed's query, @thream's Bearer auth, or plain auth. */
export type TokenTransport = 'none' | 'query' | 'auth-bearer' | 'auth'

export const TRANSPORT_OF: Readonly<Record<ServerSetup, TokenTransport>> = {
  plain: 'none',
  floor: 'auth',
  'fast-jwt': 'auth',
  seed: 'query',
  thream: 'auth-bearer',
  sockguard: 'auth',
  'sockguard+policy': 'auth',
}

/** Commands of bench/handshake/client.ts. */
export interface ClientCommands {
  /** Mints `count` distinct tokens for `alg` with the private key (or secret) `key`. */
  prepare: Command<{ alg: Alg; key: string; count: number }, { ms: number }>
  /** Checks that a valid token connects and bad ones are refused; returns what was checked. */
  sanity: Command<{ url: string; setup: ServerSetup; alg: Alg }, string[]>
  /**
   * Connects tokens `from` .. `from + count - 1` with at most `concurrency` handshakes in flight,
   * and keeps them open in `group`; `ms` runs from the first connect to the last `connect`.
   */
  connect: Command<
    {
      group: string
      url: string
      setup: ServerSetup
      alg: Alg
      from: number
      count: number
      concurrency: number
    },
    { ms: number }
  >
  /** Closes every socket of `group`. */
  disconnect: Command<{ group: string }, null>
  /**
   * Each socket of `group` emits `ping` with an ack, `inflight` at a time, until `total` acks
   * came back in all; an ack other than the echo (a denial) fails the run.
   */
  events: Command<
    { group: string; total: number; inflight: number },
    { ms: number; events: number }
  >
  /** Exits. */
  stop: Command<null, null>
}
