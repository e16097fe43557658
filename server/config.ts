// The reference server's configuration: environment variables and flags in, a validated, frozen
// ServerConfig out. Every mistake is a ConfigError naming the variable, caught at start.
import type { DestinationStream } from 'pino'
import proxyAddr from 'proxy-addr'
import {
  ALGORITHMS,
  ASYMMETRIC_ALGORITHMS,
  HMAC_ALGORITHMS,
  type Algorithm,
  type AsymmetricAlgorithm,
  type HmacAlgorithm,
} from '../src/index.js'

/** pino's levels, and `silent` to log nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
/** A log level of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Where tokens come from: the embedded development issuer, or one external issuer. */
export type IssuerKind = 'development' | 'secret' | 'jwks' | 'oidc'

/** The reference server's configuration, as {@link loadConfig} and {@link resolveConfig} make it. */
export interface ServerConfig {
  /** Address to listen on (`HOST`, `--host`). @defaultValue '127.0.0.1' */
  readonly host: string
  /** Port to listen on, 0 for an ephemeral one (`PORT`, `--port`). @defaultValue 3000 */
  readonly port: number
  /** Lifetime of development tokens in seconds (`TOKEN_TTL`, `--token-ttl`). @defaultValue 300 */
  readonly tokenTtlSeconds: number
  /** pino level (`LOG_LEVEL`, `--log-level`). @defaultValue 'info' */
  readonly logLevel: LogLevel
  /**
   * Failed handshakes allowed per client address and minute, 0 for no limit
   * (`HANDSHAKE_RATE_LIMIT`, `--handshake-rate-limit`).
   * @defaultValue 30
   */
  readonly handshakeRateLimit: number
  /** HS256/384/512 secret of an external issuer (`JWT_SECRET`; no flag: argv shows in `ps`). */
  readonly jwtSecret: string | undefined
  /** JWKS URL of an external issuer (`JWKS_URI`, `--jwks-uri`). */
  readonly jwksUri: string | undefined
  /** OpenID Connect issuer, discovered (`ISSUER_URL`, `--issuer-url`). */
  readonly issuerUrl: string | undefined
  /** Required `iss` of external tokens (`ISSUER`, `--issuer`). */
  readonly issuer: string | undefined
  /** Required `aud` of external tokens (`AUDIENCE`, `--audience`). */
  readonly audience: string | undefined
  /**
   * This server's client id at the OpenID Provider (`CLIENT_ID`, `--client-id`; with `ISSUER_URL`
   * only): the `aud` of its back-channel logout tokens. @defaultValue the `AUDIENCE`
   */
  readonly clientId: string | undefined
  /** Accepted algorithms of external tokens (`ALGORITHMS`, `--algorithms`, comma separated). */
  readonly algorithms: readonly Algorithm[] | undefined
  /**
   * Redis for running several nodes (`REDIS_URL`, `redis:` or `rediss:`; no flag: it may hold a
   * password): the Socket.IO adapter, revocations, the rate limit and the development key.
   */
  readonly redisUrl: string | undefined
  /**
   * The URL clients use, e.g. the load balancer's (`PUBLIC_URL`, `--public-url`): the `iss` of
   * development tokens, the same on every node. @defaultValue the node's own URL
   */
  readonly publicUrl: string | undefined
  /**
   * How often connected sockets are re-checked against the Redis revocation store, in ms, 0 for
   * never (`REVOCATION_SWEEP_MS`, `--revocation-sweep-ms`; with `REDIS_URL` only).
   * @defaultValue undefined: the guard's own, 15000
   */
  readonly revocationSweepMs: number | undefined
  /**
   * The proxies in front of the server whose `X-Forwarded-For` is believed (`TRUST_PROXY`,
   * `--trust-proxy`): a hop count (the client is that many addresses back from the peer), or
   * addresses and CIDRs (and proxy-addr's `loopback`, `linklocal`, `uniquelocal`). The client
   * address is the failed-handshake limit's key. @defaultValue undefined: the peer's address
   */
  readonly trustProxy: number | readonly string[] | undefined
  /** `NODE_ENV` is `production`. @defaultValue false */
  readonly production: boolean
  /**
   * Runs the development issuer even under `NODE_ENV=production` (`DEV_ISSUER_IN_PRODUCTION=1`;
   * no flag): an explicit, visible opt-in, since it gives anyone an admin token.
   * @defaultValue false
   */
  readonly devIssuerInProduction: boolean
  /** Where logs go (programmatic only, e.g. captured in tests). @defaultValue stdout */
  readonly logStream: DestinationStream | undefined
  /** Clock in ms since the epoch for the issuer, verifier and guard (a test seam). @defaultValue Date.now */
  readonly now: (() => number) | undefined
}

