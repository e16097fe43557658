// Validates and normalises `createVerifier` options once, at creation: every mistake is an
// InvalidOptionError naming the option, and the hot path only reads the frozen result.
import { InvalidOptionError } from '../errors.js'
import { integerOption } from '../internal/integer-option.js'
import { createDiscoveredKeySet } from '../keys/discovered-key-set.js'
import { customKeySource } from '../keys/custom-key-source.js'
import { isAllowedKeyUrl } from '../keys/fetch-json.js'
import { importPublicKey, importSecret } from '../keys/import-key.js'
import { localKeySource, singleKeySource, type KeySource } from '../keys/key-source.js'
import { importLocalKeySet } from '../keys/local-key-set.js'
import { createRemoteKeySet } from '../keys/remote-key-set.js'
import { algorithmSpec, isHmacAlgorithm, type Algorithm } from '../jws/algorithms.js'
import type { ClaimsPolicy } from './check-claims.js'
import { NON_ACCESS_TOKENS, normalizeTyp, type HeaderPolicy } from './check-header.js'
import type { GetKey } from '../jws/types.js'
import type { ClaimsValidator } from './types.js'

/** Everything a verifier needs, checked. */
export interface NormalizedVerifier {
  readonly source: KeySource
  readonly header: HeaderPolicy
  readonly claims: ClaimsPolicy
  readonly maxTokenBytes: number
  readonly cacheMax: number | undefined
  readonly now: () => number
}

const KEY_SOURCES = ['secret', 'publicKey', 'jwks', 'jwksUri', 'issuerUrl', 'getKey'] as const
const POLICY = [
  'algorithms',
  'issuer',
  'audience',
  'subject',
  'typ',
  'requiredClaims',
  'clockToleranceMs',
  'maxTokenAgeMs',
  'requireExp',
  'maxTokenBytes',
  'cache',
  'validate',
  'now',
] as const
const CUSTOM = ['getKeyTimeoutMs'] as const
const REMOTE = [
  'timeoutMs',
  'cooldownMs',
  'cacheMaxAgeMs',
  'staleIfErrorMs',
  'maxResponseBytes',
  'fetch',
] as const

/** Options as the normalisers read them: a record of unknowns, checked one by one. */
export type Options = Readonly<Record<string, unknown>>

function fail(option: string, message: string): never {
  throw new InvalidOptionError(option, message)
}

function integer(
  options: Options,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  return integerOption(options[name], name, fallback, min, max)
}

function stringList(options: Options, name: string): ReadonlySet<string> | undefined {
  const value = options[name]
  if (value === undefined) return undefined
  const list: unknown[] = Array.isArray(value) ? value : [value]
  if (list.length === 0 || !list.every((item) => typeof item === 'string' && item.length > 0)) {
    fail(name, 'must be a non-empty string or a non-empty array of non-empty strings')
  }
  return new Set(list as string[])
}

function optionalString(options: Options, name: string): string | undefined {
  const value = options[name]
  if (value !== undefined && (typeof value !== 'string' || value.length === 0))
    fail(name, 'must be a non-empty string')
  return value
}

// What may be echoed of an unknown algorithm: a name-like value short enough to be no secret
// (an HMAC secret is at least 32 bytes); anything else may be the key put here by an env mix-up.
const ALGORITHM_LIKE = /^[A-Za-z0-9_-]{1,16}$/

function nameOf(value: unknown): string {
  return typeof value === 'string' && ALGORITHM_LIKE.test(value)
    ? JSON.stringify(value)
    : `a ${typeof value === 'string' ? `${value.length}-character string` : typeof value}`
}

