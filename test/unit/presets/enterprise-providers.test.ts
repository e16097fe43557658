// presets.auth0, okta, keycloak and entra with tokens shaped as each provider issues them (header,
// claims, key type, kid), signed with keys made at run time and served from a local JWK set, and
// the tokens each must refuse: ID tokens where access tokens are required, other tenants, other
// clients, other issuers.
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { presets } from '../../../src/index.js'
import {
  id,
  issue,
  jwksServer,
  jwksUrl,
  lifetime,
  providerKey,
  refusal,
  verifierOf,
} from './support.js'

describe('presets.auth0', async () => {
  // Auth0 lists RSA keys with alg RS256, use sig, a base64url kid, x5t and x5c.
  const key = providerKey('RS256', 'pZ3xC1kQmF0bL9aV7yR2n', {
    alg: 'RS256',
    use: 'sig',
    x5t: 'x5t-thumb',
  })
  const server = await jwksServer(key)
  const domain = 'example.eu.auth0.com'
  const api = 'https://chat.example.com'
  const verifier = verifierOf(presets.auth0({ domain, audience: api, jwksUri: jwksUrl(server) }))
  const header = { typ: 'JWT', kid: key.kid }
  const access = (claims: Record<string, unknown> = {}) =>
    issue(key, header, {
      iss: `https://${domain}/`,
      sub: 'auth0|64f1c2d3e4f5a6b7c8d9e0f1',
      aud: [api, `https://${domain}/userinfo`],
      ...lifetime(86_400),
      scope: 'openid profile chat:read',
      azp: 'Xk3aB9cD0eF1gH2iJ3kL4mN5oP6qR7sT',
      permissions: ['chat:read'],
      ...claims,
    })

  it('accepts an access token for the API', async () => {
    const { claims } = await verifier.verify(access())
    expect(claims.sub).toBe('auth0|64f1c2d3e4f5a6b7c8d9e0f1')
  })

  it('refuses an ID token (aud is a client id), another tenant, another API', async () => {
    const idToken = issue(key, header, {
      iss: `https://${domain}/`,
      aud: 'Xk3aB9cD0eF1gH2iJ3kL4mN5oP6qR7sT',
      sub: 'auth0|64f1c2d3e4f5a6b7c8d9e0f1',
      ...lifetime(),
      nonce: 'n-0S6_WzA2Mj',
      sid: id(),
      name: 'Alice',
    })
    expect(await refusal(verifier, idToken)).toEqual({ code: 'claim_invalid', claim: 'aud' })
    expect(await refusal(verifier, access({ iss: 'https://other.eu.auth0.com/' }))).toEqual({
      code: 'claim_invalid',
      claim: 'iss',
    })
    expect(await refusal(verifier, access({ aud: 'https://billing.example.com' }))).toEqual({
      code: 'claim_invalid',
      claim: 'aud',
    })
  })

  it('uses the documented JWK set URL and issuer by default', () => {
    expect(presets.auth0({ domain, audience: api })).toEqual({
      jwksUri: `https://${domain}/.well-known/jwks.json`,
      algorithms: ['RS256'],
      issuer: `https://${domain}/`,
      audience: [api],
    })
    expect(() => presets.auth0({ domain: 'https://x.auth0.com', audience: api })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'domain' }),
    )
  })
})

describe('presets.okta', async () => {
  // Okta keys: RSA, alg RS256, use sig, a kid like "xyz123Abc-d_eFgH".
  const key = providerKey('RS256', 'uT0Yx3_dLw2sPqH8-zA1b')
  const server = await jwksServer(key)
  const issuer = 'https://dev-123456.okta.com/oauth2/default'
  const client = '0oa1b2c3d4e5f6g7h8i9'
  const verifier = verifierOf(
    presets.okta({ issuer, audience: 'api://default', clientId: client, jwksUri: jwksUrl(server) }),
  )
  const header = { kid: key.kid }
  const access = (claims: Record<string, unknown> = {}) =>
    issue(key, header, {
      ver: 1,
      jti: `AT.${id()}`,
      iss: issuer,
      aud: 'api://default',
      ...lifetime(),
      cid: client,
      uid: '00u1a2b3c4d5e6f7g8h9',
      scp: ['openid', 'chat:read'],
      auth_time: lifetime().iat - 60,
      sub: 'alice@example.com',
      ...claims,
    })

  it('accepts an access token of the custom authorization server', async () => {
    const { claims } = await verifier.verify(access())
    expect(claims.scp).toEqual(['openid', 'chat:read'])
  })

  it('refuses an ID token, another client, another authorization server', async () => {
    const idToken = issue(key, header, {
      ver: 1,
      sub: '00u1a2b3c4d5e6f7g8h9',
      iss: issuer,
      aud: client,
      ...lifetime(),
      jti: `ID.${id()}`,
      amr: ['pwd'],
      idp: '00o1a2b3c4d5e6f7g8h9',
      nonce: 'n-0S6',
      auth_time: lifetime().iat,
      at_hash: 'x',
    })
    expect(await refusal(verifier, idToken)).toEqual({ code: 'claim_invalid', claim: 'aud' })
    expect(await refusal(verifier, access({ cid: '0oaOTHERCLIENT0000' }))).toEqual({
      code: 'claim_invalid',
      claim: 'cid',
    })
    expect(
      await refusal(verifier, access({ iss: 'https://dev-123456.okta.com/oauth2/aus9other' })),
    ).toEqual({ code: 'claim_invalid', claim: 'iss' })
  })

  it('derives {issuer}/v1/keys and refuses the org authorization server', () => {
    expect(presets.okta({ issuer, audience: 'api://default' })).toMatchObject({
      jwksUri: `${issuer}/v1/keys`,
      issuer,
    })
    expect(() =>
      presets.okta({ issuer: 'https://dev-123456.okta.com', audience: 'api://default' }),
    ).toThrow(expect.objectContaining({ option: 'issuer' }))
  })
})

