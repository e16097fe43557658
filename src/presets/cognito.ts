// Amazon Cognito user pool tokens. Issuer https://cognito-idp.{region}.amazonaws.com/{userPoolId},
// keys at {issuer}/.well-known/jwks.json (RS256). Access tokens have no `aud`: the app client is
// `client_id`, and `token_use` is "access"; ID tokens have `aud` = the app client id and
// `token_use` "id". Both must be checked so that one kind of token cannot stand in for the other.
// Docs: https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html,
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html.
import { InvalidOptionError } from '../errors.js'
import type { JwksUriOptions } from '../verifier/types.js'
import {
  jwksUriFor,
  presetOptions,
  requireClaimEquals,
  requireClaimIn,
  stringListOption,
  stringOption,
  type PresetBaseOptions,
} from './preset-options.js'

/** Options of {@link cognito}. */
export interface CognitoPresetOptions extends PresetBaseOptions {
  /** The pool's region, e.g. `eu-west-1`. */
  readonly region: string
  /** The user pool id, `{region}_{id}`. */
  readonly userPoolId: string
  /** The app client id(s) whose tokens are accepted. */
  readonly clientId: string | readonly string[]
  /** Which tokens are accepted. @defaultValue 'access' */
  readonly tokenUse?: 'access' | 'id'
}

/**
 * Verifier options for Cognito user pool tokens: access tokens (`client_id`, `token_use`
 * "access") or ID tokens (`aud`, `token_use` "id").
 * @throws {InvalidOptionError} for a missing or malformed option, or a pool id of another region.
 * @example
 * const guard = createGuard({ ...presets.cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123', clientId: '1example23456789' }) })
 */
export function cognito(options: CognitoPresetOptions): JwksUriOptions {
  const o = presetOptions(options, 'cognito', ['region', 'userPoolId', 'clientId', 'tokenUse'])
  const region = stringOption(
    o,
    'region',
    'an AWS region such as eu-west-1',
    /^[a-z]{2}(?:-[a-z]+)+-\d+$/,
  )
  const userPoolId = stringOption(
    o,
    'userPoolId',
    'a user pool id such as eu-west-1_AbCdEf123',
    /^[\w-]+_[0-9a-zA-Z]+$/,
  )
  if (!userPoolId.startsWith(`${region}_`))
    throw new InvalidOptionError('userPoolId', `must be a pool of ${region} (${region}_...)`)
  const clients = stringListOption(o, 'clientId', 'the app client id(s)')
  const tokenUse = o.tokenUse ?? 'access'
  if (tokenUse !== 'access' && tokenUse !== 'id')
    throw new InvalidOptionError('tokenUse', "must be 'access' or 'id'")
  const issuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`
  const base = {
    jwksUri: jwksUriFor(o, `${issuer}/.well-known/jwks.json`),
    issuer,
  }
  if (tokenUse === 'id') {
    return {
      ...base,
      algorithms: ['RS256'],
      audience: clients,
      validate: (claims) => {
        requireClaimEquals(claims, 'token_use', 'id', 'The token is not an ID token.')
      },
    }
  }
  const accepted = new Set(clients)
  return {
    ...base,
    algorithms: ['RS256'],
    validate: (claims) => {
      requireClaimEquals(claims, 'token_use', 'access', 'The token is not an access token.')
      requireClaimIn(claims, 'client_id', accepted, 'The token was issued to another client.')
    },
  }
}
