// Keycloak access tokens. A realm's issuer is {url}/realms/{realm} (older servers add /auth to
// the URL), its keys are at {issuer}/protocol/openid-connect/certs, the default realm key signs
// RS256. Access tokens carry the claim `typ: "Bearer"` (ID tokens "ID", refresh tokens
// "Refresh"), `azp` the client they were issued to, and `aud` only what audience mappers add
// (`account` by default).
// Docs: https://www.keycloak.org/docs/latest/securing_apps/#_token-exchange (token types),
// https://www.keycloak.org/docs/latest/server_admin/#_audience (audience mappers),
// https://www.keycloak.org/securing-apps/oidc-layers (endpoints).
import { InvalidOptionError } from '../errors.js'
import type { AsymmetricAlgorithm } from '../jws/algorithms.js'
import type { JwksUriOptions } from '../verifier/types.js'
import {
  baseUrlOption,
  jwksUriFor,
  presetOptions,
  requireClaimEquals,
  requireClaimIn,
  stringListOption,
  stringOption,
  type PresetBaseOptions,
} from './preset-options.js'

/** Options of {@link keycloak}: `audience`, `clientId`, or both. */
export interface KeycloakPresetOptions extends PresetBaseOptions {
  /** The server's base URL (`https://sso.example.com`, or `.../auth` for Keycloak before 17). */
  readonly url: string | URL
  /** The realm name. */
  readonly realm: string
  /** Required `aud` value(s), as set by an audience mapper. */
  readonly audience?: string | readonly string[]
  /** The client(s) the token must have been issued to (`azp`). */
  readonly clientId?: string | readonly string[]
  /** The realm's signing algorithms. @defaultValue ['RS256'] */
  readonly algorithms?: readonly AsymmetricAlgorithm[]
}

/**
 * Verifier options for Keycloak access tokens: the realm's keys and issuer, claim `typ` `Bearer`
 * (ID and refresh tokens are refused), `aud` and/or `azp`.
 * @throws {InvalidOptionError} for a missing or malformed option, or neither `audience` nor
 * `clientId` (every token of the realm would do).
 * @example
 * const guard = createGuard({ ...presets.keycloak({ url: 'https://sso.example.com', realm: 'chat', clientId: 'chat-web' }) })
 */
export function keycloak(options: KeycloakPresetOptions): JwksUriOptions {
  const o = presetOptions(options, 'keycloak', [
    'url',
    'realm',
    'audience',
    'clientId',
    'algorithms',
  ])
  const base = baseUrlOption(o, 'url')
  const realm = stringOption(o, 'realm', 'a realm name', /^[^/?#\s]+$/)
  if (o.audience === undefined && o.clientId === undefined) {
    throw new InvalidOptionError(
      'audience',
      'or `clientId` is required: without either, any token of the realm would be accepted',
    )
  }
  const issuer = `${base}/realms/${encodeURIComponent(realm)}`
  const clients =
    o.clientId === undefined ? undefined : new Set(stringListOption(o, 'clientId', 'client id(s)'))
  return {
    jwksUri: jwksUriFor(o, `${issuer}/protocol/openid-connect/certs`),
    algorithms: (o.algorithms as readonly AsymmetricAlgorithm[] | undefined) ?? ['RS256'],
    issuer,
    ...(o.audience === undefined
      ? {}
      : { audience: stringListOption(o, 'audience', 'the audience(s)') }),
    validate: (claims) => {
      requireClaimEquals(claims, 'typ', 'Bearer', 'The token is not an access token.')
      if (clients !== undefined)
        requireClaimIn(claims, 'azp', clients, 'The token was issued to another client.')
    },
  }
}
