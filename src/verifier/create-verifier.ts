// createVerifier: compact JWS/JWT in, verified claims or a coded AuthError out. The hot path is
// synchronous node:crypto over keys imported once; it yields only to fetch a remote key set.
import { hash } from 'node:crypto'
import { AuthError } from '../errors.js'
import { toAuthError } from '../internal/wire-error.js'
import { parseJsonObject } from '../internal/parse-json-object.js'
import { checkClaims } from './check-claims.js'
import { normalizeOptions } from './normalize-options.js'
import { TokenCache } from './token-cache.js'
import type { JwtClaims, JwtVerifier, VerifiedToken, VerifierOptions } from './types.js'
import { createJwsVerifier, type VerifiedJws } from './verify-jws.js'
import { registerVerifyNow } from './verify-now.js'

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
): JwtVerifier<TClaims> {
  const config = normalizeOptions(options)
  const { source, claims: policy, maxTokenBytes, now } = config
  const verifyJws = createJwsVerifier(config.header, source)
  let cache =
    config.cacheMax === undefined
      ? undefined
      : new TokenCache<VerifiedToken<TClaims>>(config.cacheMax, source.version)

  const finish = (jws: VerifiedJws, cacheKey: string | undefined): VerifiedToken<TClaims> => {
    const claims = parseJsonObject(jws.payload)
    if (claims === undefined) {
      throw new AuthError(
        'token_malformed',
        'The token payload is not a JSON object with unique members.',
      )
    }
    const expiresAt = checkClaims(claims, policy, now())
    const result: VerifiedToken<TClaims> = {
      claims: claims as TClaims,
      header: jws.checked.header,
      expiresAt,
    }
    if (cache !== undefined && cacheKey !== undefined) {
      // A cached result is handed to every caller of the same token: frozen so none can change
      // what the others see. Uncached results are the caller's own (freezing costs ~150 ns).
      Object.freeze(claims)
      cache.set(
        cacheKey,
        Object.freeze(result),
        expiresAt === null ? Infinity : expiresAt + policy.toleranceMs,
      )
    }
    return result
  }

  const run = (token: unknown): VerifiedToken<TClaims> | Promise<VerifiedToken<TClaims>> => {
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
      // A hash, not the token: the cache never holds a usable credential.
      cacheKey = hash('sha256', token, 'base64')
      const hit = cache.get(cacheKey, now())
      if (hit !== undefined) return hit
    }
    const jws = verifyJws(token)
    return jws instanceof Promise ? jws.then((v) => finish(v, cacheKey)) : finish(jws, cacheKey)
  }

  const verifier: JwtVerifier<TClaims> = Object.freeze({
    clockToleranceMs: policy.toleranceMs,
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
  // The guard's handshake calls `run` directly (verify-now.ts): no promise when none is needed.
  registerVerifyNow(verifier, run)
  return verifier
}

// Anything that is not already coded (a bug, a crypto exception) is reported as an invalid token.
function rethrowCoded(error: unknown): never {
  throw toAuthError(error)
}
