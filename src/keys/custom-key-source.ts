// The `getKey(header)` key source, for multi-tenant apps. What it returns is imported once and
// remembered (by object identity, or by string for PEM and secrets), so a resolver that hands out
// the same key keeps verification synchronous and cheap.
import { isAuthError, KeyError, AuthError } from '../errors.js'
import { isHmacAlgorithm, type Algorithm } from '../jws/algorithms.js'
import type { GetKey } from '../jws/types.js'
import { within } from '../internal/within.js'
import { importPublicKey, importSecret, type VerificationKey } from './import-key.js'
import type { KeySource } from './key-source.js'

const STRING_MEMO_MAX = 256

/**
 * Makes a key source over a custom resolver. A lookup that has not settled after `timeoutMs` is
 * `server_error` (like one that rejects): a hung database must not hold every handshake forever.
 */
export function customKeySource(
  getKey: GetKey,
  algorithms: readonly Algorithm[],
  timeoutMs = 5_000,
): KeySource {
  const hmac = algorithms.every(isHmacAlgorithm)
  const byObject = new WeakMap<object, VerificationKey>()
  const byString = new Map<string, VerificationKey>()
  const ctx = { option: 'getKey() result', algorithms }

  const importKey = (input: unknown): VerificationKey => {
    if (typeof input === 'string') {
      let key = byString.get(input)
      if (key === undefined) {
        // The configured algorithms say how to read a string, so nothing is guessed from it.
        key = hmac ? importSecret(input, ctx) : importPublicKey(input, ctx)
        if (byString.size >= STRING_MEMO_MAX) byString.clear()
        byString.set(input, key)
      }
      return key
    }
    if (typeof input !== 'object' || input === null) {
      throw new KeyError('key_not_found', 'No key was found for this token.')
    }
    let key = byObject.get(input)
    if (key === undefined) {
      key =
        hmac && input instanceof Uint8Array ? importSecret(input, ctx) : importPublicKey(input, ctx)
      byObject.set(input, key)
    }
    return key
  }

  const finish = (alg: Algorithm, input: unknown): VerificationKey => {
    let key: VerificationKey
    try {
      key = importKey(input)
    } catch (error) {
      throw wrap(error)
    }
    if (!key.algorithms.has(alg)) {
      throw new AuthError('token_invalid', "The token's algorithm is not the one of its key.")
    }
    return key
  }

  return {
    version: 0,
    resolve(alg, _kid, header) {
      let output: unknown
      try {
        output = getKey(header)
      } catch (error) {
        throw lookupFailed(error)
      }
      // Any thenable (a query builder, another promise library), not only a native promise.
      if (typeof (output as PromiseLike<unknown> | null | undefined)?.then === 'function') {
        return within(Promise.resolve(output as PromiseLike<unknown>), timeoutMs, () => {
          throw new AuthError('server_error', 'The key lookup timed out.')
        }).then(
          (input: unknown) => finish(alg, input),
          (error: unknown) => {
            throw lookupFailed(error)
          },
        )
      }
      return finish(alg, output)
    },
  }
}

// A getKey that throws or rejects (its database is down) is the server's failure, not the
// token's: `server_error` (retry later; requireAuth answers 503), never `key_not_found` ("the
// issuer is not trusted here", which makes a client give up). An AuthError it throws on purpose
// keeps its code; a lookup that resolves no key (`undefined`, `null`) is `key_not_found` in
// importKey.
function lookupFailed(error: unknown): AuthError {
  return isAuthError(error)
    ? error
    : new AuthError('server_error', 'The key lookup failed.', { cause: error })
}

// What getKey returned could not be used as a key for this token.
function wrap(error: unknown): AuthError {
  return isAuthError(error)
    ? error
    : new KeyError('key_not_found', 'The key lookup failed.', { cause: error })
}
