// `sockguard token`: mints a signed JWT for development, with a secret, a private key file, or a
// key pair generated on the spot whose public half is printed for the verifier's configuration.
import { createPrivateKey, createSecretKey, randomUUID, type KeyObject } from 'node:crypto'
import { parseArgs } from 'node:util'
import { ALGORITHMS, algorithmSpec, isHmacAlgorithm, type Algorithm } from '../jws/algorithms.js'
import { readEnvSecret, readFlagFile, type CliIo } from './cli-io.js'
import { EXIT_OK } from './exit-codes.js'
import { TOKEN_HELP } from './help.js'
import { UsageError, parseDuration, parseOrUsage, wantsHelp } from './parse-args.js'
import {
  defaultAlgorithm,
  generateSigningKey,
  keyMismatch,
  publicJwk,
  signJws,
} from './sign-jws.js'

const OPTIONS = {
  secret: { type: 'string' },
  'secret-env': { type: 'string' },
  key: { type: 'string' },
  alg: { type: 'string' },
  kid: { type: 'string' },
  typ: { type: 'string' },
  sub: { type: 'string' },
  scope: { type: 'string', multiple: true },
  ttl: { type: 'string' },
  nbf: { type: 'string' },
  aud: { type: 'string', multiple: true },
  iss: { type: 'string' },
  jti: { type: 'string' },
  claim: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const

/** Claims with a flag of their own: `--claim` may not set them, so two values never compete. */
const FLAG_CLAIMS: Readonly<Record<string, string>> = {
  sub: '--sub',
  scope: '--scope',
  aud: '--aud',
  iss: '--iss',
  jti: '--jti',
  exp: '--ttl',
  nbf: '--nbf',
  iat: '--ttl',
}

const TEN_YEARS = 10 * 365 * 86_400
const DEFAULT_TTL = '5m'
const DEFAULT_SUB = 'dev-user'

type Values = ReturnType<typeof parseTokenArgs>['values']

function parseTokenArgs(args: readonly string[]) {
  return parseOrUsage(() =>
    parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true }),
  )
}

function nonEmpty(value: string | undefined, flag: string): string | undefined {
  if (value === '') throw new UsageError(`${flag} must not be empty`, flag)
  return value
}

function parseAlgorithm(value: string | undefined): Algorithm | undefined {
  if (value === undefined) return undefined
  const spec = algorithmSpec(value)
  if (spec === undefined) {
    throw new UsageError(`--alg must be one of ${ALGORITHMS.join(', ')} (not "none")`, '--alg')
  }
  return spec.name
}

/** The signing key and its algorithm, and the public JWK when the key was generated here. */
interface Signer {
  readonly key: KeyObject
  readonly alg: Algorithm
  readonly kid: string | undefined
  readonly generated?: { readonly publicKey: KeyObject; readonly jwk: object }
}

async function loadSigner(values: Values, io: CliIo): Promise<Signer> {
  const sources = (['--secret', '--secret-env', '--key'] as const).filter(
    (flag) => values[flag.slice(2) as 'secret' | 'secret-env' | 'key'] !== undefined,
  )
  if (sources.length > 1) {
    throw new UsageError(`give only one of ${sources.join(', ')}`, sources[1])
  }
  const requested = parseAlgorithm(values.alg)
  const kid = nonEmpty(values.kid, '--kid')

  const secret =
    values['secret-env'] === undefined ? values.secret : readEnvSecret(io, values['secret-env'])
  if (secret !== undefined) {
    const flag = sources[0] ?? '--secret'
    const alg = requested ?? 'HS256'
    if (!isHmacAlgorithm(alg)) {
      throw new UsageError(`--alg ${alg} needs a private key (--key); a secret signs HS*`, '--alg')
    }
    const bytes = Buffer.byteLength(secret, 'utf8')
    const min = algorithmSpec(alg)?.minSecretBytes ?? 0
    // RFC 7518 §3.2, as the verifier enforces: a shorter secret makes tokens it would refuse.
    if (bytes < min) {
      throw new UsageError(
        `${flag} is ${bytes} bytes; ${alg} needs at least ${min} (try: openssl rand -base64 48)`,
        flag,
      )
    }
    return { key: createSecretKey(Buffer.from(secret, 'utf8')), alg, kid }
  }

  if (values.key !== undefined) {
    const text = await readFlagFile(values.key, '--key')
    let key: KeyObject
    try {
      key = text.trimStart().startsWith('{')
        ? createPrivateKey({
            key: JSON.parse(text) as import('node:crypto').JsonWebKey,
            format: 'jwk',
          })
        : createPrivateKey(text)
    } catch {
      throw new UsageError(`--key: ${values.key} is not a PEM or JWK private key`, '--key')
    }
    const alg = requested ?? defaultAlgorithm(key)
    if (alg === undefined) {
      throw new UsageError(
        `--key: a ${String(key.asymmetricKeyType)} key cannot sign a JWS sockguard verifies`,
        '--key',
      )
    }
    const mismatch = keyMismatch(key, alg)
    if (mismatch !== undefined) {
      throw new UsageError(`${requested === undefined ? '--key' : '--alg'}: ${mismatch}`, '--alg')
    }
    return { key, alg, kid }
  }

  const alg = requested ?? 'ES256'
  if (isHmacAlgorithm(alg)) {
    throw new UsageError(`--alg ${alg} needs --secret or --secret-env`, '--alg')
  }
  const { privateKey, publicKey } = generateSigningKey(alg)
  const jwk = publicJwk(publicKey, alg, kid)
  return { key: privateKey, alg, kid: jwk.kid as string, generated: { publicKey, jwk } }
}