function parseAlgorithms(value: unknown): readonly Algorithm[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0)
    fail('algorithms', 'must be a non-empty array of algorithm names')
  const names = value.map((name: unknown) => {
    if (typeof name === 'string' && name.toLowerCase() === 'none') {
      fail('algorithms', '"none" cannot be configured (RFC 8725 §3.2)')
    }
    const spec = algorithmSpec(name)
    if (spec === undefined) fail('algorithms', `${nameOf(name)} is not a supported algorithm`)
    return spec.name
  })
  const hmac = names.filter(isHmacAlgorithm).length
  if (hmac > 0 && hmac < names.length) {
    // One family per key (RFC 8725 §3.1): HMAC next to public-key algorithms invites key confusion.
    fail('algorithms', 'mixes HMAC and public-key algorithms; use one verifier for each')
  }
  return Object.freeze([...new Set(names)])
}

function parseUrl(value: unknown, name: string): URL {
  if (!(value instanceof URL) && !(typeof value === 'string' && URL.canParse(value)))
    fail(name, 'must be a URL')
  const url = new URL(value)
  if (!isAllowedKeyUrl(url))
    fail(name, 'must use https (plain http only for 127.0.0.0/8, ::1 and localhost)')
  return url
}

/**
 * Validates `createVerifier` options.
 * @throws {InvalidOptionError} naming the first option at fault.
 */
export function normalizeOptions(input: unknown): NormalizedVerifier {
  if (typeof input !== 'object' || input === null) fail('options', 'must be an object')
  const options = input as Options
  const given = KEY_SOURCES.filter((name) => options[name] !== undefined)
  if (given.length !== 1) {
    fail(given[1] ?? 'options', `exactly one key source is needed: ${KEY_SOURCES.join(', ')}`)
  }
  const sourceName = given[0] as (typeof KEY_SOURCES)[number]
  const remote = sourceName === 'jwksUri' || sourceName === 'issuerUrl'
  const known = new Set<string>([
    ...KEY_SOURCES,
    ...POLICY,
    ...(remote ? REMOTE : []),
    ...(sourceName === 'getKey' ? CUSTOM : []),
  ])
  for (const name of Object.keys(options)) {
    // A typo (`audiance`) must not silently switch a check off.
    if (!known.has(name)) fail(name, 'is not an option of this verifier')
  }

  const now = options.now ?? Date.now
  if (typeof now !== 'function') fail('now', 'must be a function returning ms since the epoch')
  const algorithms = parseAlgorithms(options.algorithms)
  const needsAlgorithms = sourceName !== 'publicKey' && sourceName !== 'jwks'
  if (needsAlgorithms && algorithms === undefined)
    fail('algorithms', `is required with \`${sourceName}\``)
  const hmac = algorithms?.every(isHmacAlgorithm) ?? false
  if (sourceName === 'secret' && !hmac)
    fail('algorithms', 'must be HMAC algorithms (HS256, HS384, HS512) with `secret`')
  if ((remote || sourceName === 'publicKey') && hmac) {
    fail('algorithms', `must be public-key algorithms with \`${sourceName}\``)
  }

  let source: KeySource
  let keyAlgorithms: readonly Algorithm[] | undefined = algorithms
  let issuer = stringList(options, 'issuer')
  switch (sourceName) {
    case 'secret': {
      source = singleKeySource(importSecret(options.secret, { option: 'secret', algorithms }))
      break
    }
    case 'publicKey': {
      const key = importPublicKey(options.publicKey, { option: 'publicKey', algorithms })
      if (key.kind === 'secret') fail('publicKey', 'is a secret key; use the `secret` option')
      keyAlgorithms = [...key.algorithms]
      source = singleKeySource(key)
      break
    }
    case 'jwks': {
      const { index, keys } = importLocalKeySet(options.jwks, algorithms)
      keyAlgorithms = [...new Set(keys.flatMap((key) => [...key.algorithms]))]
      source = localKeySource(index)
      break
    }
    case 'getKey': {
      if (typeof options.getKey !== 'function') fail('getKey', 'must be a function')
      source = customKeySource(
        options.getKey as GetKey,
        algorithms ?? [],
        // The remote key set's fetch timeout, for the same reason: a key must come in bounded time.
        integer(options, 'getKeyTimeoutMs', 5_000, 1, 30_000),
      )
      break
    }
    case 'jwksUri':
    case 'issuerUrl': {
      const config = {
        algorithms: algorithms ?? [],
        timeoutMs: integer(options, 'timeoutMs', 5_000, 1, 30_000),
        cooldownMs: integer(options, 'cooldownMs', 30_000, 0, 86_400_000),
        cacheMaxAgeMs: integer(options, 'cacheMaxAgeMs', 600_000, 1, 86_400_000 * 7),
        staleIfErrorMs: integer(options, 'staleIfErrorMs', 3_600_000, 0, 86_400_000 * 7),
        maxResponseBytes: integer(options, 'maxResponseBytes', 262_144, 1, 16 * 1024 * 1024),
        fetch: (options.fetch ?? globalThis.fetch) as typeof globalThis.fetch,
        now: now as () => number,
      }
      if (typeof config.fetch !== 'function') fail('fetch', 'must be a fetch function')
      if (sourceName === 'jwksUri') {
        source = createRemoteKeySet({ ...config, url: parseUrl(options.jwksUri, 'jwksUri') })
      } else {
        const url = parseUrl(options.issuerUrl, 'issuerUrl')
        const issuerName = typeof options.issuerUrl === 'string' ? options.issuerUrl : url.href
        // OpenID Connect Core §3.1.3.7: the issuer check defaults to the discovered issuer.
        issuer ??= new Set([issuerName])
        source = createDiscoveredKeySet({ ...config, issuer: issuerName })
      }
      break
    }
  }

  const typ = optionalString(options, 'typ')
  const cache = options.cache ?? false
  let cacheMax: number | undefined
  if (cache !== false) {
    const max: unknown = typeof cache === 'object' ? (cache as Options).max : undefined
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 10_000_000) {
      fail('cache.max', 'must be an integer from 1 to 10000000 (or `cache: false`)')
    }
    cacheMax = max
  }

  return Object.freeze({
    source,
    now: now as () => number,
    maxTokenBytes: integer(options, 'maxTokenBytes', 8_192, 64, 1_048_576),
    cacheMax,
    header: Object.freeze({
      algorithms: new Set(keyAlgorithms ?? []),
      typ: typ === undefined ? undefined : normalizeTyp(typ),
      refuseNonAccess: (options as Record<symbol, unknown>)[NON_ACCESS_TOKENS] !== true,
    }),
    claims: normalizeClaimsPolicy(options, issuer),
  })
}

