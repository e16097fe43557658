// The JWS layer of the verifier (RFC 7515 compact serialization): structure, canonical
// base64url, header policy, key lookup and signature. Claims are the caller's business.
import { AuthError } from '../errors.js'
import { decodeBase64url } from '../internal/base64url.js'
import type { VerificationKey } from '../keys/import-key.js'
import type { KeySource } from '../keys/key-source.js'
import { createHeaderChecker, type CheckedHeader, type HeaderPolicy } from './check-header.js'

/** A compact JWS whose signature verified. */
export interface VerifiedJws {
  readonly checked: CheckedHeader
  /** The payload bytes (decoded from canonical base64url). */
  readonly payload: Buffer
}

/** Verifies compact JWS strings: synchronously when the key is local, else a promise. */
export type JwsVerifier = (token: string) => VerifiedJws | Promise<VerifiedJws>

/**
 * Makes the JWS verifier of one policy and key source. `token` must already be a string within
 * the size limit.
 * @throws {AuthError} `token_malformed`, `token_invalid`, `key_not_found`, `keys_unavailable`.
 */
export function createJwsVerifier(policy: HeaderPolicy, source: KeySource): JwsVerifier {
  const checkHeader = createHeaderChecker(policy)

  const finish = (
    token: string,
    dot2: number,
    checked: CheckedHeader,
    key: VerificationKey,
    signature: Buffer,
    payload: Buffer,
  ): VerifiedJws => {
    const { spec } = checked
    // RFC 8725 §3.1: the key decides which algorithm it verifies, never the token.
    if (!key.algorithms.has(spec.name)) {
      throw new AuthError('token_invalid', "The token's algorithm is not the one of its key.")
    }
    // Fixed lengths refuse DER-encoded ECDSA, truncated MACs and padded RSA signatures up front.
    if (signature.length !== (key.signatureBytes ?? spec.signatureBytes)) {
      throw new AuthError('token_invalid', 'The token signature has the wrong length.')
    }
    let valid: boolean
    try {
      valid = spec.check(token.slice(0, dot2), signature, key.key)
    } catch (cause) {
      throw new AuthError('token_invalid', 'The token signature could not be checked.', { cause })
    }
    if (!valid) throw new AuthError('token_invalid', 'The token signature is not valid.')
    return { checked, payload }
  }

  return (token) => {
    const dot1 = token.indexOf('.')
    const dot2 = dot1 === -1 ? -1 : token.indexOf('.', dot1 + 1)
    if (dot2 === -1 || token.indexOf('.', dot2 + 1) !== -1) {
      throw new AuthError('token_malformed', 'The token is not a compact JWS of three segments.')
    }
    const checked = checkHeader(token, dot1)
    // Decoded once here, before the signature, so that malformed always wins over invalid.
    const payload = decodeBase64url(token.slice(dot1 + 1, dot2))
    if (payload === undefined) {
      throw new AuthError('token_malformed', 'The token payload is not canonical base64url.')
    }
    const signature = decodeBase64url(token.slice(dot2 + 1))
    if (signature === undefined) {
      throw new AuthError('token_malformed', 'The token signature is not canonical base64url.')
    }
    if (signature.length === 0) throw new AuthError('token_invalid', 'The token is not signed.')
    const key = source.resolve(checked.spec.name, checked.kid, checked.header)
    return key instanceof Promise
      ? key.then((resolved) => finish(token, dot2, checked, resolved, signature, payload))
      : finish(token, dot2, checked, key, signature, payload)
  }
}