describe('presets.keycloak', async () => {
  // Keycloak's realm keys: RSA with alg RS256 and use sig (plus an RSA-OAEP key for encryption,
  // which a verifier skips), kids like "Qk3Xc9...".
  const key = providerKey('RS256', 'Qk3Xc9Lr_8vN1hT2mJ5pB7wY0aD4fG6sE8uI0oP2rT4')
  const encryption = providerKey('RS256', 'enc-key', { alg: 'RSA-OAEP', use: 'enc' })
  const server = await jwksServer(key, encryption)
  const issuer = 'https://sso.example.com/realms/chat'
  const verifier = verifierOf(
    presets.keycloak({
      url: 'https://sso.example.com',
      realm: 'chat',
      clientId: 'chat-web',
      jwksUri: jwksUrl(server),
    }),
  )
  const header = { typ: 'JWT', kid: key.kid }
  const token = (claims: Record<string, unknown> = {}) =>
    issue(key, header, {
      ...lifetime(300),
      auth_time: lifetime().iat,
      jti: randomUUID(),
      iss: issuer,
      aud: 'account',
      sub: randomUUID(),
      typ: 'Bearer',
      azp: 'chat-web',
      sid: randomUUID(),
      acr: '1',
      'allowed-origins': ['https://chat.example.com'],
      realm_access: { roles: ['default-roles-chat', 'offline_access'] },
      resource_access: { account: { roles: ['manage-account'] } },
      scope: 'openid profile email',
      email_verified: true,
      preferred_username: 'alice',
      ...claims,
    })

  it('accepts an access token issued to the client', async () => {
    const { claims } = await verifier.verify(token())
    expect(claims.preferred_username).toBe('alice')
  })

  it('refuses an ID token, another client, another realm', async () => {
    expect(await refusal(verifier, token({ typ: 'ID', aud: 'chat-web' }))).toEqual({
      code: 'claim_invalid',
      claim: 'typ',
    })
    expect(await refusal(verifier, token({ azp: 'admin-cli' }))).toEqual({
      code: 'claim_invalid',
      claim: 'azp',
    })
    expect(
      await refusal(verifier, token({ iss: 'https://sso.example.com/realms/master' })),
    ).toEqual({ code: 'claim_invalid', claim: 'iss' })
  })

  it('checks aud when given, and needs audience or clientId', async () => {
    const byAudience = verifierOf(
      presets.keycloak({
        url: 'https://sso.example.com/',
        realm: 'chat',
        audience: 'chat-api',
        jwksUri: jwksUrl(server),
      }),
    )
    await expect(byAudience.verify(token({ aud: ['chat-api', 'account'] }))).resolves.toBeDefined()
    expect(await refusal(byAudience, token())).toEqual({ code: 'claim_invalid', claim: 'aud' })
    expect(() => presets.keycloak({ url: 'https://sso.example.com', realm: 'chat' })).toThrow(
      expect.objectContaining({ option: 'audience' }),
    )
    expect(
      presets.keycloak({ url: 'https://sso.example.com/auth', realm: 'chat', clientId: 'x' }),
    ).toMatchObject({
      issuer: 'https://sso.example.com/auth/realms/chat',
      jwksUri: 'https://sso.example.com/auth/realms/chat/protocol/openid-connect/certs',
    })
  })
})

