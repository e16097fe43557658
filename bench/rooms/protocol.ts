// What the room benchmark's three processes say to each other over the IPC channel of
// child_process.fork: the server setups, and the typed commands of the server and client children.
import type { Command } from '../support/command.js'
import type { MemorySample } from '../support/server-child.js'

/**
 * The server setups, each a fresh server process per round:
 * - `guarded`: a guard with `rooms.policy` `{ 'team:{name}': requireScope('chat') }`; the rooms
 *   used are `team:*` (matched by the policy). Clients join with `room:join`.
 * - `plain`: the same guard and policy; the rooms used are `open:*` (no pattern matches them:
 *   unlisted, the app's own business). Only server-side joins (a client cannot `room:join` them).
 * - `hand`: a guard without `rooms`, and a hand-written
 *   `socket.on('join', (room, ack) => { if (check(claims, room)) socket.join(room); ack(...) })`
 *   with the same check (`team:{name}` and `requireScope('chat')`).
 */
export const SETUPS = ['guarded', 'plain', 'hand'] as const
export type Setup = (typeof SETUPS)[number]

/** The prefix of the rooms a setup uses: matched by the policy (`team:`) or not (`open:`). */
export const PREFIX: Readonly<Record<Setup, string>> = {
  guarded: 'team:',
  plain: 'open:',
  hand: 'team:',
}

/** The scope the room rule requires, and every benchmark token but the unscoped one grants. */
export const SCOPE = 'chat'

/** The HS256 secret shared by the client (signing) and server (verifying) children. */
export const HS256_SECRET = 'SECRET_KEY-sockguard-rooms-bench-0123456789abcdef'

/** Heap and off-heap memory of the server process, after forced GCs. */
export type { MemorySample }

/** Commands of bench/rooms/server.ts. */
export interface ServerCommands {
  /** Creates the Socket.IO server for a setup on 127.0.0.1:0. */
  start: Command<{ setup: Setup; key: string; sockguard: string }, { port: number }>
  /**
   * Joins every connected socket (but those named in `except`) to `perSocket` rooms, server-side
   * (`socket.join`): socket i (in connection order) joins `<prefix><k>-<i % spread>` for k <
   * perSocket. Returns the memberships counted in the adapter afterwards (all rooms but own ids).
   */
  joinAll: Command<
    { prefix: string; perSocket: number; spread: number; except: readonly string[] },
    { memberships: number }
  >
  /** Joins every connected socket but those in `except` to one room `room` (server-side). */
  joinOne: Command<{ room: string; except: readonly string[] }, { members: number }>
  /** The members of `room` in the adapter. */
  members: Command<{ room: string }, number>
  /** process.cpuUsage(), user + system, in µs, and the monotonic clock in µs. */
  cpu: Command<null, { cpuUs: number; userUs: number; systemUs: number; monoUs: number }>
  /** Resolves once no Engine.IO connection is left. */
  drained: Command<null, null>
  /** Waits `settleMs`, forces GC until the heap stops shrinking, reads memoryUsage(). */
  memory: Command<{ settleMs: number }, MemorySample>
  /** Closes the server; the process exits right after replying. */
  stop: Command<null, null>
}

/** Commands of bench/rooms/client.ts. */
export interface ClientCommands {
  /** Mints `count` distinct HS256 tokens with scope `chat`, and one without it. */
  prepare: Command<{ key: string; count: number }, { ms: number }>
  /** Checks that joins are allowed and denied as the setup says; returns what was checked. */
  sanity: Command<{ url: string; setup: Setup; token: number }, string[]>
  /** Connects tokens `from` .. `from + count - 1`, `concurrency` in flight, into `group`. */
  connect: Command<
    { group: string; url: string; from: number; count: number; concurrency: number },
    { ms: number; ids: string[] }
  >
  /** Closes every socket of `group`. */
  disconnect: Command<{ group: string }, null>
  /**
   * Each socket of `group` sends `event` for rooms `<prefix><k>` (k < perSocket), `inflight` at
   * a time per socket, and waits for every ack; an ack other than `{ ok: true }` fails the run.
   * `room:join` / `room:leave` send `{ room }`, the hand-written `join` / `leave` the name.
   */
  rooms: Command<
    { group: string; event: string; prefix: string; perSocket: number; inflight: number },
    { ms: number; requests: number }
  >
  /**
   * The first socket of `publisher` sends `publish` (room, payload) with an ack, `inflight` in
   * flight, `messages` times; resolves when every socket of `members` has received all of them
   * (as `msg`, in order). Deliveries/s from the first publish to the last delivery.
   */
  broadcast: Command<
    {
      publisher: string
      members: string
      room: string
      messages: number
      inflight: number
      payloadBytes: number
    },
    { ms: number; deliveries: number }
  >
  /** Exits. */
  stop: Command<null, null>
}
