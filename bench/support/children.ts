// The child processes of a benchmark run: a watchdog that kills them when the run stalls, their
// orderly stop, and the top-level catch that kills them when the run fails.
import { mkdirSync } from 'node:fs'
import { createWatchdog, type Watchdog } from './watchdog.js'

/** What the run needs of a forked child (test/support/fork-peer.ts's Peer). */
export interface Child {
  readonly exited: Promise<unknown>
  kill(): void
}

/** A peer that takes the `stop` command (every benchmark child does). */
export interface StoppableChild extends Child {
  call(cmd: 'stop', params: null, timeoutMs?: number): Promise<unknown>
}

/**
 * The run's children and its watchdog: every phase reports progress; a phase that stalls for
 * `stallMs`, or a run over its time budget, kills the children this run started and exits.
 */
export function createChildWatchdog<T extends Child>(
  stallMs: number,
): {
  readonly children: Set<T>
  readonly watchdog: Watchdog
  readonly progress: Watchdog['progress']
} {
  const children = new Set<T>()
  const watchdog = createWatchdog({
    stallMs,
    onStop: () => {
      for (const child of children) child.kill()
    },
  })
  return { children, watchdog, progress: watchdog.progress }
}

/** Asks a server child to stop and waits for its exit; kills it in any case. */
export async function stopServerChild<T extends StoppableChild>(
  server: T,
  children: Set<T>,
): Promise<void> {
  try {
    await server.call('stop', null, 30_000)
    await server.exited
  } finally {
    server.kill()
    children.delete(server)
  }
}

/** Asks the client child to stop (a failure to answer is ignored) and waits for its exit. */
export async function stopClientChild<T extends StoppableChild>(
  client: T,
  children: Set<T>,
): Promise<void> {
  await client.call('stop', null).catch(() => null)
  await client.exited
  children.delete(client)
}

/** Runs the benchmark's main; on a failure, reports it, kills the children and exits 1. */
export async function runMain(main: () => Promise<void>, children: Set<Child>): Promise<void> {
  try {
    await main()
  } catch (error) {
    console.error(error)
    for (const child of children) child.kill()
    process.exit(1)
  }
}

/**
 * The Node flags that write a CPU profile into `profileDir` (created), or none without one. One
 * directory per child: Node writes a profile per thread (tsx's loader hooks run on one of their
 * own), so a fixed file name would let the threads overwrite each other.
 */
export function profileFlags(profileDir: URL | undefined): string[] {
  if (profileDir === undefined) return []
  mkdirSync(profileDir, { recursive: true })
  return ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', profileDir.pathname]
}

/** The Node flags of a server child: `--expose-gc` for the memory samples, and {@link profileFlags}. */
export function serverFlags(profileDir: URL | undefined): string[] {
  return ['--expose-gc', ...profileFlags(profileDir)]
}
