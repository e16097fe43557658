// Test support for the provider presets: keys made at run time, published as a provider publishes
// them (its JWK members, `kid` forms and key types) from a real local key server, and tokens signed
// with exactly the header a provider sends.
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto'
import { afterAll } from 'vitest'
import { createVerifier, type JwtVerifier, type VerifierOptions } from '../../../src/index.js'
import { JWKS_PATH, startKeyServer, type KeyServer } from '../../support/key-server.js'
import { forge, nowSeconds, signerFor, type SigningAlg } from '../../support/sign.js'

export { nowSeconds } from '../../support/sign.js'

/** A provider's signing key: the private half, and its public JWK as the provider lists it. */
export interface ProviderKey {
  readonly alg: 'RS256' | 'ES256'
  readonly kid: string
  readonly privateKey: KeyObject
  readonly jwk: Record<string, unknown>
}

/** An RSA 2048 or P-256 key; `members` are the provider's extra JWK members (alg, use, x5t...). */
export function providerKey(
  alg: 'RS256' | 'ES256',
  kid: string,
  members: Record<string, unknown> = { alg, use: 'sig' },
): ProviderKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, ...members }
  return { alg, kid, privateKey, jwk }
}

/** Signs `claims` under exactly `header` (plus `alg`) with `key`. */
export function issue(
  key: { readonly alg: SigningAlg; readonly privateKey: KeyObject | string | Uint8Array },
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
): string {
  return forge({ alg: key.alg, ...header }, claims, signerFor(key.alg, key.privateKey))
}

/** Times of a token issued now and valid for `ttl` seconds. */
export const lifetime = (ttl = 3600): { iat: number; exp: number } => {
  const iat = nowSeconds()
  return { iat, exp: iat + ttl }
}

/** A key server serving `keys` for the whole file. */
export async function jwksServer(...keys: ProviderKey[]): Promise<KeyServer> {
  const server = await startKeyServer({ jwks: { keys: keys.map((k) => k.jwk) } })
  afterAll(() => server.close())
  return server
}

/** The server's JWK set URL. */
export const jwksUrl = (server: KeyServer): string => server.url(JWKS_PATH)

/** A verifier of the preset's options. */
export const verifierOf = (options: VerifierOptions): JwtVerifier => createVerifier(options)

/** Resolves to the refusal's code and claim, or fails when the token is accepted. */
export async function refusal(
  verifier: JwtVerifier,
  token: string,
): Promise<{ code: string; claim: string | undefined }> {
  try {
    await verifier.verify(token)
  } catch (error) {
    const { code, claim } = error as { code: string; claim?: string }
    return { code, claim }
  }
  throw new Error('the token was accepted')
}

/** A random id in a provider's style. */
export const id = (prefix = ''): string =>
  `${prefix}${randomUUID().replaceAll('-', '').slice(0, 20)}`
