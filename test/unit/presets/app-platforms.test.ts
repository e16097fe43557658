// presets.cognito, google, firebase, supabase and clerk with tokens shaped as each platform issues
// them (header, claims, key type, kid), signed with keys made at run time and served from a local
// JWK set, and the tokens each must refuse: the other kind of token, another client, another
// project, wrong token_use, wrong azp.
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { presets } from '../../../src/index.js'
import {
  id,
  issue,
  jwksServer,
  jwksUrl,
  lifetime,
  nowSeconds,
  providerKey,
  refusal,
  verifierOf,
} from './support.js'

describe('presets.cognito', async () => {
  // Cognito lists two RSA keys (ID and access tokens are signed with different ones), alg RS256,
  // use sig, base64 kids ending in "=".
  const idKey = providerKey('RS256', 'abcdefghijklmnopqrsexample=')
  const accessKey = providerKey('RS256', 'fgjhlkhjlkhexample=')
  const server = await jwksServer(idKey, accessKey)
  const region = 'eu-west-1'
  const userPoolId = 'eu-west-1_AbCdEf123'
  const iss = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`
  const clientId = '1example23456789'
  const sub = 'aaaaaaaa-bbbb-cccc-dddd-example'
  const access = (claims: Record<string, unknown> = {}) =>
    issue(
      accessKey,
      { kid: accessKey.kid },
      {
        sub,
        'cognito:groups': ['admins'],
        iss,
        version: 2,
        client_id: clientId,
        origin_jti: randomUUID(),
        event_id: randomUUID(),
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin phone openid email',
        auth_time: nowSeconds(),
        ...lifetime(),
        jti: randomUUID(),
        username: 'alice',
        ...claims,
      },
    )
  const idToken = (claims: Record<string, unknown> = {}) =>
    issue(
      idKey,
      { kid: idKey.kid },
      {
        at_hash: 'cKpB6VFY6hV4xM5Tn9nX9A',
        sub,
        'cognito:groups': ['admins'],
        email_verified: true,
        iss,
        'cognito:username': 'alice',
        origin_jti: randomUUID(),
        aud: clientId,
        event_id: randomUUID(),
        token_use: 'id',
        auth_time: nowSeconds(),
        ...lifetime(),
        jti: randomUUID(),
        email: 'alice@example.com',
        ...claims,
      },
    )

  describe("tokenUse 'access' (the default)", () => {
    const verifier = verifierOf(
      presets.cognito({ region, userPoolId, clientId, jwksUri: jwksUrl(server) }),
    )
    it('accepts an access token of the app client (no aud)', async () => {
      const { claims } = await verifier.verify(access())
      expect(claims).not.toHaveProperty('aud')
    })
    it('refuses an ID token, another app client, another pool', async () => {
      expect(await refusal(verifier, idToken())).toEqual({
        code: 'claim_invalid',
        claim: 'token_use',
      })
      expect(await refusal(verifier, access({ client_id: '2other3456789012' }))).toEqual({
        code: 'claim_invalid',
        claim: 'client_id',
      })
      expect(await refusal(verifier, access({ client_id: undefined }))).toEqual({
        code: 'claim_invalid',
        claim: 'client_id',
      })
      expect(
        await refusal(
          verifier,
          access({ iss: `https://cognito-idp.${region}.amazonaws.com/${region}_Other1234` }),
        ),
      ).toEqual({ code: 'claim_invalid', claim: 'iss' })
    })
  })

  describe("tokenUse 'id'", () => {
    const verifier = verifierOf(
      presets.cognito({ region, userPoolId, clientId, tokenUse: 'id', jwksUri: jwksUrl(server) }),
    )
    it('accepts an ID token for the app client', async () => {
      await expect(verifier.verify(idToken())).resolves.toBeDefined()
    })
    it('refuses an access token, an ID token of another client, a wrong token_use', async () => {
      expect(await refusal(verifier, access())).toEqual({ code: 'claim_invalid', claim: 'aud' })
      expect(await refusal(verifier, idToken({ aud: '2other3456789012' }))).toEqual({
        code: 'claim_invalid',
        claim: 'aud',
      })
      expect(await refusal(verifier, idToken({ token_use: 'access' }))).toEqual({
        code: 'claim_invalid',
        claim: 'token_use',
      })
    })
  })

  it('derives the issuer and keys URL, and refuses a pool of another region', () => {
    expect(presets.cognito({ region, userPoolId, clientId })).toMatchObject({
      jwksUri: `${iss}/.well-known/jwks.json`,
      issuer: iss,
      algorithms: ['RS256'],
    })
    expect(() => presets.cognito({ region: 'us-east-1', userPoolId, clientId })).toThrow(
      expect.objectContaining({ option: 'userPoolId' }),
    )
    expect(() =>
      // @ts-expect-error: not a token use
      presets.cognito({ region, userPoolId, clientId, tokenUse: 'refresh' }),
    ).toThrow(expect.objectContaining({ option: 'tokenUse' }))
  })
})

