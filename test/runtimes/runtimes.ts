// The runtime matrix: which runtimes run the guard suite (guard-suite.ts) and the runtime bench
// (bench/runtimes.ts), installed from the npm registry into a cache under .tmp/runtimes/, once
// per version, and reused by every later run. Each runtime is an npm package that ships it:
// `node` (its preinstall fetches node-<platform>-<arch>), `bun` (@oven/bun-<platform>) and `deno`
// (@deno/<platform>). Bun's Socket.IO engine, @socket.io/bun-engine, is installed beside Bun.
//
// Versions are pinned here so that a run is reproducible and the cache key is the version. The
// newest Node is the newest the npm `node` package had when the matrix was last updated; to
// bump, change NODE_LATEST (`npm view node version`) and the README's support table.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The repository root. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..')

/** Where the runtimes are installed, one folder per package and version. */
export const RUNTIMES_CACHE_DIR = path.join(REPO_ROOT, '.tmp', 'runtimes')

/** The lowest Node the package supports (package.json `engines`). */
export const NODE_LOWEST = '20.19.6'
/** The newest Node of the npm `node` package when the matrix was last updated. */
export const NODE_LATEST = '26.10.0'
export const BUN_VERSION = '1.4.5'
export const BUN_ENGINE_VERSION = '0.1.2'
export const DENO_VERSION = '2.9.6'

/** A runtime binary, installed from one npm package. */
export interface RuntimeInstall {
  readonly name: 'node' | 'bun' | 'deno'
  readonly version: string
  /** Other packages installed beside it. */
  readonly extra?: Readonly<Record<string, string>>
}

export const INSTALLS = {
  nodeLowest: { name: 'node', version: NODE_LOWEST },
  nodeLatest: { name: 'node', version: NODE_LATEST },
  bun: {
    name: 'bun',
    version: BUN_VERSION,
    extra: { '@socket.io/bun-engine': BUN_ENGINE_VERSION },
  },
  deno: { name: 'deno', version: DENO_VERSION },
} as const satisfies Record<string, RuntimeInstall>

/** An installed runtime. */
export interface InstalledRuntime {
  readonly install: RuntimeInstall
  /** The folder it is installed in. */
  readonly dir: string
  /** The executable. */
  readonly bin: string
}

/** A runtime that could not be installed; the message is one sentence saying what to do. */
export class RuntimeInstallError extends Error {
  override readonly name = 'RuntimeInstallError'
}

const folderOf = (install: RuntimeInstall): string =>
  path.join(RUNTIMES_CACHE_DIR, `${install.name}-${install.version}`)

/** The executable inside an install folder. */
function binaryIn(dir: string, name: RuntimeInstall['name']): string {
  const modules = path.join(dir, 'node_modules')
  if (name === 'node') return path.join(modules, 'node', 'bin', 'node')
  if (name === 'bun') return path.join(modules, 'bun', 'bin', 'bun.exe')
  // Deno's own binary when its platform package is there (the npm `bin` is a Node wrapper until
  // its postinstall replaces it), else the wrapper.
  const platform = `${process.platform}-${process.arch}` // linux-x64-glibc, darwin-arm64, ...
  for (const candidate of [`${platform}-glibc`, platform]) {
    const native = path.join(modules, '@deno', candidate, 'deno')
    if (existsSync(native)) return native
  }
  return path.join(modules, '.bin', 'deno')
}

/** `<bin> --version`, reduced to the version number. */
async function versionOf(bin: string): Promise<string> {
  const { stdout } = await run(bin, ['--version'], { timeout: 30_000 })
  return /(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? stdout.trim()
}

const pending = new Map<string, Promise<InstalledRuntime>>()

/**
 * The runtime, installed into .tmp/runtimes/<name>-<version>/ by `npm install` from the npm
 * registry on first use (a folder without its `.ready` marker is an interrupted install, redone).
 * @throws {RuntimeInstallError} when npm cannot install it or it does not run.
 */
export function ensureRuntime(install: RuntimeInstall): Promise<InstalledRuntime> {
  const dir = folderOf(install)
  let promise = pending.get(dir)
  if (promise === undefined) {
    promise = provision(install, dir)
    pending.set(dir, promise)
  }
  return promise
}

async function provision(install: RuntimeInstall, dir: string): Promise<InstalledRuntime> {
  const ready = path.join(dir, '.ready')
  const spec = `${install.name}@${install.version}`
  if (existsSync(ready)) return { install, dir, bin: binaryIn(dir, install.name) }
  await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true })
  const dependencies = { [install.name]: install.version, ...install.extra }
  // npm 11 runs no dependency's install script unless `allowScripts` names it; the `node`
  // package's preinstall is what fetches the binary, Bun's and Deno's put theirs in place.
  const manifest = {
    name: `sockguard-runtime-${install.name}`,
    private: true,
    dependencies,
    allowScripts: { node: true, bun: true, deno: true },
  }
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const hint = `install it by hand with \`npm install --prefix ${path.relative(REPO_ROOT, dir)} ${Object.entries(
    dependencies,
  )
    .map(([name, version]) => `${name}@${version}`)
    .join(' ')}\` (it needs the npm registry, registry.npmjs.org)`
  try {
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'],
      { cwd: dir, timeout: 240_000, env: { ...process.env, npm_config_ignore_scripts: 'false' } },
    )
  } catch (error) {
    const output = (error as { stderr?: string }).stderr ?? String(error)
    const lines = output.trim().split('\n')
    const reason =
      lines.find((line) => /^npm error (?!code|A complete log)/.test(line)) ?? lines.at(-1) ?? ''
    throw new RuntimeInstallError(
      `The runtime matrix needs ${spec}, and npm could not install it (${reason.trim().replace(/\.$/, '')}): ${hint}.`,
    )
  }
  // Looked up after the install: Deno's native binary is there only now.
  const bin = binaryIn(dir, install.name)
  let version: string
  try {
    version = await versionOf(bin)
  } catch (error) {
    throw new RuntimeInstallError(
      `The runtime matrix needs ${spec}, installed but not runnable (${(error as Error).message.split('\n')[0]}): ${hint}.`,
    )
  }
  if (version !== install.version) {
    throw new RuntimeInstallError(
      `The runtime matrix needs ${spec}, but ${bin} reports ${version}: remove ${path.relative(REPO_ROOT, dir)} and run again.`,
    )
  }
  await writeFile(ready, `${JSON.stringify({ spec, bin, version })}\n`)
  return { install, dir, bin }
}