describe('presets.entra', async () => {
  // Entra's keys have no alg: kty RSA, use sig, kid = x5t, an issuer member and x5c.
  const kid = 'L1KfKFI_jnXbwWc22xZxw1sUHH0'
  const key = providerKey('RS256', kid, {
    use: 'sig',
    x5t: kid,
    issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
  })
  const server = await jwksServer(key)
  const tenant = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a'
  const otherTenant = '72f988bf-86f1-41af-91ab-2d7cd011db47'
  const consumers = '9188040d-6c67-4c5b-b112-36a304b66dad'
  const api = '6e74172b-be56-4843-9ff4-e66a39bb12e3'
  const header = { typ: 'JWT', kid, x5t: kid }
  const access = (tid: string, claims: Record<string, unknown> = {}) =>
    issue(key, header, {
      aud: api,
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      ...lifetime(),
      nbf: lifetime().iat,
      aio: 'AWQAm/8TAAAA',
      azp: '2d4d11a2-f814-46a7-890a-274a72a7309e',
      azpacr: '0',
      name: 'Abe Lincoln',
      oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
      preferred_username: 'abeli@microsoft.com',
      rh: 'I',
      scp: 'Chat.Read',
      sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
      tid,
      uti: 'fqiBqXLPj0eQa82S-IYFAA',
      ver: '2.0',
      ...claims,
    })
  const idToken = (tid: string) =>
    issue(key, header, {
      aud: api,
      iss: `https://login.microsoftonline.com/${tid}/v2.0`,
      ...lifetime(),
      nbf: lifetime().iat,
      aio: 'Df2UVXL1ix',
      name: 'Abe Lincoln',
      nonce: '123523',
      oid: '00000000-0000-0000-66f3-3332eca7ea81',
      preferred_username: 'abeli@microsoft.com',
      rh: 'I',
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      tid,
      uti: 'Mp0XBFLl4EKBZBc_LbomAA',
      ver: '2.0',
    })

  describe('single tenant', () => {
    const verifier = verifierOf(
      presets.entra({ tenantId: tenant, clientId: api, jwksUri: jwksUrl(server) }),
    )
    it('accepts a v2.0 access token of the tenant (delegated or app-only)', async () => {
      await expect(verifier.verify(access(tenant))).resolves.toBeDefined()
      const appOnly = access(tenant, { scp: undefined, roles: ['Chat.ReadWrite.All'] })
      await expect(verifier.verify(appOnly)).resolves.toBeDefined()
    })
    it('refuses a token that grants nothing: an empty scp or roles (attack4 idp F2)', async () => {
      for (const extra of [
        { scp: '' },
        { scp: '  ' },
        { scp: undefined, roles: [] },
        { scp: undefined, roles: [''] },
      ])
        expect(await refusal(verifier, access(tenant, extra))).toEqual({
          code: 'claim_invalid',
          claim: 'azp',
        })
    })
    it('refuses an ID token, another tenant, a v1.0 token, another API', async () => {
      expect(await refusal(verifier, idToken(tenant))).toEqual({
        code: 'claim_invalid',
        claim: 'azp',
      })
      expect(await refusal(verifier, access(otherTenant))).toEqual({
        code: 'claim_invalid',
        claim: 'iss',
      })
      // The tenant's issuer, but another tid inside: refused too.
      expect(
        await refusal(
          verifier,
          access(otherTenant, { iss: `https://login.microsoftonline.com/${tenant}/v2.0` }),
        ),
      ).toEqual({ code: 'claim_invalid', claim: 'tid' })
      const v1 = access(tenant, { iss: `https://sts.windows.net/${tenant}/`, ver: '1.0' })
      expect(await refusal(verifier, v1)).toEqual({ code: 'claim_invalid', claim: 'iss' })
      expect(
        await refusal(verifier, access(tenant, { aud: 'https://graph.microsoft.com' })),
      ).toEqual({
        code: 'claim_invalid',
        claim: 'aud',
      })
    })
  })

  describe('multi-tenant', () => {
    it("accepts any tenant whose iss matches its own tid ('common')", async () => {
      const verifier = verifierOf(
        presets.entra({ tenantId: 'common', clientId: api, jwksUri: jwksUrl(server) }),
      )
      await expect(verifier.verify(access(tenant))).resolves.toBeDefined()
      await expect(verifier.verify(access(consumers))).resolves.toBeDefined()
      const forged = access(otherTenant, {
        iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
      })
      expect(await refusal(verifier, forged)).toEqual({ code: 'claim_invalid', claim: 'iss' })
      expect(await refusal(verifier, access(tenant, { tid: undefined }))).toEqual({
        code: 'claim_invalid',
        claim: 'tid',
      })
      expect(await refusal(verifier, idToken(tenant))).toMatchObject({ code: 'claim_invalid' })
    })

    it("'organizations' refuses personal accounts; allowedTenants limits the tenants", async () => {
      const verifier = verifierOf(
        presets.entra({
          tenantId: 'organizations',
          clientId: api,
          allowedTenants: [tenant],
          jwksUri: jwksUrl(server),
        }),
      )
      await expect(verifier.verify(access(tenant))).resolves.toBeDefined()
      expect(await refusal(verifier, access(otherTenant))).toEqual({
        code: 'claim_invalid',
        claim: 'tid',
      })
      expect(await refusal(verifier, access(consumers))).toEqual({
        code: 'claim_invalid',
        claim: 'tid',
      })
    })
  })

  it('uses the documented keys URL and validates its options', () => {
    expect(presets.entra({ tenantId: tenant, clientId: api })).toMatchObject({
      jwksUri: `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
      issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
      audience: [api],
    })
    expect(() => presets.entra({ tenantId: 'contoso', clientId: api })).toThrow(
      expect.objectContaining({ option: 'tenantId' }),
    )
    expect(() =>
      presets.entra({ tenantId: tenant, clientId: api, allowedTenants: [otherTenant] }),
    ).toThrow(expect.objectContaining({ option: 'allowedTenants' }))
  })
})
