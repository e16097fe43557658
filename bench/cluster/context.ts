// What bench/cluster.ts hands to each of its phases: the options, the client child, and a way to
// start node children that the run's watchdog knows about.
import type { Peer } from '../handshake/rpc.js'
import type { Alg, ClientCommands, NodeCommands, NodeConfig } from './protocol.js'

/** The phases, in the order they run. */
export const PHASES = ['revocation', 'broadcast', 'reconnect'] as const
export type Phase = (typeof PHASES)[number]

/** The benchmark's options (see the flags at the top of bench/cluster.ts). */
export interface Options {
  readonly phases: readonly Phase[]
  readonly redisUrl: string
  readonly revocations: number
  readonly revocationWarmup: number
  readonly bystanders: number
  readonly broadcastClients: number
  readonly messages: number
  readonly warmupMessages: number
  readonly window: number
  /** Turns plain and sockguard take per round in the broadcast phase. */
  readonly slices: number
  readonly rounds: number
  readonly reconnectClients: number
  readonly reconnectRounds: number
  readonly algs: readonly Alg[]
  readonly concurrency: number
  /** 'build', 'src', or the path of another build's entry point. */
  readonly sockguard: string
  readonly pin: boolean
  /** `--cpu-prof` on every node, into .tmp/cluster-profiles/<node>-<n>/. */
  readonly profile: boolean
  /** A markdown file appended to the results as their "Notes" (an analysis of this run). */
  readonly notes: string | undefined
  readonly maxMinutes: number
  readonly out: string
}

/** A running node child. */
export interface NodeHandle {
  readonly name: string
  readonly peer: Peer<NodeCommands>
  readonly port: number
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Stops the node gracefully (its clients are told `io server disconnect`) and reaps it. */
  stop(): Promise<void>
}

/** A key pair per algorithm: the client signs with `signing`, nodes verify with `verifying`. */
export interface KeyPair {
  readonly signing: string
  readonly verifying: string
}

/** What a phase gets. */
export interface BenchContext {
  readonly options: Options
  readonly client: Peer<ClientCommands>
  readonly keys: ReadonlyMap<Alg, KeyPair>
  /** Forks a node child (on CPU 0 when pinning, or on `cpu`) and starts its server. */
  startNode(
    name: string,
    config: Omit<NodeConfig, 'sockguard' | 'sockguardRedis'>,
    cpu?: number,
  ): Promise<NodeHandle>
  /** Records what the run is doing (the watchdog's progress mark). */
  progress(what: string): void
  /** A key prefix for Redis that no other run uses. */
  prefix(): string
  /** Deletes every Redis key under `prefix`. */
  cleanRedis(prefix: string): Promise<void>
}
