// Google ID tokens ("Sign in with Google"). Keys at https://www.googleapis.com/oauth2/v3/certs
// (RS256); `iss` is https://accounts.google.com or accounts.google.com; `aud` is your OAuth
// client id. Google's access tokens are opaque and not for this preset.
// Docs: https://developers.google.com/identity/openid-connect/openid-connect#validatinganidtoken,
// https://developers.google.com/identity/gsi/web/guides/verify-google-id-token.
import type { JwksUriOptions } from '../verifier/types.js'
import {
  jwksUriFor,
  presetOptions,
  requireClaimIn,
  stringListOption,
  type PresetBaseOptions,
} from './preset-options.js'

/** Options of {@link google}. */
export interface GooglePresetOptions extends PresetBaseOptions {
  /** Your OAuth client id(s) (`...apps.googleusercontent.com`). */
  readonly clientId: string | readonly string[]
  /** When given, the Google Workspace domain(s) (`hd`) accepted; consumer accounts have none. */
  readonly hostedDomain?: string | readonly string[]
}

/**
 * Verifier options for Google ID tokens.
 * @throws {InvalidOptionError} for a missing or malformed option.
 * @example
 * const guard = createGuard({ ...presets.google({ clientId: '1234-abc.apps.googleusercontent.com' }) })
 */
export function google(options: GooglePresetOptions): JwksUriOptions {
  const o = presetOptions(options, 'google', ['clientId', 'hostedDomain'])
  const domains =
    o.hostedDomain === undefined
      ? undefined
      : new Set(stringListOption(o, 'hostedDomain', 'Workspace domain(s)'))
  return {
    jwksUri: jwksUriFor(o, 'https://www.googleapis.com/oauth2/v3/certs'),
    algorithms: ['RS256'],
    issuer: ['https://accounts.google.com', 'accounts.google.com'],
    audience: stringListOption(o, 'clientId', 'your OAuth client id(s)'),
    ...(domains === undefined
      ? {}
      : {
          validate: (claims) => {
            requireClaimIn(claims, 'hd', domains, 'The account is not of an accepted domain.')
          },
        }),
  }
}
