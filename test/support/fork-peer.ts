// Request/reply over the IPC channel of a forked child: typed calls with a deadline on the parent
// side, a handler table on the child side. A child whose parent goes away exits at once. Shared by
// the load tests (test/load) and the benchmarks (bench/handshake/rpc.ts re-exports it): tests
// import nothing from bench/.
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

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

/** A table of commands, as in the benchmarks' ServerCommands and the load tests' FleetCommands. */
export type CommandMap<T> = { readonly [K in keyof T]: Command<unknown, unknown> }
type ParamsOf<T> = T extends Command<infer P, unknown> ? P : never
type ResultOf<T> = T extends Command<unknown, infer R> ? R : never

interface Request {
  readonly id: number
  readonly cmd: string
  readonly params: unknown
}

interface Reply {
  readonly id: number
  readonly ok: boolean
  readonly result?: unknown
  readonly error?: string
}

/** A forked child that answers the commands of `TCommands`. */
export interface Peer<TCommands extends CommandMap<TCommands>> {
  readonly name: string
  readonly pid: number | undefined
  /** Calls `cmd`; rejects when the child replies with an error, exits, or takes over `timeoutMs`. */
  call<K extends keyof TCommands & string>(
    cmd: K,
    params: ParamsOf<TCommands[K]>,
    timeoutMs?: number,
  ): Promise<ResultOf<TCommands[K]>>
  /** Resolves when the child has exited. */
  readonly exited: Promise<number | null>
  /** Kills this child (and only it) if it is still running. */
  kill(): void
}

/**
 * Forks `file` (TypeScript, through tsx) with the extra Node flags `nodeFlags`, pinned to CPU
 * `cpu` with taskset when one is given (the IPC channel survives the exec: Node passes it as an
 * inherited descriptor named in NODE_CHANNEL_FD).
 */
export function forkPeer<TCommands extends CommandMap<TCommands>>(
  name: string,
  file: URL,
  cwd: URL,
  nodeFlags: readonly string[] = [],
  cpu?: number,
): Peer<TCommands> {
  const execArgv = [...nodeFlags, '--import', 'tsx']
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc']
  const child: ChildProcess =
    cpu === undefined
      ? fork(file, [], { cwd, execArgv, stdio })
      : spawn('taskset', ['-c', String(cpu), process.execPath, ...execArgv, fileURLToPath(file)], {
          cwd,
          stdio,
        })
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  const failAll = (error: Error): void => {
    for (const { reject } of pending.values()) reject(error)
    pending.clear()
  }
  child.on('message', (message: Reply) => {
    const waiter = pending.get(message.id)
    if (waiter === undefined) return
    pending.delete(message.id)
    if (message.ok) waiter.resolve(message.result)
    else waiter.reject(new Error(`${name}: ${message.error ?? 'failed'}`))
  })
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      failAll(new Error(`${name} exited (code ${String(code)})`))
      resolve(code)
    })
  })
  return {
    name,
    pid: child.pid,
    exited,
    call(cmd, params, timeoutMs = 120_000) {
      const id = nextId++
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`${name}: "${cmd}" took over ${timeoutMs / 1000}s`))
        }, timeoutMs)
        pending.set(id, {
          resolve: (value) => {
            clearTimeout(timer)
            resolve(value as ResultOf<TCommands[typeof cmd]>)
          },
          reject: (error) => {
            clearTimeout(timer)
            reject(error)
          },
        })
        child.send({ id, cmd, params } satisfies Request)
      })
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    },
  }
}

/** The handlers of a child: one async function per command. */
export type Handlers<TCommands extends CommandMap<TCommands>> = {
  readonly [K in keyof TCommands]: (
    params: ParamsOf<TCommands[K]>,
  ) => Promise<ResultOf<TCommands[K]>>
}

/**
 * Serves `handlers` on this child's IPC channel. `after(cmd)` runs once a reply has been sent
 * (the `stop` commands exit there).
 */
export function serve<TCommands extends CommandMap<TCommands>>(
  handlers: Handlers<TCommands>,
  after: (cmd: string) => void = () => undefined,
): void {
  const send = process.send?.bind(process)
  if (send === undefined) throw new Error('run this file as a forked child (forkPeer)')
  // Orphaned (the parent crashed or was killed): nothing is left to report to.
  process.on('disconnect', () => process.exit(1))
  process.on('message', (message: Request) => {
    const handler = (handlers as Readonly<Record<string, unknown>>)[message.cmd] as
      ((params: unknown) => Promise<unknown>) | undefined
    const reply = (body: Omit<Reply, 'id'>): void => {
      send({ id: message.id, ...body } satisfies Reply, () => {
        after(message.cmd)
      })
    }
    if (handler === undefined) {
      reply({ ok: false, error: `unknown command ${message.cmd}` })
      return
    }
    handler(message.params).then(
      (result) => {
        reply({ ok: true, result: result ?? null })
      },
      (error: unknown) => {
        reply({ ok: false, error: error instanceof Error ? error.message : String(error) })
      },
    )
  })
}
