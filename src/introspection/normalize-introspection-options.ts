// Validates `createIntrospectionVerifier` options once, at creation: the endpoint (https unless
// loopback, as for a remote key set), the client credentials, the limits and the claims policy.
import { InvalidOptionError } from '../errors.js'
import { integerOption } from '../internal/integer-option.js'
import { refuseUnknownOptions } from '../internal/known-options.js'
import { isAllowedKeyUrl } from '../keys/fetch-json.js'
import type { ClaimsPolicy } from '../verifier/check-claims.js'
import { normalizeClaimsPolicy, type Options } from '../verifier/normalize-options.js'

/** Everything an introspection verifier needs, checked. */
export interface NormalizedIntrospection {
  readonly url: URL
  /** The `authorization` header (Basic), or undefined with `client_secret_post`. */
  readonly authorization: string | undefined
  /** Body members besides the token: the credentials with `client_secret_post`. */
  readonly bodyCredentials: string
  readonly timeoutMs: number
  readonly maxResponseBytes: number
  readonly maxTokenBytes: number
  readonly cache: { readonly maxEntries: number; readonly maxTtlMs: number } | undefined
  readonly fetch: typeof globalThis.fetch
  readonly now: () => number
  readonly claims: ClaimsPolicy
}

const KNOWN = new Set([
  'url',
  'clientId',
  'clientSecret',
  'clientAuth',
  'cache',
  'timeoutMs',
  'maxResponseBytes',
  'fetch',
  'issuer',
  'audience',
  'subject',
  'requiredClaims',
  'clockToleranceMs',
  'maxTokenAgeMs',
  'requireExp',
  'maxTokenBytes',
  'validate',
  'now',
])
const CACHE_KNOWN = new Set(['maxEntries', 'maxTtlMs'])

function fail(option: string, message: string): never {
  throw new InvalidOptionError(option, message)
}

/**
 * application/x-www-form-urlencoded encoding of one value (RFC 6749 §2.3.1 and Appendix B): the
 * client id and secret are encoded so before HTTP Basic, so that a `:` in the id survives.
 */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1)
}

function credential(options: Options, name: string): string {
  const value = options[name]
  if (typeof value !== 'string' || value.length === 0) fail(name, 'must be a non-empty string')
  return value
}

/**
 * Validates `createIntrospectionVerifier` options.
 * @throws {InvalidOptionError} naming the first option at fault.
 */
export function normalizeIntrospectionOptions(input: unknown): NormalizedIntrospection {
  if (typeof input !== 'object' || input === null) fail('options', 'must be an object')
  const options = input as Options
  // A typo (`audiance`) must not switch a check off; `typ` or `algorithms` mean a JWT was meant.
  refuseUnknownOptions(options, KNOWN, 'createIntrospectionVerifier')

  const raw = options.url
  if (!(raw instanceof URL) && !(typeof raw === 'string' && URL.canParse(raw)))
    fail('url', 'must be a URL')
  const url = new URL(raw)
  // The request carries the client secret and the token: never in clear over a network.
  if (!isAllowedKeyUrl(url))
    fail('url', 'must use https (plain http only for 127.0.0.0/8, ::1 and localhost)')
  if (url.username !== '' || url.password !== '')
    fail('url', 'must not carry credentials; use `clientId` and `clientSecret`')

  const clientId = credential(options, 'clientId')
  const clientSecret = credential(options, 'clientSecret')
  const clientAuth = options.clientAuth ?? 'client_secret_basic'
  if (clientAuth !== 'client_secret_basic' && clientAuth !== 'client_secret_post')
    fail('clientAuth', "must be 'client_secret_basic' or 'client_secret_post'")

  const fetch = options.fetch ?? globalThis.fetch
  if (typeof fetch !== 'function') fail('fetch', 'must be a fetch function')
  const now = options.now ?? Date.now
  if (typeof now !== 'function') fail('now', 'must be a function returning ms since the epoch')

  let cache: NormalizedIntrospection['cache']
  const rawCache = options.cache ?? {}
  if (rawCache !== false) {
    if (typeof rawCache !== 'object' || Array.isArray(rawCache))
      fail('cache', 'must be `{ maxEntries?, maxTtlMs? }` or `false`')
    refuseUnknownOptions(rawCache, CACHE_KNOWN, 'cache', 'cache.')
    const c = rawCache as Options
    cache = Object.freeze({
      maxEntries: integerOption(c.maxEntries, 'cache.maxEntries', 10_000, 1, 10_000_000),
      maxTtlMs: integerOption(c.maxTtlMs, 'cache.maxTtlMs', 30_000, 1, 86_400_000),
    })
  }

  const basic = clientAuth === 'client_secret_basic'
  return Object.freeze({
    url,
    authorization: basic
      ? `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`
      : undefined,
    bodyCredentials: basic
      ? ''
      : `&client_id=${formEncode(clientId)}&client_secret=${formEncode(clientSecret)}`,
    timeoutMs: integerOption(options.timeoutMs, 'timeoutMs', 5_000, 1, 30_000),
    maxResponseBytes: integerOption(
      options.maxResponseBytes,
      'maxResponseBytes',
      65_536,
      1,
      1_048_576,
    ),
    maxTokenBytes: integerOption(options.maxTokenBytes, 'maxTokenBytes', 8_192, 64, 1_048_576),
    cache,
    fetch: fetch as typeof globalThis.fetch,
    now: now as () => number,
    claims: normalizeClaimsPolicy(options),
  })
}
