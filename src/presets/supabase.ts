// Supabase Auth access tokens. The issuer is {url}/auth/v1 and `aud` is "authenticated" for
// signed-in users (the project's anon and service keys carry `iss` "supabase" and no such `aud`).
// With JWT signing keys the tokens are ES256 (or RS256) and the public keys are at
// {url}/auth/v1/.well-known/jwks.json; projects on the legacy JWT secret sign HS256 with it.
// Docs: https://supabase.com/docs/guides/auth/jwts, https://supabase.com/docs/guides/auth/signing-keys,
// https://supabase.com/docs/guides/auth/jwt-fields.
import type { JwksUriOptions, SecretKeyOptions } from '../verifier/types.js'
import {
  baseUrlOption,
  jwksUriFor,
  presetOptions,
  stringListOption,
  type PresetBaseOptions,
} from './preset-options.js'
import { InvalidOptionError } from '../errors.js'

/** Options of {@link supabase}. */
export interface SupabasePresetOptions extends PresetBaseOptions {
  /** The project URL, `https://<ref>.supabase.co` (or your custom domain). */
  readonly url: string | URL
  /**
   * The legacy JWT secret (HS256), for projects not yet on signing keys. Without it, the
   * project's JWK set is used (the keys of its JWT signing keys: ES256 or RS256).
   */
  readonly jwtSecret?: string
  /** Accepted `aud`. @defaultValue 'authenticated' */
  readonly audience?: string | readonly string[]
}

/**
 * Verifier options for Supabase Auth access tokens: the project's JWK set, or the legacy secret.
 * @throws {InvalidOptionError} for a missing or malformed option, or `jwtSecret` with `jwksUri`.
 * @example
 * const guard = createGuard({ ...presets.supabase({ url: 'https://abcdefghijklmnop.supabase.co' }) })
 */
export function supabase(options: SupabasePresetOptions): JwksUriOptions | SecretKeyOptions {
  const o = presetOptions(options, 'supabase', ['url', 'jwtSecret', 'audience'])
  const url = baseUrlOption(o, 'url')
  const issuer = `${url}/auth/v1`
  const audience =
    o.audience === undefined ? ['authenticated'] : stringListOption(o, 'audience', 'audience(s)')
  if (o.jwtSecret !== undefined) {
    if (o.jwksUri !== undefined)
      throw new InvalidOptionError('jwtSecret', 'and `jwksUri` are two key sources; give one')
    // createVerifier checks the secret (length, not a key) like any HMAC secret.
    return {
      secret: o.jwtSecret as string,
      algorithms: ['HS256'],
      issuer,
      audience,
    }
  }
  return {
    jwksUri: jwksUriFor(o, `${issuer}/.well-known/jwks.json`),
    algorithms: ['ES256', 'RS256'],
    issuer,
    audience,
  }
}
