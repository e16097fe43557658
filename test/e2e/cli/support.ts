// Helpers for the CLI tests: run `sockguard` in process with captured streams, an injected clock
// and stdin, a temporary directory that removes itself, and the public JWK a generated key prints.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'
import { AUTH_EXIT_CODES } from '../../../src/cli/exit-codes.js'
import { run } from '../../../src/cli/run.js'
import type { AuthErrorCode } from '../../../src/errors.js'

/** What one run of the CLI left behind. */
export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** How a run sees the world. */
export interface CliWorld {
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Text on stdin. @defaultValue empty */
  readonly stdin?: string
  /** The clock, in ms since the epoch. @defaultValue Date.now */
  readonly now?: () => number
}

/** A 48-byte secret (long enough for HS256 and HS384), fresh for each test file. */
export const SECRET = Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64')

/** Runs `sockguard ...argv` in process. */
export async function cli(argv: readonly string[], world: CliWorld = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const code = await run(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: world.env ?? {},
    stdin: world.stdin === undefined ? [] : [world.stdin],
    ...(world.now === undefined ? {} : { now: world.now }),
  })
  return { code, stdout, stderr }
}

/** Mints a token in process and returns it (the run must succeed). */
export async function mint(argv: readonly string[], world: CliWorld = {}): Promise<string> {
  const result = await cli(['token', ...argv], world)
  expect(result.stderr === '' || result.stderr.includes('Public key (JWK):')).toBe(true)
  expect(result.code).toBe(0)
  return result.stdout.trim()
}

/**
 * Checks that a verification failed with `code`: its exit code, `error: <code>` on stderr, nothing
 * on stdout, and no trace of the token in the output.
 */
export function expectRefused(result: CliResult, code: AuthErrorCode, token: string): string {
  expect(result.stdout).toBe('')
  expect(result.stderr).toMatch(new RegExp(`^(note: .*\\n)?error: ${code}\\b`))
  expect(result.code).toBe(AUTH_EXIT_CODES[code])
  if (token !== '') {
    for (const part of token.split('.').filter((p) => p.length >= 8)) {
      expect(result.stderr).not.toContain(part)
    }
  }
  return result.stderr
}

/** The single-line public JWK a `sockguard token` without a key prints after "Public key (JWK):". */
export function printedJwk(stderr: string): Record<string, unknown> {
  const lines = stderr.split('\n')
  const line = lines[lines.indexOf('Public key (JWK):') + 1]
  return JSON.parse(line ?? '') as Record<string, unknown>
}

/** A temporary directory, removed on dispose. */
export interface TempDir extends AsyncDisposable {
  readonly path: string
  /** Writes `text` to `name` in the directory and returns its path. */
  write(name: string, text: string | Uint8Array): Promise<string>
}

/** Creates a temporary directory for key files. */
export async function tempDir(): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), 'sockguard-cli-'))
  return {
    path,
    async write(name, text) {
      const file = join(path, name)
      await writeFile(file, text, { mode: 0o600 })
      return file
    },
    [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }),
  }
}
