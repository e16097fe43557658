// The `--sockguard build|src|<path>` option of the benchmarks: its check, the entry point the
// server children import, the line of the results that says what ran, and the tsc build.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildSockguard } from './build-sockguard.js'
import { requireOpenFiles } from './open-file-limit.js'
import { sourceState } from './source-state.js'

/** Throws unless `mode` is "build", "src" or the path of an existing file. */
export function checkSockguardOption(mode: string): void {
  if (mode !== 'build' && mode !== 'src' && !existsSync(resolve(mode)))
    throw new Error('--sockguard must be "build", "src" or the path of a sockguard entry point')
}

/** The sockguard entry point the server children import. */
export function sockguardModule(mode: string, root: URL, buildDir: URL): string {
  if (mode === 'build') return new URL('index.js', buildDir).href
  if (mode === 'src') return new URL('src/index.ts', root).href
  return pathToFileURL(resolve(mode)).href
}

/** What `mode` ran, for the results; `buildName` is the build directory's name under .tmp/. */
export function describeSockguard(
  mode: string,
  buildName: string,
  srcNote = 'esbuild with keepNames',
): string {
  if (mode === 'build')
    return `src/ compiled with tsc (tsconfig.build.json) into .tmp/${buildName}, as published`
  if (mode === 'src') return `src/ run through tsx (${srcNote})`
  return `the entry point ${mode} (not src/ as committed)`
}

/** Compiles src/ into `buildDir` when `mode` is "build". */
export function prepareSockguard(
  mode: string,
  root: URL,
  buildDir: URL,
  progress: (phase: string) => void,
): void {
  if (mode !== 'build') return
  progress('tsc build of src/')
  buildSockguard(root, buildDir)
}

/** What a run records of its start: the command line, `ulimit -n`, the clock and the source. */
export interface RunStart {
  readonly command: string
  readonly fdLimit: string
  readonly started: number
  readonly source: string
}

/**
 * The common start of a run that forks sockguard servers: checks `ulimit -n` for `sockets`, starts
 * the watchdog, reads the source state and builds src/ for `--sockguard build`.
 */
export function startRun(
  script: string,
  options: {
    readonly memorySockets: number
    readonly maxMinutes: number
    readonly sockguard: string
  },
  dirs: { readonly root: URL; readonly buildDir: URL },
  watchdog: {
    readonly start: (maxMinutes?: number) => void
    readonly progress: (what: string) => void
  },
): RunStart {
  const command = [`npx tsx ${script}`, ...process.argv.slice(2)].join(' ')
  // Each process holds one descriptor per idle socket, plus a few hundred of its own.
  const fdLimit = requireOpenFiles(options.memorySockets)
  watchdog.start(options.maxMinutes)
  const started = Date.now()
  const source = sourceState(dirs.root)
  prepareSockguard(options.sockguard, dirs.root, dirs.buildDir, watchdog.progress)
  return { command, fdLimit, started, source }
}