/** A bad setting: `variable` names the environment variable (or flag) at fault. */
export class ConfigError extends Error {
  /** The environment variable, or the flag when it has none. */
  readonly variable: string

  constructor(variable: string, message: string) {
    super(`${describe(variable)} ${message}`)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

/** Each environment variable and its flag (none for secrets: argv is visible to every user). */
const FLAGS: Readonly<Record<string, string | undefined>> = {
  HOST: '--host',
  PORT: '--port',
  TOKEN_TTL: '--token-ttl',
  LOG_LEVEL: '--log-level',
  HANDSHAKE_RATE_LIMIT: '--handshake-rate-limit',
  JWT_SECRET: undefined,
  JWKS_URI: '--jwks-uri',
  ISSUER_URL: '--issuer-url',
  ISSUER: '--issuer',
  AUDIENCE: '--audience',
  CLIENT_ID: '--client-id',
  ALGORITHMS: '--algorithms',
  REDIS_URL: undefined,
  PUBLIC_URL: '--public-url',
  REVOCATION_SWEEP_MS: '--revocation-sweep-ms',
  TRUST_PROXY: '--trust-proxy',
  NODE_ENV: undefined,
  // No flag: an opt-in this dangerous belongs in the environment a deployment declares.
  DEV_ISSUER_IN_PRODUCTION: undefined,
}

/** Every environment variable the server reads (tests clear them before starting a process). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(FLAGS)

function describe(variable: string): string {
  const flag = FLAGS[variable]
  return flag === undefined ? variable : `${variable} (${flag})`
}

/** The help text of `npm start -- --help`. */
export const USAGE = `Usage: npm start -- [flags]   (every flag also reads from its environment variable)

  --host <addr>                 HOST                  listen address (default 127.0.0.1)
  --port <n>                    PORT                  listen port, 0 = ephemeral (default 3000)
  --token-ttl <s>               TOKEN_TTL             development token lifetime (default 300)
  --log-level <level>           LOG_LEVEL             ${LOG_LEVELS.join('|')} (default info)
  --handshake-rate-limit <n>    HANDSHAKE_RATE_LIMIT  failed handshakes per address and minute,
                                                      0 = no limit (default 30)
  External issuer (at most one; the development issuer is off when one is set):
                                JWT_SECRET            HS256 secret, at least 32 bytes (env only)
  --jwks-uri <url>              JWKS_URI              a JSON Web Key Set URL
  --issuer-url <url>            ISSUER_URL            an OpenID Connect issuer (discovery)
  --issuer <iss>                ISSUER                required "iss"
  --audience <aud>              AUDIENCE              required "aud" (required with a key set)
  --client-id <id>              CLIENT_ID             with ISSUER_URL: "aud" of back-channel
                                                      logout tokens (default AUDIENCE)
  --algorithms <list>           ALGORITHMS            e.g. RS256,ES256 (default HS256 or RS256)
  Several nodes:
                                REDIS_URL             redis:// or rediss:// URL (env only)
  --public-url <url>            PUBLIC_URL            the URL clients use: "iss" of development
                                                      tokens (default: this node's URL)
  --revocation-sweep-ms <ms>    REVOCATION_SWEEP_MS   re-check sockets against Redis, 0 = never
                                                      (default 15000; needs REDIS_URL)
  Behind a proxy:
  --trust-proxy <hops|list>     TRUST_PROXY           hop count, or addresses/CIDRs of trusted
                                                      proxies (e.g. loopback,10.0.0.0/8): the
                                                      client address comes from X-Forwarded-For
  Production (NODE_ENV=production refuses the development issuer):
                                DEV_ISSUER_IN_PRODUCTION  1 to run it anyway (anyone gets admin)
`

const ENV_OF_FLAG = new Map(
  Object.entries(FLAGS).flatMap(([env, flag]) => (flag === undefined ? [] : [[flag, env]])),
)

/**
 * Reads the configuration from environment variables and flags (`--port 4000` or `--port=4000`;
 * flags win). Empty variables count as unset.
 *
 * @throws {ConfigError} naming the variable at fault.
 *
 * @example
 * const config = loadConfig(process.env, process.argv.slice(2))
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  argv: readonly string[] = [],
): ServerConfig {
  const values = new Map<string, string>()
  for (const name of Object.keys(FLAGS)) {
    const value = env[name]
    if (value !== undefined && value !== '') values.set(name, value)
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    const eq = arg.indexOf('=')
    const flag = eq === -1 ? arg : arg.slice(0, eq)
    const name = ENV_OF_FLAG.get(flag)
    if (name === undefined) {
      throw new ConfigError(
        flag,
        arg.startsWith('-') ? 'is not a known flag (see --help)' : 'is not a flag (see --help)',
      )
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1)
    if (value === undefined || value === '') throw new ConfigError(name, 'needs a value')
    values.set(name, value)
  }

  const integer = (name: string): number | undefined => {
    const value = values.get(name)
    if (value === undefined) return undefined
    if (!/^\d{1,15}$/.test(value.trim()))
      throw new ConfigError(name, `must be a whole number, got ${quote(value)}`)
    return Number(value.trim())
  }
  const algorithms = values.get('ALGORITHMS')
  return resolveConfig({
    host: values.get('HOST'),
    port: integer('PORT'),
    tokenTtlSeconds: integer('TOKEN_TTL'),
    logLevel: values.get('LOG_LEVEL') as LogLevel | undefined,
    handshakeRateLimit: integer('HANDSHAKE_RATE_LIMIT'),
    jwtSecret: values.get('JWT_SECRET'),
    jwksUri: values.get('JWKS_URI'),
    issuerUrl: values.get('ISSUER_URL'),
    issuer: values.get('ISSUER'),
    audience: values.get('AUDIENCE'),
    clientId: values.get('CLIENT_ID'),
    algorithms:
      algorithms === undefined
        ? undefined
        : (algorithms.split(',').map((name) => name.trim()) as Algorithm[]),
    redisUrl: values.get('REDIS_URL'),
    publicUrl: values.get('PUBLIC_URL'),
    revocationSweepMs: integer('REVOCATION_SWEEP_MS'),
    trustProxy: trustProxyOf(values.get('TRUST_PROXY')),
    production: values.get('NODE_ENV')?.trim().toLowerCase() === 'production',
    devIssuerInProduction: flagOf(
      'DEV_ISSUER_IN_PRODUCTION',
      values.get('DEV_ISSUER_IN_PRODUCTION'),
    ),
  })
}

/** `TRUST_PROXY` as text: a hop count, or a comma-separated list (validated by resolveConfig). */
function trustProxyOf(value: string | undefined): number | string[] | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (/^\d{1,15}$/.test(text)) return Number(text)
  return text.split(',').map((entry) => entry.trim())
}

/** A yes/no variable: `1`/`true` or `0`/`false`, nothing else (a typo must not mean no). */
function flagOf(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined
  const text = value.trim().toLowerCase()
  if (text === '1' || text === 'true') return true
  if (text === '0' || text === 'false') return false
  throw new ConfigError(name, `must be 1 (or true) or 0 (or false), got ${quote(value)}`)
}

type Input = { readonly [K in keyof ServerConfig]?: ServerConfig[K] | undefined }

/**
 * Validates a partial configuration and fills in the defaults (also for programmatic starts).
 *
 * @throws {ConfigError} naming the variable at fault.
 */
export function resolveConfig(input: Input = {}): ServerConfig {
  const redisUrl = redisUrlOf(input.redisUrl)
  const rawHost = input.host ?? '127.0.0.1'
  if (typeof rawHost !== 'string' || rawHost.trim() === '')
    throw new ConfigError('HOST', 'must be a host name or address')
  // `[::1]` as in a URL is `::1` to listen().
  const host = rawHost.trim().replace(/^\[(.*)\]$/, '$1')
  const port = integerIn('PORT', input.port, 3000, 0, 65_535)
  const tokenTtlSeconds = integerIn('TOKEN_TTL', input.tokenTtlSeconds, 300, 1, 86_400)
  const handshakeRateLimit = integerIn(
    'HANDSHAKE_RATE_LIMIT',
    input.handshakeRateLimit,
    30,
    0,
    1_000_000,
  )
  let revocationSweepMs: number | undefined
  if (input.revocationSweepMs !== undefined) {
    if (redisUrl === undefined) {
      throw new ConfigError(
        'REVOCATION_SWEEP_MS',
        'only applies with REDIS_URL (the in-memory revocation store cannot miss a revocation)',
      )
    }
    revocationSweepMs = integerIn('REVOCATION_SWEEP_MS', input.revocationSweepMs, 0, 0, 86_400_000)
    // A sweep is one MGET per 256 sockets: every few ms would keep Redis busy for nothing.
    if (revocationSweepMs > 0 && revocationSweepMs < 100)
      throw new ConfigError('REVOCATION_SWEEP_MS', 'must be 0 (never) or at least 100 ms')
  }
  const logLevel = input.logLevel ?? 'info'
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw new ConfigError(
      'LOG_LEVEL',
      `must be one of ${LOG_LEVELS.join(', ')}, got ${quote(logLevel)}`,
    )

  const given = {
    JWT_SECRET: input.jwtSecret,
    JWKS_URI: input.jwksUri,
    ISSUER_URL: input.issuerUrl,
  } as const
  const sources = (Object.keys(given) as (keyof typeof given)[]).filter(
    (name) => nonEmpty(name, given[name]) !== undefined,
  )
  if (sources.length > 1) {
    throw new ConfigError(
      sources[1] ?? 'JWKS_URI',
      `is set together with ${sources[0] ?? 'JWT_SECRET'}; configure at most one external issuer ` +
        '(JWT_SECRET, JWKS_URI or ISSUER_URL)',
    )
  }
  const kind: IssuerKind =
    sources[0] === 'JWT_SECRET'
      ? 'secret'
      : sources[0] === 'JWKS_URI'
        ? 'jwks'
        : sources[0] === 'ISSUER_URL'
          ? 'oidc'
          : 'development'
  const issuer = nonEmpty('ISSUER', input.issuer)
  const audience = nonEmpty('AUDIENCE', input.audience)
  const clientId = nonEmpty('CLIENT_ID', input.clientId)
  // The back-channel logout route exists with an OpenID Provider only.
  if (clientId !== undefined && kind !== 'oidc')
    throw new ConfigError('CLIENT_ID', 'only applies with ISSUER_URL (back-channel logout)')
  let algorithms: readonly Algorithm[] | undefined

  const publicUrl = nonEmpty('PUBLIC_URL', input.publicUrl)
  const production = booleanOf('NODE_ENV', input.production)
  const devIssuerInProduction = booleanOf('DEV_ISSUER_IN_PRODUCTION', input.devIssuerInProduction)
  const trustProxy = trustProxyIn(input.trustProxy)
  if (kind === 'development') {
    for (const [name, value] of [
      ['ISSUER', issuer],
      ['AUDIENCE', audience],
      ['ALGORITHMS', input.algorithms],
    ] as const) {
      if (value !== undefined) {
        throw new ConfigError(
          name,
          'only applies to an external issuer (JWT_SECRET, JWKS_URI or ISSUER_URL); the ' +
            'development issuer sets its own (ES256, iss = PUBLIC_URL or the server URL, aud = ' +
            'sockguard-chat)',
        )
      }
    }
    if (production && !devIssuerInProduction) {
      throw new ConfigError(
        'NODE_ENV',
        'is production while the development issuer is on (it gives anyone a token, admin ' +
          'included): configure JWT_SECRET, JWKS_URI or ISSUER_URL, or set ' +
          'DEV_ISSUER_IN_PRODUCTION=1 to run it anyway',
      )
    }
    if (!isLocalHost(host)) {
      // The server fetches its own JWKS over plain http, which sockguard allows on loopback only;
      // and a development issuer hands out admin tokens to whoever asks.
      throw new ConfigError(
        'HOST',
        `must be a loopback or unspecified address (127.0.0.1, ::1, localhost, 0.0.0.0, ::) ` +
          `while the development issuer is on, got ${quote(host)}; configure an external issuer`,
      )
    }
  } else {
    if (devIssuerInProduction) {
      throw new ConfigError(
        'DEV_ISSUER_IN_PRODUCTION',
        'only applies to the development issuer, which is off with an external issuer',
      )
    }
    if (publicUrl !== undefined) {
      throw new ConfigError(
        'PUBLIC_URL',
        'only applies to the development issuer (the "iss" of its tokens); an external issuer ' +
          'sets its own',
      )
    }
    algorithms = parseAlgorithms(input.algorithms, kind)
    if (kind !== 'secret' && audience === undefined) {
      // A key set is usually shared by many applications: without an audience check, a token
      // minted for any of them would open a socket here.
      throw new ConfigError('AUDIENCE', `is required with ${sources[0] ?? 'JWKS_URI'}`)
    }
  }
  if (kind === 'secret') {
    const secret = input.jwtSecret ?? ''
    const bytes = Buffer.byteLength(secret, 'utf8')
    // RFC 7518 §3.2: a key at least as long as the hash output.
    const needed = Math.max(...(algorithms ?? ['HS256']).map((alg) => Number(alg.slice(2)) / 8))
    if (bytes < needed) {
      throw new ConfigError(
        'JWT_SECRET',
        `must be at least ${needed} bytes for ${(algorithms ?? []).join(', ')} (it has ${bytes})`,
      )
    }
  }
  if (kind === 'jwks') keyUrl('JWKS_URI', input.jwksUri)
  if (kind === 'oidc') keyUrl('ISSUER_URL', input.issuerUrl)

  return Object.freeze({
    host,
    port,
    tokenTtlSeconds,
    logLevel,
    handshakeRateLimit,
    jwtSecret: kind === 'secret' ? input.jwtSecret : undefined,
    jwksUri: kind === 'jwks' ? input.jwksUri : undefined,
    issuerUrl: kind === 'oidc' ? input.issuerUrl : undefined,
    issuer,
    audience,
    clientId: kind === 'oidc' ? (clientId ?? audience) : undefined,
    algorithms,
    redisUrl,
    publicUrl: publicUrl === undefined ? undefined : publicUrlOf(publicUrl),
    revocationSweepMs,
    trustProxy,
    production,
    devIssuerInProduction,
    logStream: input.logStream,
    now: input.now,
  })
}

/** Which issuer a configuration uses. */
export function issuerKind(config: ServerConfig): IssuerKind {
  if (config.jwtSecret !== undefined) return 'secret'
  if (config.jwksUri !== undefined) return 'jwks'
  if (config.issuerUrl !== undefined) return 'oidc'
  return 'development'
}

/** True for addresses that are loopback or "every interface" (then reached through loopback). */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return (
    h === 'localhost' ||
    h === '::1' ||
    h === '::' ||
    h === '0.0.0.0' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  )
}

