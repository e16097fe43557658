// Auth0 access tokens for an API. Auth0 signs with the tenant's RS256 key (the default signing
// algorithm of an API), publishes the keys at https://{domain}/.well-known/jwks.json, and puts
// `iss` = "https://{domain}/" (with the trailing slash) and `aud` = the API identifier (plus
// https://{domain}/userinfo when openid was requested).
// Docs: https://auth0.com/docs/secure/tokens/access-tokens/validate-access-tokens,
// https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-sets.
import type { JwksUriOptions } from '../verifier/types.js'
import {
  jwksUriFor,
  presetOptions,
  stringListOption,
  stringOption,
  type PresetBaseOptions,
} from './preset-options.js'

/** Options of {@link auth0}. */
export interface Auth0PresetOptions extends PresetBaseOptions {
  /** The tenant's domain (`example.eu.auth0.com`) or custom domain, without scheme. */
  readonly domain: string
  /** The API identifier (Auth0 puts it in `aud`); an ID token (aud = a client id) is refused. */
  readonly audience: string | readonly string[]
}

const DOMAIN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+(?::\d+)?$/i

/**
 * Verifier options for Auth0 access tokens: RS256 keys from the tenant's JWK set, `iss`
 * `https://{domain}/`, `aud` your API identifier.
 * @throws {InvalidOptionError} for a missing or malformed option.
 * @example
 * const guard = createGuard({ ...presets.auth0({ domain: 'example.eu.auth0.com', audience: 'https://chat.example.com' }) })
 */
export function auth0(options: Auth0PresetOptions): JwksUriOptions {
  const o = presetOptions(options, 'auth0', ['domain', 'audience'])
  const domain = stringOption(o, 'domain', 'a host name such as example.eu.auth0.com', DOMAIN)
  return {
    jwksUri: jwksUriFor(o, `https://${domain}/.well-known/jwks.json`),
    algorithms: ['RS256'],
    issuer: `https://${domain}/`,
    audience: stringListOption(o, 'audience', 'the API identifier'),
  }
}
