// The runtime matrix (issue 15, part 3): the guard suite (guard-suite.ts) run by each runtime of
// MATRIX (runtimes.ts) against the package as packed, each runtime installed from the npm registry
// into .tmp/runtimes/ on first use. One test per case and row; a case the suite skips is reported
// skipped with its reason, never dropped. A runtime that cannot be installed fails its row with
// one sentence saying what to install.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { packedPackage } from '../support/packed-package.js'
import { CASES } from './guard-suite.js'
import { MATRIX, REPO_ROOT, commandFor, type MatrixRow } from './runtimes.js'

const SUITE = path.join(REPO_ROOT, 'test', 'runtimes', 'guard-suite.ts')

interface CaseResult {
  readonly case: string
  readonly status: 'pass' | 'fail' | 'skip'
  readonly ms: number
  readonly error?: string
  readonly note?: string
}

interface RowResult {
  readonly header: { runtime: string; version: string; engine: string } | undefined
  readonly cases: ReadonlyMap<string, CaseResult>
  readonly exitCode: number | null
  readonly stderr: string
}

/** Spawns the suite on a row's runtime and collects its JSON lines. */
async function runRow(row: MatrixRow, entry: string): Promise<RowResult> {
  const { command, args, env } = await commandFor(row, SUITE)
  return new Promise<RowResult>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, SOCKGUARD_ENTRY: entry },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('error', reject)
    child.on('close', (exitCode) => {
      clearTimeout(timer)
      const cases = new Map<string, CaseResult>()
      let header: RowResult['header']
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue
        const parsed = JSON.parse(line) as Record<string, unknown>
        if ('runtime' in parsed) header = parsed as unknown as RowResult['header']
        else {
          const outcome = parsed as unknown as CaseResult
          cases.set(outcome.case, outcome)
        }
      }
      resolve({ header, cases, exitCode, stderr })
    })
  })
}

// Every row starts at once (the machine's cores run them side by side; the suite's timing margins
// allow for it); each row's tests wait for their own.
const rows = new Map<string, Promise<RowResult>>()
beforeAll(async () => {
  const { installedDir } = await packedPackage()
  const entry = path.join(installedDir, 'dist', 'index.js')
  for (const row of MATRIX) {
    const result = runRow(row, entry)
    result.catch(() => undefined) // reported by the row's tests
    rows.set(row.id, result)
  }
}, 300_000)

describe.each(MATRIX.map((row) => [row.label, row] as const))('%s', (_label, row) => {
  let result: RowResult
  beforeAll(async () => {
    result = await rows.get(row.id)!
  }, 300_000)

  it('runs the runtime and version installed', () => {
    expect(result.header, `no output from the suite; stderr:\n${result.stderr}`).toEqual({
      runtime: row.install.name,
      version: row.install.version,
      engine: row.engine,
    })
  })

  it.for(CASES)('%s', (name, context) => {
    const outcome = result.cases.get(name)
    if (outcome === undefined) {
      throw new Error(
        `the suite did not report this case (exit ${String(result.exitCode)}); stderr:\n${result.stderr.slice(-2_000)}`,
      )
    }
    if (outcome.status === 'skip') {
      context.skip(outcome.note)
      return
    }
    expect(outcome.error, outcome.error).toBeUndefined()
    expect(outcome.status).toBe('pass')
  })
})
