// createVerifier: compact JWS/JWT in, verified claims or a coded AuthError out. The hot path is
// synchronous node:crypto over keys imported once; it yields only to fetch a remote key set.
import { hash } from 'node:crypto'
import { AuthError, isAuthError } from '../errors.js'
import { decodeBase64url, isCanonicalBase64url } from '../internal/base64url.js'
import { parseJsonObject } from '../internal/parse-json-object.js'
import type { VerificationKey } from '../keys/import-key.js'
import { checkClaims } from './check-claims.js'
import { createHeaderChecker, type CheckedHeader } from './check-header.js'
import { normalizeOptions } from './normalize-options.js'
import { TokenCache } from './token-cache.js'
import type { JwtClaims, VerifiedToken, Verifier, VerifierOptions } from './types.js'

/**
 * Creates a verifier: validates every option once and returns a closure over them.
 *
 * @throws {InvalidOptionError} (`code: 'invalid_option'`) for a missing, unknown or unsafe option:
 * no or several key sources, `none` or mixed algorithm families, a short secret, a small RSA key,
 * a curve that does not match the algorithm, a private key where a public one is expected.
 *
 * @example
 * const verifier = createVerifier({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] })
 * const { claims, expiresAt } = await verifier.verify(token)
 */
export function createVerifier<TClaims extends JwtClaims = JwtClaims>(
  options: VerifierOptions,
): Verifier<TClaims> {
  const config = normalizeOptions(options)
  const { source, claims: policy, maxTokenBytes, now } = config
  const checkHeader = createHeaderChecker(config.header)
  let cache =
    config.cacheMax === undefined
      ? undefined
      : new TokenCache<VerifiedToken<TClaims>>(config.cacheMax, source.version)

  function finish(
    token: string,
    checked: CheckedHeader,
    key: VerificationKey,
    signature: Buffer,
    dot2: number,
    cacheKey: string | undefined,
  ): VerifiedToken<TClaims> {
    const { spec } = checked
    if (!key.algorithms.has(spec.name)) {
      throw new AuthError('token_invalid', "The token's algorithm is not the one of its key.")
    }
    const expectedBytes = key.signatureBytes ?? spec.signatureBytes
    // Fixed lengths refuse DER-encoded ECDSA, truncated MACs and padded RSA signatures up front.
    if (signature.length !== expectedBytes) {
      throw new AuthError('token_invalid', 'The token signature has the wrong length.')
    }
    let valid: boolean
    try {
      valid = spec.check(Buffer.from(token.slice(0, dot2), 'latin1'), signature, key.key)
    } catch (cause) {
      throw new AuthError('token_invalid', 'The token signature could not be checked.', { cause })
    }
    if (!valid) throw new AuthError('token_invalid', 'The token signature is not valid.')

    const payload = parseJsonObject(
      Buffer.from(token.slice(token.indexOf('.') + 1, dot2), 'base64url'),
    )
    if (payload === undefined) {
      throw new AuthError(
        'token_malformed',
        'The token payload is not a JSON object with unique members.',
      )
    }
    const nowMs = now()
    const expiresAt = checkClaims(payload, policy, nowMs)
    const result: VerifiedToken<TClaims> = Object.freeze({
      claims: Object.freeze(payload) as TClaims,
      header: checked.header,
      expiresAt,
    })
    if (cache !== undefined && cacheKey !== undefined) {
      cache.set(cacheKey, result, expiresAt === null ? Infinity : expiresAt + policy.toleranceMs)
    }
    return result
  }

  function run(token: unknown): VerifiedToken<TClaims> | Promise<VerifiedToken<TClaims>> {
    if (token === undefined || token === null || token === '') {
      throw new AuthError('token_missing', 'No token was given.')
    }
    if (typeof token !== 'string')
      throw new AuthError('token_malformed', 'The token must be a string.')
    // Before any decoding or hashing, so a huge token costs nothing.
    if (token.length > maxTokenBytes)
      throw new AuthError('token_malformed', 'The token is too long.')

    let cacheKey: string | undefined
    if (cache !== undefined) {
      if (cache.version !== source.version) cache.clear(source.version)
      cacheKey = hash('sha256', token, 'base64')
      const hit = cache.get(cacheKey, now())
      if (hit !== undefined) return hit
    }

    const dot1 = token.indexOf('.')
    const dot2 = dot1 === -1 ? -1 : token.indexOf('.', dot1 + 1)
    if (dot2 === -1 || token.indexOf('.', dot2 + 1) !== -1) {
      throw new AuthError('token_malformed', 'The token is not a compact JWS of three segments.')
    }
    const checked = checkHeader(token.slice(0, dot1))
    if (!isCanonicalBase64url(token.slice(dot1 + 1, dot2))) {
      throw new AuthError('token_malformed', 'The token payload is not canonical base64url.')
    }
    const signature = decodeBase64url(token.slice(dot2 + 1))
    if (signature === undefined) {
      throw new AuthError('token_malformed', 'The token signature is not canonical base64url.')
    }
    if (signature.length === 0) throw new AuthError('token_invalid', 'The token is not signed.')

    const key = source.resolve(checked.spec.name, checked.kid, checked.header)
    if (key instanceof Promise) {
      return key.then((resolved) => finish(token, checked, resolved, signature, dot2, cacheKey))
    }
    return finish(token, checked, key, signature, dot2, cacheKey)
  }

  return Object.freeze({
    verify(token: unknown): Promise<VerifiedToken<TClaims>> {
      try {
        const result = run(token)
        return result instanceof Promise ? result.catch(rethrowCoded) : Promise.resolve(result)
      } catch (error) {
        return Promise.reject(toAuthError(error))
      }
    },
    close(): void {
      cache?.clear(source.version)
      cache = undefined
    },
  })
}

function toAuthError(error: unknown): AuthError {
  return isAuthError(error)
    ? error
    : new AuthError('token_invalid', 'The token could not be verified.', { cause: error })
}

function rethrowCoded(error: unknown): never {
  throw toAuthError(error)
}