function integerIn(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got ${quote(value)}`)
  return value
}

function booleanOf(name: string, value: boolean | undefined): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new ConfigError(name, 'must be true or false')
  return value
}

/** A hop count (0: trust nobody) or a list proxy-addr compiles; frozen. */
function trustProxyIn(
  value: number | readonly string[] | undefined,
): number | readonly string[] | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number') {
    const hops = integerIn('TRUST_PROXY', value, 0, 0, 32)
    return hops === 0 ? undefined : hops
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new ConfigError('TRUST_PROXY', 'must be a hop count or a list of addresses and CIDRs')
  for (const entry of value as unknown[]) {
    // `true` (trust every hop) would let any client pick its own address, and so its own key.
    if (typeof entry !== 'string' || entry === '')
      throw new ConfigError('TRUST_PROXY', 'has an empty or non-string entry')
    try {
      proxyAddr.compile(entry)
    } catch {
      throw new ConfigError(
        'TRUST_PROXY',
        `has ${quote(entry)}, which is neither an IP address, a CIDR nor loopback, linklocal ` +
          'or uniquelocal',
      )
    }
  }
  return Object.freeze([...(value as string[])])
}

function nonEmpty(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string') throw new ConfigError(name, 'must be a string')
  return value
}

function parseAlgorithms(
  value: readonly string[] | undefined,
  kind: Exclude<IssuerKind, 'development'>,
): readonly Algorithm[] {
  const hmac = kind === 'secret'
  if (value === undefined) return hmac ? ['HS256'] : ['RS256']
  const fits: readonly string[] = hmac ? HMAC_ALGORITHMS : ASYMMETRIC_ALGORITHMS
  const key = hmac
    ? 'JWT_SECRET (HMAC)'
    : `${kind === 'jwks' ? 'JWKS_URI' : 'ISSUER_URL'} (public keys)`
  if (value.length === 0) throw new ConfigError('ALGORITHMS', 'must list one or more algorithms')
  for (const name of value) {
    if (!(ALGORITHMS as readonly string[]).includes(name)) {
      throw new ConfigError(
        'ALGORITHMS',
        `has ${quote(name)}, which is not a supported algorithm (${ALGORITHMS.join(', ')})`,
      )
    }
    if (!fits.includes(name))
      throw new ConfigError(
        'ALGORITHMS',
        `has ${name}, which does not fit ${key}; use ${fits.join(', ')}`,
      )
  }
  return Object.freeze([...new Set(value)]) as readonly (HmacAlgorithm | AsymmetricAlgorithm)[]
}

function keyUrl(name: string, value: string | undefined): void {
  if (value === undefined || !URL.canParse(value))
    throw new ConfigError(name, `must be an absolute URL, got ${quote(value)}`)
  const url = new URL(value)
  const loopback =
    isLocalHost(url.hostname) && url.hostname !== '0.0.0.0' && url.hostname !== '[::]'
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)))
    throw new ConfigError(name, 'must use https (plain http only on loopback)')
}

// Never echoed in a message: a Redis URL may carry a password.
function redisUrlOf(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined
  if (typeof value !== 'string' || !URL.canParse(value))
    throw new ConfigError('REDIS_URL', 'must be a URL such as redis://127.0.0.1:6379')
  const url = new URL(value)
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(
      'REDIS_URL',
      `must use redis: or rediss: (TLS), got ${quote(url.protocol.slice(0, 16))}`,
    )
  }
  if (url.hostname === '') throw new ConfigError('REDIS_URL', 'must name a host')
  return value
}

/** An absolute http(s) URL without query or fragment, without its trailing slash. */
function publicUrlOf(value: string): string {
  if (!URL.canParse(value))
    throw new ConfigError('PUBLIC_URL', `must be an absolute URL, got ${quote(value)}`)
  const url = new URL(value)
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError('PUBLIC_URL', `must use http: or https:, got ${quote(url.protocol)}`)
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '')
    throw new ConfigError('PUBLIC_URL', 'must have no user name, password, query or fragment')
  // Every node must sign and check the very same `iss`: one spelling of it.
  return url.href.replace(/\/+$/, '')
}

function quote(value: unknown): string {
  const text = String(value)
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text)
}
