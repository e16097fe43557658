// Clerk session tokens. RS256, keys at {issuer}/.well-known/jwks.json where the issuer is the
// instance's Frontend API URL (https://<frontend api host>); `azp` is the Origin of the page the
// token was made for, and must be checked against your origins (a token leaked from another
// subdomain or site is refused). Session tokens carry no `aud`.
// Docs: https://clerk.com/docs/guides/sessions/manual-jwt-verification,
// https://clerk.com/docs/guides/sessions/session-tokens, https://clerk.com/docs/reference/backend/verify-token.
import { InvalidOptionError } from '../errors.js'
import type { JwksUriOptions } from '../verifier/types.js'
import {
  baseUrlOption,
  jwksUriFor,
  presetOptions,
  requireClaimIn,
  stringListOption,
  stringOption,
  type PresetBaseOptions,
} from './preset-options.js'

/** Options of {@link clerk}: `issuer` or `frontendApi`, and the origins allowed. */
export interface ClerkPresetOptions extends PresetBaseOptions {
  /** The Frontend API URL, e.g. `https://clerk.example.com`. */
  readonly issuer?: string | URL
  /** The Frontend API host (`clerk.example.com`, `verb-noun-42.clerk.accounts.dev`). */
  readonly frontendApi?: string
  /** The origins (`https://app.example.com`) whose session tokens are accepted (`azp`). */
  readonly authorizedParties: readonly string[]
}

/**
 * Verifier options for Clerk session tokens, `azp` required and one of `authorizedParties`.
 * @throws {InvalidOptionError} for a missing or malformed option, or both `issuer` and
 * `frontendApi`.
 * @example
 * const guard = createGuard({ ...presets.clerk({ frontendApi: 'clerk.example.com', authorizedParties: ['https://app.example.com'] }) })
 */
export function clerk(options: ClerkPresetOptions): JwksUriOptions {
  const o = presetOptions(options, 'clerk', ['issuer', 'frontendApi', 'authorizedParties'])
  if ((o.issuer === undefined) === (o.frontendApi === undefined))
    throw new InvalidOptionError('issuer', 'or `frontendApi` is required (one of them)')
  const issuer =
    o.issuer !== undefined
      ? baseUrlOption(o, 'issuer')
      : `https://${stringOption(o, 'frontendApi', 'a host name', /^[a-z0-9.-]+(?::\d+)?$/i)}`
  const parties = stringListOption(
    o,
    'authorizedParties',
    'origins such as https://app.example.com',
  )
  for (const party of parties) {
    // azp is an Origin: scheme://host[:port], no path, compared as a string.
    if (!URL.canParse(party) || new URL(party).origin !== party)
      throw new InvalidOptionError('authorizedParties', `${JSON.stringify(party)} is not an origin`)
  }
  const allowed = new Set(parties)
  return {
    jwksUri: jwksUriFor(o, `${issuer}/.well-known/jwks.json`),
    algorithms: ['RS256'],
    issuer,
    validate: (claims) => {
      requireClaimIn(claims, 'azp', allowed, 'The token was made for another origin.')
    },
  }
}
