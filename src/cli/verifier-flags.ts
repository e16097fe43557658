// The flags of `sockguard verify` and how they become createVerifier options: key files read,
// durations in ms, and the verifier's InvalidOptionError told back in terms of the flag typed.
import { parseArgs } from 'node:util'
import type { InvalidOptionError } from '../errors.js'
import { readEnvSecret, readFlagFile, type CliIo } from './cli-io.js'
import { UsageError, listFlag, parseDuration, parseOrUsage } from './parse-args.js'

const OPTIONS = {
  secret: { type: 'string' },
  'secret-env': { type: 'string' },
  'public-key': { type: 'string' },
  jwks: { type: 'string' },
  'jwks-uri': { type: 'string' },
  'issuer-url': { type: 'string' },
  alg: { type: 'string', multiple: true },
  iss: { type: 'string', multiple: true },
  aud: { type: 'string', multiple: true },
  sub: { type: 'string' },
  typ: { type: 'string' },
  require: { type: 'string', multiple: true },
  'clock-tolerance': { type: 'string' },
  'max-age': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const KEY_FLAGS = [
  'secret',
  'secret-env',
  'public-key',
  'jwks',
  'jwks-uri',
  'issuer-url',
] as const satisfies readonly (keyof typeof OPTIONS)[]

/** The flag behind each createVerifier option, to name it in a usage error. */
const OPTION_FLAGS: Readonly<Record<string, string>> = {
  options: '--secret, --public-key, --jwks, --jwks-uri or --issuer-url',
  secret: '--secret',
  publicKey: '--public-key',
  jwks: '--jwks',
  jwksUri: '--jwks-uri',
  issuerUrl: '--issuer-url',
  algorithms: '--alg',
  issuer: '--iss',
  audience: '--aud',
  subject: '--sub',
  typ: '--typ',
  requiredClaims: '--require',
  clockToleranceMs: '--clock-tolerance',
  maxTokenAgeMs: '--max-age',
  timeoutMs: '--timeout',
}

const TEN_YEARS = 10 * 365 * 86_400

/** The parsed flags of `sockguard verify`. */
export type VerifyFlags = ReturnType<typeof parseVerifyArgs>['values']

/**
 * Parses the arguments of `sockguard verify`.
 * @throws {UsageError} for an unknown flag or a flag without its value.
 */
export function parseVerifyArgs(args: readonly string[]) {
  return parseOrUsage(() =>
    parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true }),
  )
}

/** An InvalidOptionError from createVerifier, told in terms of the flag the user typed. */
export function usageFromOption(error: InvalidOptionError, secretFlag: string): UsageError {
  const root = /^[A-Za-z]+/.exec(error.option)?.[0] ?? error.option
  const flag = root === 'secret' ? secretFlag : (OPTION_FLAGS[root] ?? `--${root}`)
  const rest = error.option.slice(root.length).replace(/^\./, '')
  const prefix = `sockguard: invalid option \`${error.option}\`: `
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message
  // The verifier names its options (`jwksUri`); the user typed flags.
  const reason = message.replace(/`([A-Za-z]+)`/g, (text, name: string) =>
    name === 'options' ? text : (OPTION_FLAGS[name] ?? text),
  )
  return new UsageError(`${flag}${rest === '' ? '' : ` (${rest})`}: ${reason}`, flag)
}

function parseJsonFile(text: string, flag: string, path: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new UsageError(`${flag}: ${path} is not JSON`, flag)
  }
}

/** createVerifier options built from flags, and what an error explanation needs of them. */
export interface VerifierFlags {
  readonly options: Record<string, unknown>
  readonly keyFlag: string
  readonly keyLocation: string | undefined
  readonly algorithms: readonly string[] | undefined
  readonly note: string | undefined
}

/**
 * Builds createVerifier options from the flags (reading key files and `--secret-env`). The
 * verifier validates them; only what it cannot see (flag combinations, durations) is checked here.
 * @throws {UsageError} naming the flag.
 */
export async function verifierFlags(values: VerifyFlags, io: CliIo): Promise<VerifierFlags> {
  const given = KEY_FLAGS.filter((name) => values[name] !== undefined)
  if (given.length === 0) {
    throw new UsageError(
      'a key is needed: --secret, --secret-env, --public-key, --jwks, --jwks-uri or --issuer-url',
    )
  }
  if (given.length > 1) {
    throw new UsageError(
      `give only one key: ${given.map((f) => `--${f}`).join(', ')}`,
      `--${given[1]}`,
    )
  }
  const keyName = given[0] as (typeof KEY_FLAGS)[number]
  const keyFlag = `--${keyName}`
  const location = values[keyName] as string
  const options: Record<string, unknown> = {}
  let algorithms = listFlag(values.alg)
  let note: string | undefined
  let keyLocation: string | undefined = location

  switch (keyName) {
    case 'secret':
    case 'secret-env': {
      options.secret = keyName === 'secret' ? location : readEnvSecret(io, location)
      keyLocation = keyName === 'secret' ? undefined : `(${location})`
      if (algorithms === undefined) {
        // The verifier has no default algorithm; HS256 alone is the narrowest guess, and it is
        // what `sockguard token --secret` signs with. Said aloud so nobody relies on it silently.
        algorithms = ['HS256']
        note = 'note: no --alg given; accepting HS256 only\n'
      }
      break
    }
    case 'public-key': {
      const text = await readFlagFile(location, keyFlag)
      options.publicKey = text.trimStart().startsWith('{')
        ? parseJsonFile(text, keyFlag, location)
        : text
      if (
        typeof options.publicKey === 'object' &&
        options.publicKey !== null &&
        'keys' in options.publicKey
      ) {
        throw new UsageError(`${keyFlag}: ${location} is a JWK set; use --jwks`, keyFlag)
      }
      break
    }
    case 'jwks':
      options.jwks = parseJsonFile(await readFlagFile(location, keyFlag), keyFlag, location)
      break
    case 'jwks-uri':
      options.jwksUri = location
      break
    case 'issuer-url':
      options.issuerUrl = location
      break
  }
  if (algorithms !== undefined) options.algorithms = algorithms

  const issuer = listFlag(values.iss)
  if (issuer !== undefined) options.issuer = issuer
  const audience = listFlag(values.aud)
  if (audience !== undefined) options.audience = audience
  if (values.sub !== undefined) options.subject = values.sub
  if (values.typ !== undefined) options.typ = values.typ
  if (values.require !== undefined) options.requiredClaims = listFlag(values.require)
  if (values['clock-tolerance'] !== undefined) {
    options.clockToleranceMs =
      parseDuration(values['clock-tolerance'], '--clock-tolerance', 0, 60) * 1000
  }
  if (values['max-age'] !== undefined) {
    options.maxTokenAgeMs = parseDuration(values['max-age'], '--max-age', 1, TEN_YEARS) * 1000
  }
  if (values.timeout !== undefined) {
    if (keyName !== 'jwks-uri' && keyName !== 'issuer-url') {
      throw new UsageError('--timeout applies only to --jwks-uri and --issuer-url', '--timeout')
    }
    options.timeoutMs = parseDuration(values.timeout, '--timeout', 1, 30) * 1000
  }
  return { options, keyFlag, keyLocation, algorithms, note }
}
