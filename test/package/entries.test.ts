// The package as shipped works where users are: every entry type-checks under each module
// resolution people use (node10 as in NestJS's default tsconfig, node16, nodenext, bundler), with
// TypeScript 6 and 5.9 (the four settings of one compiler at once), and `require()` of every
// entry works from CommonJS (Node >= 20.19). The packed README and docs link only to files the
// tarball holds.
import { execFile } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { deadLinks } from '../../scripts/check-packed-links.js'
import { REPO_ROOT, packedPackage, type PackedPackage } from '../support/packed-package.js'

const run = promisify(execFile)

/** Every entry, the file its types come from, and a value it exports. */
const ENTRIES = [
  ['sockguard', 'dist/index.d.ts', 'createVerifier'],
  ['sockguard/client', 'dist/client/index.d.ts', 'connect'],
  ['sockguard/express', 'dist/express/index.d.ts', 'requireAuth'],
  ['sockguard/fastify', 'dist/fastify/index.d.ts', 'sockguardPlugin'],
  ['sockguard/nestjs', 'dist/nestjs/index.d.ts', 'SockguardIoAdapter'],
  ['sockguard/redis', 'dist/redis/index.d.ts', 'createRedisRevocationStore'],
  ['sockguard/socketio-jwt', 'dist/compat/socketio-jwt.d.ts', 'authorize'],
] as const

/** A consumer using every entry; the ts-expect-error lines fail if a type degrades to `any`. */
const CONSUMER = `import { createVerifier, createGuard, type AuthError } from 'sockguard'
import { connect, io } from 'sockguard/client'
import { requireAuth, requireScope } from 'sockguard/express'
import { createRedisRateLimiter, createRedisRevocationStore } from 'sockguard/redis'
import socketioJwt, { authorize } from 'sockguard/socketio-jwt'

export const verifier = createVerifier({ secret: 'x'.repeat(32), algorithms: ['HS256'] })
export const guard = createGuard({ verifier })
export const middleware = requireAuth({ verifier })
export const used = [connect, io, requireScope, createRedisRateLimiter, createRedisRevocationStore]
export const compat = [authorize, socketioJwt.authorize]
export const code: AuthError['code'] = 'token_expired'
// @ts-expect-error HMAC algorithms only with a secret
createVerifier({ secret: 'x'.repeat(32), algorithms: ['RS256'] })
// @ts-expect-error not an error code
export const wrong: AuthError['code'] = 'no_such_code'
// @ts-expect-error requireScope takes a scope name
requireScope(42)
`

interface Mode {
  readonly name: string
  readonly options: Record<string, unknown>
  /** The consumer's file names: .ts takes the mode's module kind, .mts is ESM, .cts CommonJS. */
  readonly files: readonly string[]
}

const MODES: readonly Mode[] = [
  // NestJS's default tsconfig: CommonJS output, the old resolution (no `exports`).
  { name: 'node10', options: { module: 'commonjs', moduleResolution: 'node' }, files: ['a.ts'] },
  { name: 'node16', options: { module: 'node16', moduleResolution: 'node16' }, files: ['a.mts'] },
  // nodenext also type-checks require(esm) from a CommonJS file (TypeScript >= 5.8).
  {
    name: 'nodenext',
    options: { module: 'nodenext', moduleResolution: 'nodenext' },
    files: ['a.mts', 'b.cts'],
  },
  {
    name: 'bundler',
    options: { module: 'esnext', moduleResolution: 'bundler' },
    files: ['a.ts'],
  },
]

const COMPILERS = [
  { name: 'TypeScript 6', pkg: 'typescript', major: 6 },
  { name: 'TypeScript 5.9', pkg: 'typescript-5.9', major: 5 },
] as const

let packed: PackedPackage

beforeAll(async () => {
  packed = await packedPackage()
}, 120_000)

describe('the packed package', () => {
  it('ships dist, docs and LICENSE, and no sources or tests', () => {
    expect(packed.files).toContain('LICENSE')
    expect(packed.files).toContain('README.md')
    expect(packed.files).toContain('docs/guard.md')
    for (const [, types] of ENTRIES) expect(packed.files).toContain(types)
    expect(packed.files.filter((file) => /^(src|test|bench|scripts|\.ci)\//.test(file))).toEqual([])
  })

  it('its README and docs link only to files it contains', () => {
    expect(deadLinks(packed.installedDir)).toEqual([])
  })

  it('require() of every entry works from CommonJS (require(esm), Node >= 20.19)', async () => {
    const script = path.join(packed.consumerDir, 'require-entries.cjs')
    await writeFile(
      script,
      `const entries = ${JSON.stringify(ENTRIES.map(([name, , value]) => [name, value]))}
for (const [name, value] of entries) {
  const loaded = require(name)
  if (typeof loaded[value] !== 'function') throw new Error(name + ' has no function ' + value)
}
console.log('ok ' + entries.length)
`,
    )
    const { stdout } = await run(process.execPath, ['--no-warnings', script], {
      cwd: packed.consumerDir,
    })
    expect(stdout.trim()).toBe(`ok ${ENTRIES.length}`)
  })

  describe.each(COMPILERS)('$name', ({ pkg, major }) => {
    it.concurrent.each(MODES)(
      'type-checks every entry under moduleResolution $name',
      async (mode) => {
        const dir = path.join(packed.consumerDir, 'checks', `${pkg}-${mode.name}`)
        await rm(dir, { recursive: true, force: true })
        await mkdir(dir, { recursive: true })
        for (const file of mode.files) await writeFile(path.join(dir, file), CONSUMER)
        const compilerOptions = {
          ...mode.options,
          target: 'es2022',
          strict: true,
          esModuleInterop: true,
          // As in most apps (NestJS's default included): checking @types/node and socket.io's
          // declarations under 8 settings would take minutes. Our entries' types are still
          // resolved and used; the ts-expect-error lines fail if any of them degrades to \`any\`.
          skipLibCheck: true,
          types: ['node'],
          noEmit: true,
          // TypeScript 6 deprecates node10 resolution; projects that keep it say so.
          ...(major === 6 && mode.name === 'node10' ? { ignoreDeprecations: '6.0' } : {}),
        }
        await writeFile(
          path.join(dir, 'tsconfig.json'),
          JSON.stringify({ compilerOptions, files: mode.files }, null, 2),
        )
        const tsc = path.join(REPO_ROOT, 'node_modules', pkg, 'bin', 'tsc')
        const result = await run(process.execPath, [tsc, '-p', dir, '--pretty', 'false']).then(
          () => '',
          (error: unknown) => {
            const failed = error as { stdout?: string; stderr?: string; message: string }
            return `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message
          },
        )
        expect(result).toBe('')
      },
    )
  })
})
