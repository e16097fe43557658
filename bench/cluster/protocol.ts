// What the cluster benchmark's processes say to each other over the IPC channel of
// child_process.fork: the node setups, and the typed commands of the node and client children.
import type { Command } from '../support/command.js'

/** The algorithms the benchmark signs and verifies with. */
export const ALGS = ['HS256', 'ES256'] as const
export type Alg = (typeof ALGS)[number]

/** Plain Socket.IO (no auth, the baseline) or sockguard (`guard.attach(io)` + a policy). */
export type NodeSetup = 'plain' | 'sockguard'

/** The scope the `message` policy requires, and every benchmark token grants. */
export const SCOPE = 'chat'

/** The HS256 secret (48 characters; made up, not a credential of anything). */
export const HS256_SECRET = 'sockguard-cluster-bench-secret-0123456789abcdefgh'

/** The path of a node's revocation endpoint: `POST /revoke?sub=<sub>`, 204 once revoked. */
export const REVOKE_PATH = '/revoke'

/** The response header with the duration of `guard.revoke()` inside the node, in ms. */
export const REVOKE_TIME_HEADER = 'x-revoke-ms'

/** How a node is started. */
export interface NodeConfig {
  readonly setup: NodeSetup
  readonly alg: Alg
  /** The HS256 secret or the SPKI PEM of the ES256 key. */
  readonly key: string
  /** The verified-token cache (`cache: { max: 20000 }` on the verifier), sockguard only. */
  readonly cache: boolean
  /** Joins the other nodes through the Redis adapter, with a Redis revocation store. */
  readonly redis: { readonly url: string; readonly prefix: string } | null
  /** Port on 127.0.0.1; 0 for an ephemeral one (a restarted node takes its predecessor's). */
  readonly port: number
  /** URL of the sockguard entry point to import (a tsc build of src/, or src/ through tsx). */
  readonly sockguard: string
  /** URL of the sockguard/redis entry point beside it. */
  readonly sockguardRedis: string
}

/** Commands of bench/cluster/node.ts. */
export interface NodeCommands {
  /** Creates the HTTP + Socket.IO server; resolves once it listens. */
  start: Command<NodeConfig, { port: number }>
  /** Resolves with the number of nodes the adapter sees, once it is `expect` (or rejects). */
  peers: Command<{ expect: number; timeoutMs: number }, number>
  /** process.cpuUsage(), user + system, in µs. */
  cpu: Command<null, number>
  /** Engine.IO connections open now. */
  connections: Command<null, number>
  /** `io.disconnectSockets(true)`: every client told `io server disconnect`, connections closed. */
  disconnectAll: Command<null, null>
  /** Resolves once no Engine.IO connection is left. */
  drained: Command<{ timeoutMs: number }, null>
  /** Closes the guard, the server and the Redis clients; the process exits right after. */
  stop: Command<null, null>
}

/** Where a revoked user is connected, and which node is asked to revoke it. */
export interface RevocationTarget {
  readonly group: string
  /** Index of the user's socket in its group. */
  readonly index: number
  /** The user's `sub`. */
  readonly sub: string
  /** Base URL of the node that calls `guard.revoke({ sub })`. */
  readonly revokeAt: string
}

/** One revocation as the client process saw it, on its own monotonic clock. */
export interface RevocationSample {
  /** HTTP request to the revoking node sent → `unauthorized` received on the other node. */
  readonly latencyMs: number
  /** The same request → its 204 (the whole `guard.revoke()` call on the revoking node). */
  readonly callMs: number
  /** `guard.revoke()` alone, timed inside the revoking node. */
  readonly revokeMs: number
  /** The same request → the socket's `disconnect`. */
  readonly disconnectMs: number
  /** `code` of the first `unauthorized`. */
  readonly code: string
  /** The `disconnect` reason. */
  readonly reason: string
  /** `unauthorized` events the socket received before its disconnect. */
  readonly notices: number
}

/** Commands of bench/cluster/client.ts. */
export interface ClientCommands {
  /** Mints tokens 0 .. count-1 for `alg` (`sub` `user-<i>`, distinct `jti`, 1 h, scope chat). */
  prepare: Command<{ alg: Alg; key: string; count: number }, { ms: number }>
  /**
   * Connects tokens `from` .. `from + count - 1` of `alg` to `url` (WebSocket only, no automatic
   * reconnection), `concurrency` in flight, into `group`; any refusal fails the command.
   */
  connect: Command<
    { group: string; url: string; alg: Alg; from: number; count: number; concurrency: number },
    { ms: number }
  >
  /**
   * The refusal code of token `index` of `alg` at `url` (with one signature bit flipped when
   * `tamper`), or 'connected'.
   */
  probe: Command<{ url: string; alg: Alg; index: number; tamper?: boolean }, string>
  /** Sockets of `group` that are connected now. */
  connected: Command<{ group: string }, number>
  /** Resolves once every socket of `group` is disconnected (rejects after `timeoutMs`). */
  awaitDisconnected: Command<{ group: string; timeoutMs: number }, { ms: number }>
  /**
   * Reconnects every socket of `group` with its own token, `concurrency` handshakes in flight;
   * `ms` from the first `connect()` to the last `connect` event, and this process's CPU (user +
   * system, µs) meanwhile. Any refusal fails the command.
   */
  reconnect: Command<{ group: string; concurrency: number }, { ms: number; cpuUs: number }>
  /** Revokes each target in turn through its node's endpoint and times it. */
  revoke: Command<{ targets: readonly RevocationTarget[]; timeoutMs: number }, RevocationSample[]>
  /**
   * The socket `sender` of group `senderGroup` emits `messages` acknowledged `message` events,
   * `window` unacknowledged at most; resolves once every socket of `receivers` got all of them.
   * `ms` runs from the first emit to the last delivery; `cpuUs` is this process's CPU meanwhile.
   */
  broadcast: Command<
    {
      senderGroup: string
      sender: number
      receivers: readonly string[]
      messages: number
      window: number
      timeoutMs: number
    },
    { ms: number; deliveries: number; cpuUs: number }
  >
  /** Closes every socket of `group` and forgets it. */
  disconnect: Command<{ group: string }, null>
  /** Exits. */
  stop: Command<null, null>
}
