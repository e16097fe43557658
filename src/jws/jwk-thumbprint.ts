// RFC 7638 JWK thumbprints: a stable `kid` for a key that was generated rather than named. The
// one implementation in the repository (the CLI's generated keys, the reference server's issuer).
import { createHash, type JsonWebKey } from 'node:crypto'

// RFC 7638 §3.2: the required members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
}

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK (EC, OKP or RSA), base64url: the JSON of its
 * required members in lexicographic order, without whitespace.
 *
 * @example
 * const kid = jwkThumbprint(publicKey.export({ format: 'jwk' }))
 */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? '']
  if (members === undefined) throw new TypeError(`no thumbprint for key type ${String(jwk.kty)}`)
  const canonical = JSON.stringify(Object.fromEntries(members.map((name) => [name, jwk[name]])))
  return createHash('sha256').update(canonical).digest('base64url')
}
