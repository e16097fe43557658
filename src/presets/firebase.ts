// Firebase Authentication ID tokens. RS256 with Google's securetoken keys (published as X.509
// certificates at https://www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com
// and as the same keys in a JWK set at
// https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com, which
// this preset reads); `iss` https://securetoken.google.com/{projectId}; `aud` the project id;
// `sub` (the uid) a non-empty string; `auth_time` in the past.
// Docs: https://firebase.google.com/docs/auth/admin/verify-id-tokens#verify_id_tokens_using_a_third-party_jwt_library.
import { ClaimInvalidError } from '../errors.js'
import type { JwksUriOptions } from '../verifier/types.js'
import {
  jwksUriFor,
  presetOptions,
  stringOption,
  type PresetBaseOptions,
} from './preset-options.js'

/** Options of {@link firebase}. */
export interface FirebasePresetOptions extends PresetBaseOptions {
  /** The Firebase project id. */
  readonly projectId: string
  /** The clock the `auth_time` check reads, in ms (a test seam). @defaultValue Date.now */
  readonly now?: () => number
}

/**
 * Verifier options for Firebase Authentication ID tokens.
 * @throws {InvalidOptionError} for a missing or malformed option.
 * @example
 * const guard = createGuard({ ...presets.firebase({ projectId: 'chat-app-1234' }) })
 */
export function firebase(options: FirebasePresetOptions): JwksUriOptions {
  const o = presetOptions(options, 'firebase', ['projectId', 'now'])
  const projectId = stringOption(
    o,
    'projectId',
    'a project id',
    /^[a-z0-9][a-z0-9-]{4,28}[a-z0-9]$/,
  )
  const now = (o.now as (() => number) | undefined) ?? Date.now
  return {
    jwksUri: jwksUriFor(
      o,
      'https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com',
    ),
    algorithms: ['RS256'],
    issuer: `https://securetoken.google.com/${projectId}`,
    audience: projectId,
    // The verifier has checked that `sub`, when present, is a non-empty string.
    requiredClaims: ['sub', 'auth_time'],
    ...(o.now === undefined ? {} : { now }),
    validate: (claims) => {
      const authTime = claims.auth_time
      if (typeof authTime !== 'number' || !Number.isFinite(authTime))
        throw new ClaimInvalidError(
          'auth_time',
          'The "auth_time" claim must be a number of seconds.',
        )
      if (authTime * 1000 > now())
        throw new ClaimInvalidError('auth_time', 'The user authenticated in the future.')
      if (typeof claims.sub === 'string' && claims.sub.length > 128)
        throw new ClaimInvalidError('sub', 'The "sub" claim is longer than 128 characters.')
    },
  }
}
