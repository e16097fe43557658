// Signing keys made at run time for the tests (no private key is ever committed), their public
// JWKs for a key server, and a token signer with sensible claims for an injected clock.
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { exportJWK, type JWK, type JWTPayload } from 'jose'
import { forge, signerFor } from './sign.js'

/** An asymmetric algorithm the tests sign with. */
export type TestAlgorithm = 'RS256' | 'ES256'

/** A key pair with the public half as a JWK, ready to publish in a key set. */
export interface SigningKey {
  readonly alg: TestAlgorithm
  readonly kid: string
  readonly privateKey: KeyObject
  /** The public JWK with `kid`, `alg` and `use: 'sig'`. */
  readonly jwk: JWK
}

/** Generates a fresh key pair (RSA 2048 for RS256, P-256 for ES256). */
export async function createSigningKey(alg: TestAlgorithm, kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { alg, kid, privateKey, jwk }
}

/** Options of {@link signToken}. */
export interface SignOptions {
  /** The clock the verifier uses, in ms; `iat` is taken from it. @defaultValue Date.now() */
  readonly nowMs?: number
  /** The `kid` header; `null` leaves it out. @defaultValue the key's kid */
  readonly kid?: string | null
  /** Claims added to (or overriding) `sub`, `iat` and `exp` (one day after `iat`). */
  readonly claims?: JWTPayload
}

/** Signs a JWT with `key` (async, as the jose signer it replaced; callers await it). */
export function signToken(key: SigningKey, options: SignOptions = {}): Promise<string> {
  const iat = Math.floor((options.nowMs ?? Date.now()) / 1000)
  const kid = options.kid === undefined ? key.kid : options.kid
  const claims: JWTPayload = { sub: 'user-1', iat, exp: iat + 86_400, ...options.claims }
  const header = kid === null ? { alg: key.alg } : { alg: key.alg, kid }
  return Promise.resolve(forge(header, claims, signerFor(key.alg, key.privateKey)))
}
