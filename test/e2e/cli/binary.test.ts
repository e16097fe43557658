// The real executable: `node --import tsx src/cli/main.ts`, spawned with pipes, as a shell would
// run it. A few cases only (each spawn costs a Node start-up); the in-process tests do the rest.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { AUTH_EXIT_CODES } from '../../../src/cli/exit-codes.js'
import { SECRET, printedJwk, tempDir, type CliResult } from './support.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function sockguard(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: 'pipe',
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdin.end(options.input ?? '')
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      resolve({ code: code ?? -1, stdout, stderr })
    })
  })
}

describe('the sockguard executable', () => {
  it('prints help with --help (exit 0) and without a command (stderr, exit 2)', async () => {
    const [help, bare] = await Promise.all([sockguard(['--help']), sockguard([])])
    expect(help).toMatchObject({ code: 0, stderr: '' })
    expect(help.stdout).toMatch(/^Usage: sockguard <command>/)
    expect(bare).toMatchObject({ code: 2, stdout: '' })
    expect(bare.stderr).toBe(help.stdout)
  })

  it('mints with a secret from the environment, and verifies the token piped in', async () => {
    const env = { JWT_SECRET: SECRET }
    const minted = await sockguard(
      ['token', '--secret-env', 'JWT_SECRET', '--sub', 'alice', '--scope', 'chat admin'],
      { env },
    )
    expect(minted).toMatchObject({ code: 0, stderr: '' })
    const token = minted.stdout.trim()
    expect(minted.stdout).toBe(`${token}\n`)
    expect(token.split('.')).toHaveLength(3)

    const verified = await sockguard(
      ['verify', '--secret-env', 'JWT_SECRET', '--alg', 'HS256', '-'],
      { env, input: `${token}\n` },
    )
    expect(verified.stderr).toBe('')
    expect(verified.code).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({
      header: { alg: 'HS256' },
      claims: { sub: 'alice', scope: 'chat admin' },
    })
  })

  it('round-trips a generated ES256 key through its printed JWK', async () => {
    await using dir = await tempDir()
    const minted = await sockguard(['token', '--sub', 'bob'])
    expect(minted.code).toBe(0)
    const file = await dir.write('key.json', JSON.stringify(printedJwk(minted.stderr)))
    const verified = await sockguard(['verify', '--public-key', file, minted.stdout.trim()])
    expect(verified.code).toBe(0)
    expect(JSON.parse(verified.stdout)).toMatchObject({ claims: { sub: 'bob' } })
  })

  it('exits with the code of a refusal, and keeps the token out of stderr', async () => {
    const minted = await sockguard(['token', '--secret', SECRET, '--nbf', '1h'])
    const token = minted.stdout.trim()
    const result = await sockguard(['verify', '--secret', SECRET, '--alg', 'HS256', token])
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/^error: token_not_active \(claim: nbf\)\nThe token is not valid/)
    expect(result.code).toBe(AUTH_EXIT_CODES.token_not_active)
    for (const part of token.split('.')) expect(result.stderr).not.toContain(part)
  })

  it('exits 2 on an unknown flag', async () => {
    const result = await sockguard(['verify', '--secret', SECRET, '--frobnicate', 'x'])
    expect(result).toMatchObject({ code: 2, stdout: '' })
    expect(result.stderr).toContain('unknown option --frobnicate')
  })
})
