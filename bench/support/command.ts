// The typed request/response pairs that bench/handshake/rpc.ts carries between a benchmark and
// its child processes; each benchmark's protocol.ts names its commands with this.

/**
 * A command: its parameters and its result.
 *
 * @example
 * interface Commands {
 *   stop: Command<null, null>
 * }
 */
export interface Command<TParams, TResult> {
  readonly params: TParams
  readonly result: TResult
}
