// Request/reply over the IPC channel of a forked child. The implementation is shared with the load
// tests and lives in test/support/fork-peer.ts (tests import nothing from bench/).
export {
  forkPeer,
  serve,
  type CommandMap,
  type Handlers,
  type Peer,
} from '../../test/support/fork-peer.js'
