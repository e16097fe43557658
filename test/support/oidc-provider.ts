// A real OpenID Connect / OAuth 2.0 authorization server for end-to-end tests: `oidc-provider` 9 on
// 127.0.0.1:0 with the client credentials grant, opaque access tokens for the resource `urn:chat`,
// token revocation and RFC 7662 introspection. Its warnings (Node 20, development adapter and
// keys) are expected here and silenced.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

/** The resource server every access token is issued for (its `aud`). */
export const RESOURCE = 'urn:chat'
/** A client that gets tokens (client_credentials). */
export const WORKER = { id: 'worker', secret: 'worker-secret-0123456789-abcdefghij' } as const
/**
 * The resource server's own client, allowed to introspect; its secret has characters that HTTP
 * Basic needs form-encoded (RFC 6749 §2.3.1): a colon, a space, `%`, `+` and `&` (secrets are
 * VSCHAR, printable ASCII, so nothing else).
 */
export const API_BASIC = { id: 'chat-api', secret: 'api: secret %2B+&' } as const
/** The same, authenticating with `client_secret_post`. */
export const API_POST = { id: 'chat-api-post', secret: 'post-secret-0123456789-abcdef' } as const

/** A running provider. */
export interface TestProvider extends AsyncDisposable {
  /** The issuer: `http://127.0.0.1:<port>`. */
  readonly issuer: string
  /** The introspection endpoint. */
  readonly introspectionUrl: string
  /** An opaque access token for {@link WORKER}, with `scope` (default `chat:read`). */
  issueToken(scope?: string): Promise<{ token: string; expiresIn: number }>
  /** Revokes a token at the provider (RFC 7009). */
  revoke(token: string): Promise<void>
  close(): Promise<void>
}

const basic = (id: string, secret: string): string => {
  const encode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1)
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`
}

const form = 'application/x-www-form-urlencoded'

/** Starts `oidc-provider` on an ephemeral loopback port. */
export async function startProvider(
  options: { accessTokenTtlSeconds?: number } = {},
): Promise<TestProvider> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const noInteraction = { redirect_uris: [], response_types: [], grant_types: [] }
  const restoreWarn = silenceProviderWarnings()
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: WORKER.id,
        client_secret: WORKER.secret,
        redirect_uris: [],
        response_types: [],
        grant_types: ['client_credentials'],
        scope: 'chat:read chat:write',
      },
      { client_id: API_BASIC.id, client_secret: API_BASIC.secret, ...noInteraction },
      {
        client_id: API_POST.id,
        client_secret: API_POST.secret,
        token_endpoint_auth_method: 'client_secret_post',
        ...noInteraction,
      },
    ],
    scopes: ['openid', 'chat:read', 'chat:write'],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        // Opaque (the provider's default format), for this resource server only.
        getResourceServerInfo: () => ({
          scope: 'chat:read chat:write',
          audience: RESOURCE,
          accessTokenFormat: 'opaque',
          accessTokenTTL: options.accessTokenTtlSeconds ?? 120,
        }),
      },
    },
  })
  const callback = provider.callback()
  server.on('request', (req, res) => {
    void callback(req, res)
  })

  const post = async (path: string, body: string, authorization: string): Promise<Response> =>
    fetch(`${issuer}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': form },
      body,
    })

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      restoreWarn()
      server.close(() => {
        resolve()
      })
      server.closeAllConnections()
    })
    return closing
  }
  return {
    issuer,
    introspectionUrl: `${issuer}/token/introspection`,
    async issueToken(scope = 'chat:read') {
      const response = await post(
        '/token',
        new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
        basic(WORKER.id, WORKER.secret),
      )
      const body = (await response.json()) as { access_token?: string; expires_in?: number }
      if (response.status !== 200 || typeof body.access_token !== 'string')
        throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`)
      return { token: body.access_token, expiresIn: body.expires_in ?? 0 }
    },
    async revoke(token) {
      const response = await post(
        '/token/revocation',
        new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        basic(WORKER.id, WORKER.secret),
      )
      if (response.status !== 200) throw new Error(`revocation failed: ${response.status}`)
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}

// oidc-provider writes its "development only" warnings and notices with console.warn / info:
// expected in a test, noise in its output.
function silenceProviderWarnings(): () => void {
  const { warn, info } = console
  const quiet =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      if (typeof args[0] === 'string' && args[0].startsWith('oidc-provider ')) return
      original(...args)
    }
  console.warn = quiet(warn)
  console.info = quiet(info)
  return () => {
    console.warn = warn
    console.info = info
  }
}
