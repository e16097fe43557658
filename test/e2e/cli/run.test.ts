// The top level of `sockguard`: help, version, unknown commands, and an internal error (exit 1).
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { EXIT_INTERNAL } from '../../../src/cli/exit-codes.js'
import { MAIN_HELP, TOKEN_HELP, VERIFY_HELP } from '../../../src/cli/help.js'
import { run } from '../../../src/cli/run.js'
import { SECRET, cli } from './support.js'

describe('sockguard (no command)', () => {
  it('prints the main help to stderr and exits 2 without a command', async () => {
    expect(await cli([])).toEqual({ code: 2, stdout: '', stderr: MAIN_HELP })
  })

  it.each([['--help'], ['-h'], ['help']])('prints the main help for %s', async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: MAIN_HELP, stderr: '' })
  })

  it('prints a command help for `help <command>`', async () => {
    expect((await cli(['help', 'token'])).stdout).toBe(TOKEN_HELP)
    expect((await cli(['help', 'verify'])).stdout).toBe(VERIFY_HELP)
  })

  it('prints the package version', async () => {
    const pkg = JSON.parse(
      await readFile(new URL('../../../package.json', import.meta.url), 'utf8'),
    ) as { version: string }
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' })
  })

  it('refuses unknown commands and options with exit 2', async () => {
    const command = await cli(['sign'])
    expect(command).toMatchObject({ code: 2, stdout: '' })
    expect(command.stderr).toContain('unknown command "sign"')
    const option = await cli(['--verbose', 'token'])
    expect(option).toMatchObject({ code: 2, stdout: '' })
    expect(option.stderr).toContain('unknown option --verbose')
  })

  it('reports an unexpected failure as an internal error, exit 1', async () => {
    let stderr = ''
    const code = await run(['token', '--secret', SECRET], {
      stdout: {
        write: () => {
          throw new Error('EPIPE: the reader went away')
        },
      },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      stdin: [],
    })
    expect(code).toBe(EXIT_INTERNAL)
    expect(stderr).toMatch(/^sockguard token: internal error, please report it:\nError: EPIPE/)
  })
})
