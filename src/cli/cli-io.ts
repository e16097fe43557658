// What a command may touch of the outside world, passed in so that tests run the CLI in process
// with their own streams, environment and clock.
import { readFile } from 'node:fs/promises'
import { UsageError } from './parse-args.js'

/** Somewhere text can be written (`process.stdout`, or a test's buffer). */
export interface TextSink {
  write(text: string): unknown
}

/** The world of one `run` of the CLI. */
export interface CliIo {
  /** Results: the token, the verified claims, help asked for. */
  readonly stdout: TextSink
  /** Errors, notes, and a generated public key. */
  readonly stderr: TextSink
  /** Environment variables, for `--secret-env`. */
  readonly env: Readonly<Record<string, string | undefined>>
  /** Read by `sockguard verify -`. */
  readonly stdin: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>
  /** Clock in ms since the epoch, for minting and verifying (a test seam). @defaultValue Date.now */
  readonly now?: () => number
}

// Far above any token the verifier accepts (8 KiB by default): reading stops here, and the
// verifier then refuses the input as too long.
const MAX_STDIN_BYTES = 1024 * 1024

/** Reads stdin as UTF-8, at most 1 MiB, without surrounding whitespace (`echo` adds a newline). */
export async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of io.stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk)
    chunks.push(bytes)
    size += bytes.length
    if (size > MAX_STDIN_BYTES) break
  }
  return Buffer.concat(chunks).toString('utf8').trim()
}

/**
 * Reads a file named by a flag.
 * @throws {UsageError} naming `flag` when the file cannot be read.
 */
export async function readFlagFile(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new UsageError(
      `${flag}: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`,
      flag,
    )
  }
}

/**
 * Reads the value of an environment variable named by `--secret-env`.
 * @throws {UsageError} when it is unset or empty.
 */
export function readEnvSecret(io: CliIo, name: string): string {
  const value = io.env[name]
  if (value === undefined || value === '') {
    throw new UsageError(
      `--secret-env: the environment variable ${name} is not set`,
      '--secret-env',
    )
  }
  return value
}
