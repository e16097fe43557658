// The floor of bench/verify.ts and bench/instructions.ts: the least a correct verifier must do
// (split, signature, JSON.parse, exp), on node:crypto with the KeyObject built once. It does not
// check the header, iss or aud.
import {
  constants,
  createHmac,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto'

/** The algorithms the floor verifies. */
export type FloorAlg = 'HS256' | 'RS256' | 'PS256' | 'ES256' | 'EdDSA'

type Check = (input: Buffer, signature: Buffer) => boolean

function floorCheck(alg: FloorAlg, key: KeyObject): Check {
  switch (alg) {
    case 'HS256':
      return (input, signature) =>
        signature.length === 32 &&
        timingSafeEqual(createHmac('sha256', key).update(input).digest(), signature)
    case 'RS256':
      return (input, signature) => cryptoVerify('sha256', input, key, signature)
    case 'PS256': {
      const options = {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }
      return (input, signature) => cryptoVerify('sha256', input, options, signature)
    }
    case 'ES256': {
      const options = { key, dsaEncoding: 'ieee-p1363' as const }
      return (input, signature) => cryptoVerify('sha256', input, options, signature)
    }
    case 'EdDSA':
      return (input, signature) => cryptoVerify(null, input, key, signature)
  }
}

/**
 * The floor verifier of `alg` over `key` (the secret or public KeyObject): returns the claims,
 * throws on a malformed, forged or expired token.
 * @example
 * const verify = createFloorVerifier('HS256', createSecretKey(secret))
 */
export function createFloorVerifier(alg: FloorAlg, key: KeyObject): (token: string) => unknown {
  const check = floorCheck(alg, key)
  return (token) => {
    const parts = token.split('.')
    if (parts.length !== 3) throw new Error('malformed')
    const [header = '', payload = '', signature = ''] = parts
    const input = Buffer.from(token.slice(0, header.length + 1 + payload.length))
    if (!check(input, Buffer.from(signature, 'base64url'))) throw new Error('bad signature')
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp?: unknown
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now())
      throw new Error('expired')
    return claims
  }
}
