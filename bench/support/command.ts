// The typed request/response pairs that bench/handshake/rpc.ts carries between a benchmark and
// its child processes; each benchmark's protocol.ts names its commands with this. Defined beside
// the IPC layer in test/support/fork-peer.ts, which the load tests share.
export type { Command } from '../../test/support/fork-peer.js'
