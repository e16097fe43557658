// The package as users get it: built from src/ with tsconfig.build.json, packed by `npm pack`
// and installed by `npm install <tarball>` into a consumer folder. Built once per content of the
// package's inputs and cached under .tmp/packed-package/, so that every test of a run (and the
// next run, when nothing changed) shares one tarball. The repository's dist/ is never touched.
//
// The consumer folder sits inside the repository on purpose: what the tarball does not bring
// (the optional peers socket.io, socket.io-client, ioredis; typescript; @types/node) is found in
// the repository's node_modules by Node's and TypeScript's walk up the folders, as an app that
// installed them would find them in its own.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The repository root. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..')

/** Where packed builds are cached, one folder per content key. */
export const PACKED_CACHE_DIR = path.join(REPO_ROOT, '.tmp', 'packed-package')

/** Files and folders whose content makes the package (the cache key hashes them all). */
const INPUTS = [
  'package.json',
  'README.md',
  'LICENSE',
  'tsconfig.json',
  'tsconfig.build.json',
  'src',
  'docs',
]

/** What is copied next to the build before packing (what `files` and npm add may ship). */
const PACK_SOURCES = ['package.json', 'README.md', 'LICENSE', 'docs']

/** A packed and installed build of the package. */
export interface PackedPackage {
  /** The `.tgz` made by `npm pack`. */
  readonly tarball: string
  /** Paths in the tarball, without the leading `package/`, sorted. */
  readonly files: readonly string[]
  /** A folder whose node_modules holds the package installed from the tarball. */
  readonly consumerDir: string
  /** The installed package (`<consumerDir>/node_modules/sockguard`). */
  readonly installedDir: string
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort()
}

/** A hash of every input's path and content: a change anywhere makes a new build. */
async function contentKey(): Promise<string> {
  const hash = createHash('sha256')
  for (const input of INPUTS) {
    const full = path.join(REPO_ROOT, input)
    const files = !existsSync(full)
      ? []
      : statSync(full).isDirectory()
        ? await listFiles(full)
        : [full]
    for (const file of files) {
      hash.update(path.relative(REPO_ROOT, file)).update('\0')
      hash.update(await readFile(file)).update('\0')
    }
  }
  return hash.digest('hex').slice(0, 16)
}

async function build(staging: string): Promise<void> {
  const pkg = path.join(staging, 'pkg')
  await mkdir(pkg, { recursive: true })
  for (const source of PACK_SOURCES) {
    const from = path.join(REPO_ROOT, source)
    if (existsSync(from)) await cp(from, path.join(pkg, source), { recursive: true })
  }
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', `${pkg}/dist`], {
    cwd: REPO_ROOT,
  })
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', staging],
    { cwd: pkg },
  )
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }]
  const consumer = path.join(staging, 'consumer')
  await mkdir(consumer)
  await writeFile(
    path.join(consumer, 'package.json'),
    `${JSON.stringify({ name: 'sockguard-consumer', private: true }, null, 2)}\n`,
  )
  // From npm's cache when it can: the package's one dependency is already there after `npm ci`.
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--no-package-lock',
      path.join('..', packed.filename),
    ],
    { cwd: consumer },
  )
  await writeFile(
    path.join(staging, 'packed.json'),
    JSON.stringify({ filename: packed.filename, files: packed.files.map((f) => f.path).sort() }),
  )
  await rm(pkg, { recursive: true })
}

/** Removes the finished builds of other contents (staging folders, with a dot, are left alone). */
async function pruneOtherBuilds(keep: string): Promise<void> {
  for (const name of await readdir(PACKED_CACHE_DIR)) {
    if (name !== keep && /^[0-9a-f]{16}$/.test(name)) {
      await rm(path.join(PACKED_CACHE_DIR, name), { recursive: true, force: true })
    }
  }
}

let pending: Promise<PackedPackage> | undefined

/**
 * The package built, packed and installed: from the cache when its inputs have not changed.
 * Safe to call from several test files at once (each worker may build; the first to finish wins
 * and the others use its folder).
 */
export function packedPackage(): Promise<PackedPackage> {
  pending ??= (async () => {
    const dir = path.join(PACKED_CACHE_DIR, await contentKey())
    if (!existsSync(path.join(dir, 'packed.json'))) {
      const staging = `${dir}.${process.pid}-${randomBytes(4).toString('hex')}`
      await mkdir(staging, { recursive: true })
      try {
        await build(staging)
        await rename(staging, dir).catch((error: unknown) => {
          // Another worker finished first: its build is the same content.
          if (!existsSync(path.join(dir, 'packed.json'))) throw error
        })
        await pruneOtherBuilds(path.basename(dir))
      } finally {
        await rm(staging, { recursive: true, force: true })
      }
    }
    const packed = JSON.parse(await readFile(path.join(dir, 'packed.json'), 'utf8')) as {
      filename: string
      files: string[]
    }
    return {
      tarball: path.join(dir, packed.filename),
      files: packed.files,
      consumerDir: path.join(dir, 'consumer'),
      installedDir: path.join(dir, 'consumer', 'node_modules', 'sockguard'),
    }
  })()
  return pending
}
