// The `sockguard` command as a function: arguments and a world in, an exit code out. main.ts
// binds it to the process; tests call it in process.
import { readFile } from 'node:fs/promises'
import type { CliIo } from './cli-io.js'
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from './exit-codes.js'
import { MAIN_HELP, TOKEN_HELP, VERIFY_HELP } from './help.js'
import { mintToken } from './mint-token.js'
import { UsageError } from './parse-args.js'
import { verifyCommand } from './verify-command.js'

const COMMANDS: Readonly<
  Record<string, { run: (args: readonly string[], io: CliIo) => Promise<number>; help: string }>
> = {
  token: { run: mintToken, help: TOKEN_HELP },
  verify: { run: verifyCommand, help: VERIFY_HELP },
}

async function version(): Promise<string> {
  // Two levels up from both src/cli and dist/cli.
  const text = await readFile(new URL('../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

/**
 * Runs `sockguard` with `argv` (without the node and script paths).
 * @returns the exit code: 0 ok, 1 internal error, 2 usage error, 10 and up one per
 * refused token's error code (see `AUTH_EXIT_CODES`).
 *
 * @example
 * process.exitCode = await run(process.argv.slice(2), { stdout, stderr, env, stdin })
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined) {
    io.stderr.write(MAIN_HELP)
    return EXIT_USAGE
  }
  if (name === '--help' || name === '-h') {
    io.stdout.write(MAIN_HELP)
    return EXIT_OK
  }
  if (name === 'help') {
    const topic = args[0] === undefined ? undefined : COMMANDS[args[0]]
    io.stdout.write(topic?.help ?? MAIN_HELP)
    return EXIT_OK
  }
  if (name === '--version') {
    io.stdout.write(`${await version()}\n`)
    return EXIT_OK
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command === undefined) {
    const what = name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`
    io.stderr.write(`sockguard: ${what}\nRun "sockguard --help" for usage.\n`)
    return EXIT_USAGE
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(
        `sockguard ${name}: ${error.message}\nRun "sockguard ${name} --help" for usage.\n`,
      )
      return EXIT_USAGE
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error)
    io.stderr.write(`sockguard ${name}: internal error, please report it:\n${detail}\n`)
    return EXIT_INTERNAL
  }
}
