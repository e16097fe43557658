// createIntrospectionVerifier against a real authorization server (oidc-provider 9) and its RFC
// 7662 endpoint, with opaque access tokens from the client credentials grant: both client
// authentication methods, active and revoked tokens, the claims policy, the cache and single
// flight, and the verifier behind createGuard (a real Socket.IO server) and requireAuth (Express).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createIntrospectionVerifier,
  requireScope,
  scopesOf,
  type IntrospectionVerifierOptions,
} from '../../../src/index.js'
import { requireAuth } from '../../../src/express/index.js'
import { connected, expectRefused } from '../../support/guard-e2e.js'
import {
  API_BASIC,
  API_POST,
  RESOURCE,
  WORKER,
  startProvider,
  type TestProvider,
} from '../../support/oidc-provider.js'
import { startServer } from '../../support/socket-server.js'
import { startApp } from '../express/support.js'

let provider: TestProvider
beforeAll(async () => {
  provider = await startProvider()
})
afterAll(async () => {
  await provider.close()
})

const verifierFor = (options: Partial<IntrospectionVerifierOptions> = {}) =>
  createIntrospectionVerifier({
    url: provider.introspectionUrl,
    clientId: API_BASIC.id,
    clientSecret: API_BASIC.secret,
    issuer: provider.issuer,
    audience: RESOURCE,
    ...options,
  })

describe('introspection against oidc-provider', () => {
  it('accepts an active opaque token and keeps scope, client_id and token_type as claims', async () => {
    const { token, expiresIn } = await provider.issueToken('chat:read chat:write')
    // Opaque: not a JWS, nothing to decode.
    expect(token.split('.')).toHaveLength(1)
    const verifier = verifierFor()
    const before = Date.now()
    const { claims, expiresAt } = await verifier.verify(token)
    expect(claims).toMatchObject({
      iss: provider.issuer,
      aud: RESOURCE,
      client_id: WORKER.id,
      token_type: 'Bearer',
      scope: 'chat:read chat:write',
    })
    expect(claims).not.toHaveProperty('active')
    expect(expiresAt).toBe((claims.exp ?? 0) * 1000)
    expect(expiresAt!).toBeGreaterThanOrEqual(
      Math.floor(before / 1000) * 1000 + (expiresIn - 2) * 1000,
    )
    expect([...scopesOf(claims)]).toEqual(['chat:read', 'chat:write'])
    expect(requireScope('chat:write')(claims)).toBe(true)
    expect(requireScope('admin')(claims)).toBe(false)
  })

  it('authenticates with client_secret_post too', async () => {
    const { token } = await provider.issueToken()
    const verifier = verifierFor({
      clientId: API_POST.id,
      clientSecret: API_POST.secret,
      clientAuth: 'client_secret_post',
    })
    await expect(verifier.verify(token)).resolves.toMatchObject({
      claims: { client_id: WORKER.id },
    })
  })

  it('refuses a revoked and an unknown token with token_invalid', async () => {
    const { token } = await provider.issueToken()
    const verifier = verifierFor({ cache: false })
    await expect(verifier.verify(token)).resolves.toBeDefined()
    await provider.revoke(token)
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'token_invalid' })
    await expect(verifier.verify(`${token}x`)).rejects.toMatchObject({ code: 'token_invalid' })
    await expect(verifier.verify('not-a-token-the-provider-knows')).rejects.toMatchObject({
      code: 'token_invalid',
    })
  })

  it('checks iss and aud under the verifier policy', async () => {
    const { token } = await provider.issueToken()
    await expect(verifierFor({ audience: 'urn:other' }).verify(token)).rejects.toMatchObject({
      code: 'claim_invalid',
      claim: 'aud',
    })
    await expect(
      verifierFor({ issuer: 'https://elsewhere.example' }).verify(token),
    ).rejects.toMatchObject({ code: 'claim_invalid', claim: 'iss' })
    await expect(verifierFor({ requiredClaims: ['sub'] }).verify(token)).rejects.toMatchObject({
      code: 'claim_invalid',
      claim: 'sub',
    })
  })

  it('wrong client credentials are the server failing (server_error), never the token', async () => {
    const { token } = await provider.issueToken()
    const verifier = verifierFor({ clientSecret: 'wrong-secret' })
    const error = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    )
    expect(error?.code).toBe('server_error')
    expect(error?.message).not.toContain(token)
  })

  it('caches an active result and sends one request for concurrent verifications', async () => {
    const { token } = await provider.issueToken()
    const verifier = verifierFor()
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)))
    expect(verifier.requests).toBe(1)
    expect(new Set(results).size).toBe(1)
    await verifier.verify(token)
    expect(verifier.requests).toBe(1)
    // A revocation at the provider is seen once the cached entry is gone (maxTtlMs, or close()).
    await provider.revoke(token)
    await expect(verifier.verify(token)).resolves.toBeDefined()
    const fresh = verifierFor({ cache: { maxTtlMs: 1 } })
    await expect(fresh.verify(token)).rejects.toMatchObject({ code: 'token_invalid' })
  })

  it('guards a real Socket.IO server: an opaque token connects, a revoked one is refused', async () => {
    const verifier = verifierFor({ cache: false })
    await using server = await startServer({ guard: { verifier } })
    const seen: unknown[] = []
    server.io.on('connection', (socket) => {
      seen.push((socket.data as { auth?: { claims?: unknown } }).auth?.claims)
    })
    const { token } = await provider.issueToken()
    const client = server.connect({ auth: { token } })
    await connected(client)
    await expect.poll(() => seen.length).toBe(1)
    expect(seen[0]).toMatchObject({ client_id: WORKER.id, scope: 'chat:read' })
    await provider.revoke(token)
    const refused = server.connect({ auth: { token } })
    await expectRefused(refused, 'token_invalid', token)
  })

  it('guards an Express route through requireAuth', async () => {
    const verifier = verifierFor()
    await using app = await startApp((a) => {
      a.get('/me', requireAuth({ verifier }), (req, res) => {
        res.json((req as unknown as { auth: { claims: unknown } }).auth.claims)
      })
    })
    const { token } = await provider.issueToken()
    const ok = await app.get('/me', token)
    expect(ok.status).toBe(200)
    expect(await ok.json()).toMatchObject({ client_id: WORKER.id })
    const refused = await app.get('/me', 'unknown-opaque-token')
    expect(refused.status).toBe(401)
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token')
  })
})