/** The version of an installed package in the repository's node_modules. */
export async function repoPackageVersion(name: string): Promise<string> {
  const file = path.join(REPO_ROOT, 'node_modules', name, 'package.json')
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version
}

/**
 * An import map for Deno that takes Socket.IO, its client and sockguard's dependencies from
 * `npm:` specifiers (the versions the repository has), written into the Deno cache folder.
 */
export async function denoImportMap(deno: InstalledRuntime): Promise<string> {
  const names = ['socket.io', 'socket.io-client', 'cookie', 'rate-limiter-flexible']
  const imports: Record<string, string> = {}
  for (const name of names) imports[name] = `npm:${name}@${await repoPackageVersion(name)}`
  const file = path.join(deno.dir, 'import-map.json')
  await writeFile(file, `${JSON.stringify({ imports }, null, 2)}\n`)
  return file
}

/** Deno's module cache (npm: packages), kept with the runtime so that runs reuse it. */
export const denoDir = (deno: InstalledRuntime): string => path.join(deno.dir, 'deno-dir')

/** The entry of @socket.io/bun-engine installed beside Bun. */
export const bunEngineEntry = (bun: InstalledRuntime): string =>
  path.join(bun.dir, 'node_modules', '@socket.io', 'bun-engine', 'dist', 'index.js')

/** One row of the matrix: a runtime, the server engine under Socket.IO, and how modules load. */
export interface MatrixRow {
  readonly id: string
  /** For humans: the README's support table and the test names. */
  readonly label: string
  readonly install: RuntimeInstall
  /** `node-http`: node:http's server; `bun-engine`: Bun.serve through @socket.io/bun-engine. */
  readonly engine: 'node-http' | 'bun-engine'
  /** Deno only: `npm` takes packages from `npm:` specifiers, `node_modules` from the repository's. */
  readonly denoModules?: 'npm' | 'node_modules'
}

export const MATRIX: readonly MatrixRow[] = [
  {
    id: 'node-lowest',
    label: `Node ${NODE_LOWEST} (lowest supported)`,
    install: INSTALLS.nodeLowest,
    engine: 'node-http',
  },
  {
    id: 'node-latest',
    label: `Node ${NODE_LATEST} (newest)`,
    install: INSTALLS.nodeLatest,
    engine: 'node-http',
  },
  {
    id: 'bun-engine',
    label: `Bun ${BUN_VERSION} + @socket.io/bun-engine ${BUN_ENGINE_VERSION}`,
    install: INSTALLS.bun,
    engine: 'bun-engine',
  },
  {
    id: 'bun-node-http',
    label: `Bun ${BUN_VERSION} + node:http`,
    install: INSTALLS.bun,
    engine: 'node-http',
  },
  {
    id: 'deno-npm',
    label: `Deno ${DENO_VERSION} (npm: specifiers)`,
    install: INSTALLS.deno,
    engine: 'node-http',
    denoModules: 'npm',
  },
  {
    id: 'deno-node-modules',
    label: `Deno ${DENO_VERSION} (node_modules)`,
    install: INSTALLS.deno,
    engine: 'node-http',
    denoModules: 'node_modules',
  },
]

/** How to run a TypeScript `script` of the repository on a row's runtime. */
export interface RowCommand {
  readonly command: string
  readonly args: readonly string[]
  readonly env: Readonly<Record<string, string>>
}

/** The command that runs `script` (a path) with `args` on `row`'s runtime, installing it first. */
export async function commandFor(
  row: MatrixRow,
  script: string,
  args: readonly string[] = [],
): Promise<RowCommand> {
  const runtime = await ensureRuntime(row.install)
  const env: Record<string, string> = { SUITE_ENGINE: row.engine, NO_COLOR: '1' }
  if (row.install.name === 'node') {
    // Node strips TypeScript types natively from 22.18; 20.19 goes through tsx (a loader only).
    const major = Number(row.install.version.split('.')[0])
    const loader = major < 22 ? ['--import', 'tsx'] : ['--disable-warning=ExperimentalWarning']
    return { command: runtime.bin, args: [...loader, script, ...args], env }
  }
  if (row.install.name === 'bun') {
    env.BUN_ENGINE_ENTRY = bunEngineEntry(runtime)
    return { command: runtime.bin, args: [script, ...args], env }
  }
  env.DENO_DIR = denoDir(runtime)
  env.DENO_NO_UPDATE_CHECK = '1'
  const flags =
    row.denoModules === 'npm'
      ? ['--no-config', '--node-modules-dir=none', '--import-map', await denoImportMap(runtime)]
      : ['--no-lock']
  return { command: runtime.bin, args: ['run', '-A', ...flags, script, ...args], env }
}