function parseClaim(text: string): [string, unknown] {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new UsageError('--claim must be name=value', '--claim')
  const name = text.slice(0, eq)
  const flag = FLAG_CLAIMS[name]
  if (flag !== undefined) {
    throw new UsageError(`--claim cannot set "${name}"; use ${flag}`, '--claim')
  }
  const raw = text.slice(eq + 1)
  try {
    return [name, JSON.parse(raw)]
  } catch {
    return [name, raw]
  }
}

function buildClaims(values: Values, nowMs: number): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000)
  const ttl = parseDuration(values.ttl ?? DEFAULT_TTL, '--ttl', 1, TEN_YEARS)
  const nbf =
    values.nbf === undefined ? undefined : iat + parseDuration(values.nbf, '--nbf', 0, TEN_YEARS)
  const aud = values.aud?.map((a) => nonEmpty(a, '--aud') as string)
  const claims: Record<string, unknown> = {
    iss: nonEmpty(values.iss, '--iss'),
    sub: nonEmpty(values.sub, '--sub') ?? DEFAULT_SUB,
    aud: aud === undefined ? undefined : aud.length === 1 ? aud[0] : aud,
    scope: values.scope?.join(' '),
    iat,
    nbf,
    exp: iat + ttl,
    jti: nonEmpty(values.jti, '--jti') ?? randomUUID(),
  }
  for (const text of values.claim ?? []) {
    const [name, value] = parseClaim(text)
    // defineProperty, so that a claim named `__proto__` is a claim and not a prototype.
    Object.defineProperty(claims, name, { value, enumerable: true, writable: true })
  }
  // JSON.stringify drops the undefined members.
  return claims
}

function describeGeneratedKey(signer: Signer): string {
  const { generated, alg } = signer
  if (generated === undefined) return ''
  const pem = generated.publicKey.export({ type: 'spki', format: 'pem' }).toString().trimEnd()
  return [
    `sockguard: generated an ${alg} key pair for this token; the private key is not kept.`,
    'Public key (PEM):',
    pem,
    'Public key (JWK):',
    JSON.stringify(generated.jwk),
    'Verify with: sockguard verify --public-key <file holding the JWK or PEM> <token>',
    '',
  ].join('\n')
}

/**
 * Runs `sockguard token`: prints the token alone on stdout; a generated public key goes to stderr.
 * @returns the exit code.
 * @throws {UsageError} for a bad flag, a short secret or a key that cannot sign with `--alg`.
 */
export async function mintToken(args: readonly string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(TOKEN_HELP)
    return EXIT_OK
  }
  const { values, positionals } = parseTokenArgs(args)
  if (positionals.length > 0) {
    throw new UsageError(`takes no arguments, only flags (got ${positionals.length})`)
  }
  const nowMs = (io.now ?? Date.now)()
  const claims = buildClaims(values, nowMs)
  const signer = await loadSigner(values, io)
  const header = {
    alg: signer.alg,
    typ: nonEmpty(values.typ, '--typ') ?? 'JWT',
    ...(signer.kid === undefined ? {} : { kid: signer.kid }),
  }
  io.stdout.write(`${signJws(header, claims, signer.key)}\n`)
  io.stderr.write(describeGeneratedKey(signer))
  return EXIT_OK
}