describe('presets.google', async () => {
  // Google's keys: RSA, alg RS256, use sig, hex kids.
  const key = providerKey('RS256', randomBytes(20).toString('hex'))
  const server = await jwksServer(key)
  const clientId = '1234567890-abc123def456.apps.googleusercontent.com'
  const verifier = verifierOf(presets.google({ clientId, jwksUri: jwksUrl(server) }))
  const token = (claims: Record<string, unknown> = {}) =>
    issue(
      key,
      { kid: key.kid, typ: 'JWT' },
      {
        iss: 'https://accounts.google.com',
        azp: clientId,
        aud: clientId,
        sub: '110169484474386276334',
        email: 'alice@gmail.com',
        email_verified: true,
        at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q',
        name: 'Alice',
        picture: 'https://lh3.googleusercontent.com/a/x',
        given_name: 'Alice',
        family_name: 'Liddell',
        ...lifetime(),
        ...claims,
      },
    )

  it('accepts an ID token under either issuer spelling', async () => {
    await expect(verifier.verify(token())).resolves.toBeDefined()
    await expect(verifier.verify(token({ iss: 'accounts.google.com' }))).resolves.toBeDefined()
  })

  it('refuses another client, another issuer; hostedDomain checks hd', async () => {
    expect(await refusal(verifier, token({ aud: '999-other.apps.googleusercontent.com' }))).toEqual(
      { code: 'claim_invalid', claim: 'aud' },
    )
    expect(await refusal(verifier, token({ iss: 'https://accounts.example.com' }))).toEqual({
      code: 'claim_invalid',
      claim: 'iss',
    })
    const workspace = verifierOf(
      presets.google({ clientId, hostedDomain: 'example.com', jwksUri: jwksUrl(server) }),
    )
    await expect(workspace.verify(token({ hd: 'example.com' }))).resolves.toBeDefined()
    expect(await refusal(workspace, token())).toEqual({ code: 'claim_invalid', claim: 'hd' })
  })
})

