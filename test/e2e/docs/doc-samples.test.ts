// Every code sample of the README and docs/ that claims to run is type-checked in strict mode
// against the package as packed, with each TypeScript the project supports; samples marked
// `<!-- sample: skip reason -->` say why they are not (the code a guide replaces).
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { allSamples, type DocSample } from './doc-samples.js'
import { linkPackedPackage } from './link-packed-package.js'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..', '..', '..')
const work = join(root, '.tmp', 'doc-samples')
const samples = allSamples(root)
const checked = samples.filter((s) => s.mode !== 'skip')

/** The file name a sample is written to: one module per sample, named after where it stands. */
const fileOf = (sample: DocSample): string =>
  `${sample.file.replace(/[/.]/g, '_')}_${sample.line}.${sample.lang.startsWith('j') ? 'js' : 'ts'}`

const COMPILERS = [
  { name: 'TypeScript 6', bin: join(root, 'node_modules', 'typescript', 'bin', 'tsc') },
  { name: 'TypeScript 5.9', bin: join(root, 'node_modules', 'typescript-5.9', 'bin', 'tsc') },
]

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(join(work, 'samples'), { recursive: true })
  // The packed package, installed where the samples resolve `sockguard`; the other packages a
  // sample imports (socket.io, express, ioredis) resolve from the repository's node_modules.
  await linkPackedPackage(work)
  copyFileSync(join(import.meta.dirname, 'sample-globals.d.ts'), join(work, 'sample-globals.d.ts'))
  for (const sample of checked) {
    // A sample without imports is a script to TypeScript; `export {}` makes each its own module.
    writeFileSync(join(work, 'samples', fileOf(sample)), `${sample.code}\nexport {}\n`)
  }
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023', 'DOM'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
        strict: true,
        allowJs: true,
        checkJs: true,
        skipLibCheck: true,
        noEmit: true,
        // Nest's decorators (docs/nestjs.md) as a Nest app compiles them; no other sample has any.
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
      include: ['sample-globals.d.ts', 'samples'],
    }),
  )
}, 120_000)

describe('doc samples', () => {
  it('every code block is checked, or says why not', () => {
    const unexplained = samples.filter((s) => s.mode === 'skip' && s.note === '')
    expect(unexplained.map((s) => s.id)).toEqual([])
    expect(checked.length).toBeGreaterThan(15)
  })

  for (const compiler of COMPILERS) {
    it(`type-check in strict mode with ${compiler.name}`, async () => {
      expect(existsSync(compiler.bin), `${compiler.bin} is installed`).toBe(true)
      const result = await run(process.execPath, [compiler.bin, '-p', work], { cwd: work }).then(
        () => '',
        (err: unknown) => (err as { stdout?: string }).stdout ?? (err as Error).message,
      )
      // Name each failing sample by its place in the docs rather than its temporary file.
      const byDoc = result.replace(/samples\/(\S+?)_(\d+)\.(ts|js)/g, (_, f: string, l: string) => {
        const sample = checked.find((s) => fileOf(s).startsWith(`${f}_${l}.`))
        return sample?.id ?? `${f}:${l}`
      })
      expect(byDoc).toBe('')
    }, 120_000)
  }
})
