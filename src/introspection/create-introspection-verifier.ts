// createIntrospectionVerifier: an opaque access token in, the authorization server's word on it
// out (OAuth 2.0 Token Introspection, RFC 7662), checked under the same claims policy as a JWT and
// with the same verify() contract, so the guard and requireAuth take it unchanged.
import { hash } from 'node:crypto'
import { AuthError, ClaimInvalidError } from '../errors.js'
import { fetchJson } from '../keys/fetch-json.js'
import { toAuthError } from '../internal/wire-error.js'
import { checkClaims } from '../verifier/check-claims.js'
import { TokenCache } from '../verifier/token-cache.js'
import type { JsonObject } from '../internal/parse-json-object.js'
import type { VerifiedClaims } from '../verifier/types.js'
import { normalizeIntrospectionOptions } from './normalize-introspection-options.js'
import type {
  IntrospectionClaims,
  IntrospectionVerifier,
  IntrospectionVerifierOptions,
} from './types.js'

// Visible ASCII: RFC 6750's b64token and every opaque token format in use fit in it. Anything
// else (spaces, control characters, non-ASCII) is refused before it reaches a request body.
const TOKEN_CHARS = /^[\x21-\x7E]+$/
// Members RFC 7662 §2.2 defines as strings, checked like the JWT claims of the same kind.
const STRING_MEMBERS = ['scope', 'client_id', 'token_type', 'username'] as const

/**
 * Creates a verifier of opaque access tokens that asks the authorization server's introspection
 * endpoint (RFC 7662) about each token: a form POST of `token` and `token_type_hint=access_token`,
 * authenticated as `clientId` (HTTP Basic, or `clientAuth: 'client_secret_post'`).
 *
 * - `active: false` (or no boolean `active`) refuses with `token_invalid`.
 * - The response's members are the claims, checked under the same policy and codes as a JWT's:
 *   `exp` (required unless `requireExp: false`), `nbf`, `iat`, `iss`, `aud`, `sub`,
 *   `requiredClaims`, `maxTokenAgeMs`, `validate`. `scope`, `client_id`, `token_type` and
 *   `username` must be strings when present.
 * - Results of active tokens are cached by a SHA-256 of the token, never past `exp` nor
 *   `cache.maxTtlMs`, in a bounded LRU; one request at a time per token.
 * - An endpoint that times out, cannot be reached, answers a non-200 status, a body over
 *   `maxResponseBytes`, or anything but a JSON object refuses with `server_error` (retry later:
 *   the token was not judged).
 *
 * @throws {InvalidOptionError} (`code: 'invalid_option'`) for a missing, unknown or unsafe option
 * (an `http:` URL to a host that is not loopback, an empty secret, `typ`...).
 *
 * @example
 * const verifier = createIntrospectionVerifier({
 *   url: 'https://auth.example.com/oauth2/introspect',
 *   clientId: 'chat-api',
 *   clientSecret: process.env.INTROSPECTION_SECRET!,
 *   issuer: 'https://auth.example.com/',
 *   audience: 'chat-api',
 * })
 * const guard = createGuard({ verifier })
 */
export function createIntrospectionVerifier<
  TClaims extends IntrospectionClaims = IntrospectionClaims,
>(options: IntrospectionVerifierOptions): IntrospectionVerifier<TClaims> {
  const config = normalizeIntrospectionOptions(options)
  const { claims: policy, now } = config
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
  }
  if (config.authorization !== undefined) headers.authorization = config.authorization
  let cache =
    config.cache === undefined
      ? undefined
      : new TokenCache<VerifiedClaims<TClaims>>(config.cache.maxEntries, 0)
  // One request per token: concurrent handshakes with the same token share it.
  const inflight = new Map<string, Promise<VerifiedClaims<TClaims>>>()
  let requests = 0
  let closed = false

  const unusable = (reason: string, cause?: unknown): AuthError =>
    // A fixed message without the token; the cause (for logs) says what failed.
    new AuthError('server_error', `The introspection endpoint could not be used: ${reason}.`, {
      cause,
    })

  const introspect = async (token: string): Promise<JsonObject> => {
    requests++
    let document: unknown
    try {
      document = await fetchJson(config.url, config, {
        method: 'POST',
        headers,
        body: `token=${encodeURIComponent(token)}&token_type_hint=access_token${config.bodyCredentials}`,
      })
    } catch (cause) {
      throw unusable('the request failed', cause)
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document))
      throw unusable('the response is not a JSON object')
    return document as JsonObject
  }

  const judge = (response: JsonObject): VerifiedClaims<TClaims> => {
    // RFC 7662 §2.2: `active` is REQUIRED and boolean; anything but `true` is not an active token.
    if (response.active !== true) throw new AuthError('token_invalid', 'The token is not active.')
    const { active: _active, ...claims } = response
    for (const name of STRING_MEMBERS) {
      if (claims[name] !== undefined && typeof claims[name] !== 'string') {
        throw new ClaimInvalidError(name, `The "${name}" member must be a string.`)
      }
    }
    const expiresAt = checkClaims(claims, policy, now())
    return { claims: claims as TClaims, expiresAt }
  }

  const run = async (token: string, key: string): Promise<VerifiedClaims<TClaims>> => {
    const judged = judge(await introspect(token))
    // Shared by every caller of the same request (and of the cache): frozen so none can change
    // what the others see. A request costs far more than the freezing.
    Object.freeze(judged.claims)
    const result = Object.freeze(judged)
    if (cache !== undefined && config.cache !== undefined && !closed) {
      // Never kept past `exp` (the provider would answer inactive) nor `maxTtlMs` (how stale a
      // revocation at the provider may get here).
      const ttlEnd = now() + config.cache.maxTtlMs
      cache.set(
        key,
        result,
        result.expiresAt === null ? ttlEnd : Math.min(result.expiresAt, ttlEnd),
      )
    }
    return result
  }

  const verify = (token: unknown): Promise<VerifiedClaims<TClaims>> => {
    if (token === undefined || token === null || token === '')
      throw new AuthError('token_missing', 'No token was given.')
    if (typeof token !== 'string')
      throw new AuthError('token_malformed', 'The token must be a string.')
    // Before any hashing or request: a huge or binary token costs nothing and reaches no one.
    if (token.length > config.maxTokenBytes)
      throw new AuthError('token_malformed', 'The token is too long.')
    if (!TOKEN_CHARS.test(token))
      throw new AuthError('token_malformed', 'The token has characters a token cannot have.')
    // A hash, not the token: neither map holds a usable credential.
    const key = hash('sha256', token, 'base64')
    const hit = cache?.get(key, now())
    if (hit !== undefined) return Promise.resolve(hit)
    let pending = inflight.get(key)
    if (pending === undefined) {
      pending = run(token, key).finally(() => inflight.delete(key))
      inflight.set(key, pending)
    }
    return pending
  }

  return Object.freeze({
    clockToleranceMs: policy.toleranceMs,
    verify(token: unknown): Promise<VerifiedClaims<TClaims>> {
      try {
        return verify(token).catch(rethrowCoded)
      } catch (error) {
        return Promise.reject(toAuthError(error))
      }
    },
    close(): void {
      closed = true
      cache?.clear(0)
      cache = undefined
    },
    get requests() {
      return requests
    },
  })
}

// Anything not already coded (a bug) is reported as an invalid token, as createVerifier does.
function rethrowCoded(error: unknown): never {
  throw toAuthError(error)
}