describe('presets.firebase', async () => {
  const key = providerKey('RS256', randomBytes(20).toString('hex'))
  const server = await jwksServer(key)
  const projectId = 'chat-app-1234'
  const verifier = verifierOf(presets.firebase({ projectId, jwksUri: jwksUrl(server) }))
  const uid = 'tZ9vQ1xK3yB5nM7pL2cR4dF6gH8j'
  const token = (claims: Record<string, unknown> = {}) =>
    issue(
      key,
      { kid: key.kid, typ: 'JWT' },
      {
        name: 'Alice',
        iss: `https://securetoken.google.com/${projectId}`,
        aud: projectId,
        auth_time: nowSeconds() - 600,
        user_id: uid,
        sub: uid,
        ...lifetime(),
        email: 'alice@example.com',
        email_verified: false,
        firebase: { identities: { email: ['alice@example.com'] }, sign_in_provider: 'password' },
        ...claims,
      },
    )

  it('accepts an ID token of the project', async () => {
    const { claims } = await verifier.verify(token())
    expect(claims.sub).toBe(uid)
  })

  it('refuses another project, a session cookie, an empty or missing sub, a future auth_time', async () => {
    expect(
      await refusal(
        verifier,
        token({ aud: 'other-project', iss: 'https://securetoken.google.com/other-project' }),
      ),
    ).toEqual({ code: 'claim_invalid', claim: 'iss' })
    expect(await refusal(verifier, token({ aud: 'other-project' }))).toEqual({
      code: 'claim_invalid',
      claim: 'aud',
    })
    expect(
      await refusal(verifier, token({ iss: `https://session.firebase.google.com/${projectId}` })),
    ).toEqual({ code: 'claim_invalid', claim: 'iss' })
    expect(await refusal(verifier, token({ sub: '' }))).toEqual({
      code: 'claim_invalid',
      claim: 'sub',
    })
    expect(await refusal(verifier, token({ sub: undefined }))).toEqual({
      code: 'claim_invalid',
      claim: 'sub',
    })
    expect(await refusal(verifier, token({ auth_time: nowSeconds() + 600 }))).toEqual({
      code: 'claim_invalid',
      claim: 'auth_time',
    })
    expect(await refusal(verifier, token({ auth_time: undefined }))).toEqual({
      code: 'claim_invalid',
      claim: 'auth_time',
    })
  })
})

describe('presets.supabase', async () => {
  // Supabase signing keys: EC P-256, alg ES256, use sig, key_ops ["verify"], a UUID kid.
  const key = providerKey('ES256', randomUUID(), {
    alg: 'ES256',
    use: 'sig',
    key_ops: ['verify'],
    ext: true,
  })
  const server = await jwksServer(key)
  const url = 'https://abcdefghijklmnop.supabase.co'
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: `${url}/auth/v1`,
    sub: randomUUID(),
    aud: 'authenticated',
    ...lifetime(),
    email: 'alice@example.com',
    phone: '',
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: { email_verified: true },
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: nowSeconds() }],
    session_id: randomUUID(),
    is_anonymous: false,
    ...extra,
  })
  const anonKey = (secret: string) =>
    issue(
      { alg: 'HS256', privateKey: secret },
      { typ: 'JWT' },
      {
        iss: 'supabase',
        ref: 'abcdefghijklmnop',
        role: 'anon',
        iat: nowSeconds() - 100_000,
        exp: nowSeconds() + 100_000_000,
      },
    )

  it('asymmetric: accepts a user access token from the project JWK set', async () => {
    const verifier = verifierOf(presets.supabase({ url, jwksUri: jwksUrl(server) }))
    await expect(
      verifier.verify(issue(key, { kid: key.kid, typ: 'JWT' }, claims())),
    ).resolves.toBeDefined()
    expect(
      await refusal(
        verifier,
        issue(
          key,
          { kid: key.kid, typ: 'JWT' },
          claims({ iss: 'https://other.supabase.co/auth/v1' }),
        ),
      ),
    ).toEqual({ code: 'claim_invalid', claim: 'iss' })
    // A legacy HS256 token is not accepted by an asymmetric verifier.
    expect((await refusal(verifier, anonKey('x'.repeat(40)))).code).toBe('token_invalid')
  })

  it('legacy secret: accepts HS256 user tokens, refuses the anon key and another audience', async () => {
    const secret = randomBytes(40).toString('base64')
    const verifier = verifierOf(presets.supabase({ url, jwtSecret: secret }))
    const hs = { alg: 'HS256' as const, privateKey: secret }
    await expect(verifier.verify(issue(hs, { typ: 'JWT' }, claims()))).resolves.toBeDefined()
    expect(await refusal(verifier, anonKey(secret))).toEqual({
      code: 'claim_invalid',
      claim: 'iss',
    })
    expect(await refusal(verifier, issue(hs, { typ: 'JWT' }, claims({ aud: 'anon' })))).toEqual({
      code: 'claim_invalid',
      claim: 'aud',
    })
    expect(() => presets.supabase({ url, jwtSecret: secret, jwksUri: jwksUrl(server) })).toThrow(
      expect.objectContaining({ option: 'jwtSecret' }),
    )
  })

  it('derives the JWK set URL', () => {
    expect(presets.supabase({ url: `${url}/` })).toEqual({
      jwksUri: `${url}/auth/v1/.well-known/jwks.json`,
      algorithms: ['ES256', 'RS256'],
      issuer: `${url}/auth/v1`,
      audience: ['authenticated'],
    })
  })
})

