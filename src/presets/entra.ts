// Microsoft Entra ID (Azure AD) v2.0 access tokens for your API. Keys:
// https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys (RS256, `kid` and `x5t` in the
// header); issuer https://login.microsoftonline.com/{tid}/v2.0 where {tid} is the token's tenant
// (the `tid` claim); `aud` the API's application (client) id; `ver` "2.0". Access tokens carry
// `azp` (the calling client) and `scp` (delegated) or `roles` (app-only); ID tokens carry neither
// `azp` nor `scp`. Multi-tenant apps read tokens of many tenants: the issuer then depends on `tid`
// and must be checked against it, and the tenants allowed are the app's own policy.
// Docs: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference,
// https://learn.microsoft.com/entra/identity-platform/claims-validation,
// https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens.
import { ClaimInvalidError, InvalidOptionError } from '../errors.js'
import type { JwksUriOptions, JwtClaims } from '../verifier/types.js'
import {
  jwksUriFor,
  presetOptions,
  requireClaimEquals,
  requireClaimIn,
  stringListOption,
  stringOption,
  type PresetBaseOptions,
} from './preset-options.js'

/** Options of {@link entra}. */
export interface EntraPresetOptions extends PresetBaseOptions {
  /**
   * Your tenant id (single-tenant: only its tokens), or `'common'` (any tenant and personal
   * Microsoft accounts) or `'organizations'` (any work or school tenant) for a multi-tenant app.
   */
  readonly tenantId: string
  /** Your API's application (client) id: the `aud` of v2.0 access tokens for it. */
  readonly clientId: string
  /** Other accepted `aud` values, e.g. `api://<clientId>`. */
  readonly audience?: string | readonly string[]
  /** Multi-tenant only: the tenant ids (`tid`) accepted; every tenant when absent. */
  readonly allowedTenants?: readonly string[]
}

const LOGIN = 'https://login.microsoftonline.com'
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// The tenant of personal Microsoft accounts, which 'organizations' excludes.
const CONSUMERS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad'

/**
 * Verifier options for Entra ID v2.0 access tokens, single- or multi-tenant.
 * @throws {InvalidOptionError} for a missing or malformed option.
 * @example
 * const guard = createGuard({ ...presets.entra({ tenantId: 'organizations', clientId: '8b2c2f4e-1c7a-4c0e-9d8e-2f1b3a4c5d6e' }) })
 */
export function entra(options: EntraPresetOptions): JwksUriOptions {
  const o = presetOptions(options, 'entra', ['tenantId', 'clientId', 'audience', 'allowedTenants'])
  const tenantId = stringOption(
    o,
    'tenantId',
    "a tenant id (GUID), 'common' or 'organizations'",
    /^(?:common|organizations|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i,
  ).toLowerCase()
  const clientId = stringOption(o, 'clientId', 'the application (client) id', GUID)
  const audience = [
    clientId,
    ...(o.audience === undefined ? [] : stringListOption(o, 'audience', 'audience(s)')),
  ]
  const multi = tenantId === 'common' || tenantId === 'organizations'
  if (!multi && o.allowedTenants !== undefined)
    throw new InvalidOptionError('allowedTenants', "applies only to 'common' or 'organizations'")
  let allowed: ReadonlySet<string> | undefined
  if (o.allowedTenants !== undefined) {
    const list = stringListOption(o, 'allowedTenants', 'tenant ids')
    if (!list.every((t) => GUID.test(t)))
      throw new InvalidOptionError('allowedTenants', 'must be tenant ids (GUIDs)')
    allowed = new Set(list.map((t) => t.toLowerCase()))
  }
  const accessToken = (claims: JwtClaims): void => {
    requireClaimEquals(claims, 'ver', '2.0', 'The token is not a v2.0 token.')
    // An ID token has the same audience (the app's client id) but neither azp nor scp/roles; an
    // access token grants something: a non-empty `scp`, or a non-empty `roles` array.
    const delegated = typeof claims.scp === 'string' && claims.scp.trim() !== ''
    const appOnly =
      Array.isArray(claims.roles) &&
      claims.roles.length > 0 &&
      claims.roles.every((role) => typeof role === 'string' && role !== '')
    if (typeof claims.azp !== 'string' || !(delegated || appOnly))
      throw new ClaimInvalidError('azp', 'The token is not an access token.')
  }
  if (!multi) {
    return {
      jwksUri: jwksUriFor(o, `${LOGIN}/${tenantId}/discovery/v2.0/keys`),
      algorithms: ['RS256'],
      issuer: `${LOGIN}/${tenantId}/v2.0`,
      audience,
      validate: (claims) => {
        accessToken(claims)
        requireClaimEquals(claims, 'tid', tenantId, 'The token is from another tenant.')
      },
    }
  }
  return {
    jwksUri: jwksUriFor(o, `${LOGIN}/${tenantId}/discovery/v2.0/keys`),
    algorithms: ['RS256'],
    audience,
    // The issuer template https://login.microsoftonline.com/{tid}/v2.0, filled with the token's
    // own tid: a token of tenant A claiming tenant B's issuer is refused.
    validate: (claims) => {
      accessToken(claims)
      const tid = claims.tid
      if (typeof tid !== 'string' || !GUID.test(tid))
        throw new ClaimInvalidError('tid', 'The token has no tenant id.')
      if (claims.iss !== `${LOGIN}/${tid}/v2.0`)
        throw new ClaimInvalidError('iss', "The token's issuer does not match its tenant.")
      if (tenantId === 'organizations' && tid.toLowerCase() === CONSUMERS_TENANT)
        throw new ClaimInvalidError('tid', 'Personal Microsoft accounts are not accepted.')
      if (allowed !== undefined)
        requireClaimIn(
          { tid: tid.toLowerCase() },
          'tid',
          allowed,
          'The token is from a tenant that is not allowed.',
        )
    },
  }
}