/**
 * Validates the claims policy (`audience`, `subject`, `requiredClaims`, `clockToleranceMs`,
 * `maxTokenAgeMs`, `requireExp`, `validate`; `issuer` unless the caller already resolved it), for
 * `createVerifier` and for the introspection verifier, which checks the same claims the same way.
 * @throws {InvalidOptionError} naming the first option at fault.
 */
export function normalizeClaimsPolicy(
  options: Options,
  issuer: ReadonlySet<string> | undefined = stringList(options, 'issuer'),
): ClaimsPolicy {
  const requiredClaims = options.requiredClaims ?? []
  if (
    !Array.isArray(requiredClaims) ||
    !requiredClaims.every((c) => typeof c === 'string' && c.length > 0)
  ) {
    fail('requiredClaims', 'must be an array of claim names')
  }
  const requireExp = options.requireExp ?? true
  if (typeof requireExp !== 'boolean') fail('requireExp', 'must be a boolean')
  const validate = options.validate
  if (validate !== undefined && typeof validate !== 'function')
    fail('validate', 'must be a function (claims) => void that throws to refuse')
  return Object.freeze({
    issuer,
    audience: stringList(options, 'audience'),
    subject: optionalString(options, 'subject'),
    requiredClaims: Object.freeze([...(requiredClaims as string[])]),
    toleranceMs: integer(options, 'clockToleranceMs', 0, 0, 60_000),
    maxTokenAgeMs:
      options.maxTokenAgeMs === undefined
        ? undefined
        : integer(options, 'maxTokenAgeMs', 0, 1, 2 ** 52),
    requireExp,
    validate: validate as ClaimsValidator | undefined,
  })
}
