// Okta access tokens from a custom authorization server. Its issuer is
// https://{yourOktaDomain}/oauth2/{authorizationServerId} ("default" for the default server), its
// keys are at {issuer}/v1/keys, tokens are RS256 with `aud` the server's audience
// (`api://default`), `cid` the client id and `scp` an array of scopes. Tokens of the org
// authorization server (an issuer without /oauth2/) are for Okta's own APIs and cannot be
// validated by a resource server, so this preset refuses that issuer.
// Docs: https://developer.okta.com/docs/guides/validate-access-tokens/,
// https://developer.okta.com/docs/reference/api/oidc/#access-token.
import { InvalidOptionError } from '../errors.js'
import type { JwksUriOptions } from '../verifier/types.js'
import {
  baseUrlOption,
  jwksUriFor,
  presetOptions,
  requireClaimIn,
  stringListOption,
  type PresetBaseOptions,
} from './preset-options.js'

/** Options of {@link okta}. */
export interface OktaPresetOptions extends PresetBaseOptions {
  /** The custom authorization server's issuer: `https://{domain}/oauth2/{serverId}`. */
  readonly issuer: string
  /** The authorization server's audience, e.g. `api://default`. */
  readonly audience: string | readonly string[]
  /** When given, the client ids (`cid`) whose tokens are accepted. */
  readonly clientId?: string | readonly string[]
}

/**
 * Verifier options for Okta access tokens of a custom authorization server.
 * @throws {InvalidOptionError} for a missing or malformed option, or an org authorization server.
 * @example
 * const guard = createGuard({ ...presets.okta({ issuer: 'https://dev-1.okta.com/oauth2/default', audience: 'api://default' }) })
 */
export function okta(options: OktaPresetOptions): JwksUriOptions {
  const o = presetOptions(options, 'okta', ['issuer', 'audience', 'clientId'])
  const issuer = baseUrlOption(o, 'issuer')
  if (!/\/oauth2\/[^/]+$/.test(new URL(issuer).pathname)) {
    throw new InvalidOptionError(
      'issuer',
      'must be a custom authorization server, https://{domain}/oauth2/{serverId}: the org ' +
        "server's access tokens cannot be validated by a resource server",
    )
  }
  const clients =
    o.clientId === undefined
      ? undefined
      : new Set(stringListOption(o, 'clientId', 'the client id(s)'))
  return {
    jwksUri: jwksUriFor(o, `${issuer}/v1/keys`),
    algorithms: ['RS256'],
    issuer,
    audience: stringListOption(o, 'audience', "the authorization server's audience"),
    ...(clients === undefined
      ? {}
      : {
          validate: (claims) => {
            requireClaimIn(claims, 'cid', clients, 'The token was issued to another client.')
          },
        }),
  }
}