describe('presets.clerk', async () => {
  // Clerk's instance key: RSA, alg RS256, use sig, kid "ins_...".
  const key = providerKey('RS256', `ins_${id()}`)
  const server = await jwksServer(key)
  const issuer = 'https://clerk.example.com'
  const origin = 'https://app.example.com'
  const verifier = verifierOf(
    presets.clerk({
      frontendApi: 'clerk.example.com',
      authorizedParties: [origin, 'http://localhost:3000'],
      jwksUri: jwksUrl(server),
    }),
  )
  const token = (claims: Record<string, unknown> = {}) =>
    issue(
      key,
      { kid: key.kid, typ: 'JWT' },
      {
        azp: origin,
        ...lifetime(60),
        fva: [0, -1],
        iss: issuer,
        nbf: nowSeconds() - 10,
        sid: `sess_${id()}`,
        sub: `user_${id()}`,
        v: 2,
        ...claims,
      },
    )

  it('accepts a session token made for an allowed origin', async () => {
    await expect(verifier.verify(token())).resolves.toBeDefined()
    await expect(verifier.verify(token({ azp: 'http://localhost:3000' }))).resolves.toBeDefined()
  })

  it('refuses another origin, no azp, another instance', async () => {
    expect(await refusal(verifier, token({ azp: 'https://evil.example.com' }))).toEqual({
      code: 'claim_invalid',
      claim: 'azp',
    })
    expect(await refusal(verifier, token({ azp: `${origin}/` }))).toEqual({
      code: 'claim_invalid',
      claim: 'azp',
    })
    expect(await refusal(verifier, token({ azp: undefined }))).toEqual({
      code: 'claim_invalid',
      claim: 'azp',
    })
    expect(await refusal(verifier, token({ iss: 'https://clerk.other.com' }))).toEqual({
      code: 'claim_invalid',
      claim: 'iss',
    })
  })

  it('takes issuer or frontendApi (one), and origins only', () => {
    expect(
      presets.clerk({
        issuer: 'https://verb-noun-42.clerk.accounts.dev',
        authorizedParties: [origin],
      }),
    ).toMatchObject({
      issuer: 'https://verb-noun-42.clerk.accounts.dev',
      jwksUri: 'https://verb-noun-42.clerk.accounts.dev/.well-known/jwks.json',
    })
    expect(() => presets.clerk({ authorizedParties: [origin] })).toThrow(
      expect.objectContaining({ option: 'issuer' }),
    )
    expect(() =>
      presets.clerk({ frontendApi: 'clerk.example.com', authorizedParties: ['https://a.com/x'] }),
    ).toThrow(expect.objectContaining({ option: 'authorizedParties' }))
  })
})

describe('every preset', () => {
  it('refuses unknown options and a non-object', () => {
    expect(() =>
      // @ts-expect-error: a typo of audience
      presets.auth0({ domain: 'x.auth0.com', audience: 'a', audiance: 'a' }),
    ).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'audiance' }))
    expect(() =>
      // @ts-expect-error: no options
      presets.google(undefined),
    ).toThrow(expect.objectContaining({ code: 'invalid_option' }))
  })
})
