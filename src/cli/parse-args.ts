// Flag parsing shared by the commands: node:util parseArgs in strict mode, its errors turned
// into usage errors that name the flag, and the duration syntax of `--ttl` and friends.

/**
 * A mistake in how the command was called (an unknown flag, a missing value, two key sources,
 * an option the verifier refuses): exit code 2 and a message naming the flag. The message never
 * holds a token or a secret.
 */
export class UsageError extends Error {
  /** The flag at fault (`--ttl`), when there is one. */
  readonly flag: string | undefined

  constructor(message: string, flag?: string) {
    super(message)
    this.name = 'UsageError'
    this.flag = flag
  }
}

/**
 * Runs a `parseArgs` call, turning its `ERR_PARSE_ARGS_*` errors into {@link UsageError}s.
 * Positional arguments are allowed by the caller's config and counted by the command, because
 * node's message for an unexpected one repeats it, and it could be a token.
 * @throws {UsageError} for an unknown flag or a flag without its value.
 */
export function parseOrUsage<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw error
    const message = (error as Error).message
    const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1]
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag !== undefined) {
      throw new UsageError(`unknown option ${flag}`, flag)
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag !== undefined) {
      // node says "argument missing" or "argument is ambiguous" (a value starting with `-`).
      throw new UsageError(
        `${flag} needs a value (write ${flag}=<value> when the value starts with "-")`,
        flag,
      )
    }
    throw new UsageError(message.split('. ')[0] ?? message, flag)
  }
}

/** True when `args` asks for help (`--help` or `-h` before a `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false
    if (arg === '--help' || arg === '-h') return true
  }
  return false
}

const DURATION = /^(\d{1,12})(s|m|h|d)?$/
const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const

/**
 * Reads a duration flag: whole seconds (`90`) or a number with a unit (`90s`, `5m`, `2h`, `1d`).
 * @returns the duration in seconds.
 * @throws {UsageError} naming `flag` when the text is not a duration from `min` to `max` seconds.
 */
export function parseDuration(text: string, flag: string, min: number, max: number): number {
  const match = DURATION.exec(text.trim())
  const seconds =
    match === null
      ? NaN
      : Number(match[1]) * UNIT_SECONDS[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd']
  if (!Number.isSafeInteger(seconds) || seconds < min || seconds > max) {
    throw new UsageError(
      `${flag} must be a duration from ${min} to ${max} seconds: a number of seconds, or a number with s, m, h or d (90s, 5m, 2h, 1d)`,
      flag,
    )
  }
  return seconds
}

/**
 * Reads a flag that may be repeated and may hold a comma-separated list (`--alg RS256,PS256`).
 * @returns the non-empty items (possibly none, which the verifier refuses by name), or
 * `undefined` when the flag was not given.
 */
export function listFlag(values: readonly string[] | undefined): string[] | undefined {
  if (values === undefined || values.length === 0) return undefined
  return values.flatMap((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  )
}
