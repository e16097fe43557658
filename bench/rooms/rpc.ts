// Request/reply over the IPC channel of a forked child (test/support/fork-peer.ts, shared with
// the load tests and the other benchmarks).
export { forkPeer, serve, type Peer } from '../../test/support/fork-peer.js'
