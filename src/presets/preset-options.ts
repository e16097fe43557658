// What every preset shares: the checks of its own options (once, at creation, as createVerifier
// does) and the small claim checks its `validate` hook is made of.
import { ClaimInvalidError, InvalidOptionError } from '../errors.js'
import { refuseUnknownOptions } from '../internal/known-options.js'
import { isAllowedKeyUrl } from '../keys/fetch-json.js'
import type { JwtClaims } from '../verifier/types.js'

/** Options every preset takes besides its provider's. */
export interface PresetBaseOptions {
  /**
   * Where the provider's JWK set is fetched, instead of its documented URL: a mirror, a proxy, or
   * a local key server in tests. The issuer and every claim check stay the provider's.
   */
  readonly jwksUri?: string | URL
}

type Options = Readonly<Record<string, unknown>>

/** Refuses a non-object and unknown option names (`<preset>.<name>`). */
export function presetOptions(input: unknown, preset: string, known: readonly string[]): Options {
  if (typeof input !== 'object' || input === null)
    throw new InvalidOptionError(preset, 'must be an options object')
  refuseUnknownOptions(input, new Set([...known, 'jwksUri']), `presets.${preset}`)
  return input as Options
}

/** A non-empty string option matching `pattern` when given. */
export function stringOption(
  options: Options,
  name: string,
  what: string,
  pattern?: RegExp,
): string {
  const value = options[name]
  if (typeof value !== 'string' || value.length === 0 || (pattern && !pattern.test(value)))
    throw new InvalidOptionError(name, `must be ${what}`)
  return value
}

/** A string or a non-empty list of non-empty strings, as a list. */
export function stringListOption(options: Options, name: string, what: string): string[] {
  const value = options[name]
  const list: unknown[] = Array.isArray(value) ? value : [value]
  if (list.length === 0 || !list.every((item) => typeof item === 'string' && item.length > 0))
    throw new InvalidOptionError(name, `must be ${what} (a string or a non-empty array)`)
  return [...new Set(list as string[])]
}

/** An https base URL without a trailing slash (plain http only for loopback hosts). */
export function baseUrlOption(options: Options, name: string): string {
  const value = options[name]
  const text = value instanceof URL ? value.href : value
  if (typeof text !== 'string' || !URL.canParse(text))
    throw new InvalidOptionError(name, 'must be an absolute URL')
  const url = new URL(text)
  if (!isAllowedKeyUrl(url))
    throw new InvalidOptionError(name, 'must use https (plain http only for loopback hosts)')
  if (url.search !== '' || url.hash !== '' || url.username !== '')
    throw new InvalidOptionError(name, 'must not have a query, a fragment or credentials')
  return text.replace(/\/+$/, '')
}

/** The `jwksUri` override, or the provider's documented URL. */
export function jwksUriFor(options: Options, documented: string): string | URL {
  const override = options.jwksUri
  // createVerifier checks the URL (https unless loopback) like any jwksUri.
  return (override as string | URL | undefined) ?? documented
}

/** Throws `claim_invalid` unless `claims[name]` is a string in `accepted`. */
export function requireClaimIn(
  claims: JwtClaims,
  name: string,
  accepted: ReadonlySet<string>,
  message: string,
): string {
  const value = claims[name]
  if (typeof value !== 'string' || !accepted.has(value)) throw new ClaimInvalidError(name, message)
  return value
}

/** Throws `claim_invalid` unless `claims[name]` is exactly `expected`. */
export function requireClaimEquals(
  claims: JwtClaims,
  name: string,
  expected: string,
  message: string,
): void {
  if (claims[name] !== expected) throw new ClaimInvalidError(name, message)
}
