// A real OpenID Provider for the logout tests: `oidc-provider` 9 on 127.0.0.1:0 with back-channel
// logout, JWT access tokens for one resource (carrying the session's `sid`), and its development
// login and consent pages, driven here over HTTP as a browser would (a cookie jar, the forms).
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

export const CLIENT_ID = 'chat-web'
export const RESOURCE = 'urn:sockguard:chat'
const REDIRECT_URI = 'http://127.0.0.1:1/callback'

/** A provider listening before it is configured (its issuer is needed by the guard first). */
export interface TestProvider extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: the issuer, and the discovery base URL. */
  readonly issuer: string
  /** The provider's failed back-channel logout calls. */
  readonly backchannelErrors: readonly Error[]
  /** Creates the provider, with the client's `backchannel_logout_uri`. */
  configure(backchannelLogoutUri: string): void
  /** Logs `user` in through the authorization code flow; the tokens of the client. */
  login(user: string): Promise<Session>
  close(): Promise<void>
}

/** A logged-in user's browser (its cookies at the provider) and tokens. */
export interface Session {
  readonly accessToken: string
  readonly idToken: string
  /**
   * Ends the session at the provider (RP-initiated logout: the confirmation page, then its form),
   * which sends the back-channel logout before it answers. Resolves with the instant (ms,
   * performance.now()) the confirmation was sent, and the provider's status.
   */
  logout(): Promise<{ readonly sentAt: number; readonly status: number }>
}

/** Starts the provider's HTTP server; {@link TestProvider.configure} creates the provider. */
export async function startProvider(): Promise<TestProvider> {
  const backchannelErrors: Error[] = []
  let callback: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined
  const http = createServer((req, res) => {
    if (callback === undefined) {
      res.statusCode = 503
      res.end()
      return
    }
    void callback(req, res)
  })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  // The provider's signing key, made now: nothing private is committed.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'op-1', alg: 'RS256', use: 'sig' }

  const configure = (backchannelLogoutUri: string): void => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: randomBytes(32).toString('base64url'),
          token_endpoint_auth_method: 'none',
          application_type: 'web',
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          backchannel_logout_uri: backchannelLogoutUri,
          backchannel_logout_session_required: true,
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
      features: {
        devInteractions: { enabled: true },
        backchannelLogout: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: 'chat',
            audience: RESOURCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
            jwt: { sign: { alg: 'RS256' } },
          }),
        },
      },
      // oidc-provider refuses to call special-use addresses (SSRF protection), loopback included:
      // the receiver here is on 127.0.0.1, so the provider's own dispatcher is left out.
      fetch: (url: string | URL | Request, options?: RequestInit & { dispatcher?: unknown }) => {
        const { dispatcher: _, ...rest } = options ?? {}
        return globalThis.fetch(url, rest)
      },
      // The provider session's id for this client, as in its ID token and logout tokens.
      extraTokenClaims: (_ctx: unknown, token: unknown) =>
        typeof (token as { sid?: unknown }).sid === 'string'
          ? { sid: (token as { sid: string }).sid }
          : undefined,
    })
    // Development warnings (dev interactions, default pages) are expected here.
    provider.on('server_error', () => undefined)
    provider.on('backchannel.error', (_ctx: unknown, error: Error) => {
      backchannelErrors.push(error)
    })
    callback = provider.callback()
  }

  const login = async (user: string): Promise<Session> => {
    const jar = new Map<string, string>()
    const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
      const url = new URL(path, issuer)
      const headers = new Headers(init.headers)
      if (jar.size > 0)
        headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '))
      const response = await fetch(url, { ...init, headers, redirect: 'manual' })
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = ''] = cookie.split(';')
        const at = pair.indexOf('=')
        const [name, value] = [pair.slice(0, at), pair.slice(at + 1)]
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name)
        else jar.set(name, value)
      }
      return response
    }
    const form = (fields: Record<string, string>): RequestInit => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    })

    const verifier = randomBytes(32).toString('base64url')
    const challenge = createHash('sha256').update(verifier).digest('base64url')
    let location: string | null = `/auth?${new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      scope: 'openid chat',
      redirect_uri: REDIRECT_URI,
      resource: RESOURCE,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
      nonce: randomBytes(8).toString('hex'),
    }).toString()}`
    let code: string | undefined
    for (let step = 0; step < 12 && code === undefined; step++) {
      if (location === null) throw new Error('the provider stopped redirecting')
      if (location.startsWith(REDIRECT_URI)) {
        const params = new URL(location).searchParams
        code = params.get('code') ?? undefined
        if (code === undefined) throw new Error(`authorization failed: ${params.toString()}`)
        break
      }
      const path: string = new URL(location, issuer).pathname
      if (/^\/interaction\/[^/]+$/.test(path)) {
        // The login or consent page: its form says which prompt it is.
        const page = await (await request(path)).text()
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1]
        if (prompt === undefined) throw new Error('no interaction form')
        const fields: Record<string, string> =
          prompt === 'login' ? { prompt, login: user, password: 'any' } : { prompt }
        location = (await request(path, form(fields))).headers.get('location')
      } else {
        location = (await request(location)).headers.get('location')
      }
    }
    if (code === undefined) throw new Error('no authorization code')
    const token = await request(
      '/token',
      form({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        client_id: CLIENT_ID,
        resource: RESOURCE,
      }),
    )
    const tokens = (await token.json()) as Record<string, unknown>
    if (typeof tokens.access_token !== 'string' || typeof tokens.id_token !== 'string')
      throw new Error(`no tokens: ${JSON.stringify(tokens)}`)
    const idToken = tokens.id_token
    return {
      accessToken: tokens.access_token,
      idToken,
      async logout() {
        const page = await (
          await request(
            `/session/end?${new URLSearchParams({ id_token_hint: idToken }).toString()}`,
          )
        ).text()
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1]
        if (xsrf === undefined) throw new Error('no logout form')
        const sentAt = performance.now()
        const response = await request('/session/end/confirm', form({ xsrf, logout: 'yes' }))
        return { sentAt, status: response.status }
      },
    }
  }

  const close = async (): Promise<void> => {
    http.closeAllConnections()
    await new Promise<void>((resolve) => {
      http.close(() => {
        resolve()
      })
    })
  }
  return { issuer, backchannelErrors, configure, login, close, [Symbol.asyncDispose]: close }
}
