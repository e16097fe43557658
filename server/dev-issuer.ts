// The development token issuer: an ES256 key pair made at start (kept in memory, or shared by the
// nodes through Redis), its public key as a JWK set with a `kid`, and tokens for whoever asks.
// For local use only.
import {
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto'
import { SignJWT } from 'jose'
import { jwkThumbprint } from '../src/jws/jwk-thumbprint.js'

/** The audience of development tokens. */
export const DEV_AUDIENCE = 'sockguard-chat'
/** The scopes a development token may carry. */
export const DEV_SCOPES = ['chat', 'admin'] as const
/** The scope given when a request names none. */
export const DEFAULT_SCOPE = 'chat'

/** A validated `POST /auth/token` body. */
export interface TokenRequest {
  readonly username: string
  /** Space-separated scopes from {@link DEV_SCOPES}, possibly empty. */
  readonly scope: string
}

/** The `POST /auth/token` response (RFC 6749 §5.1). */
export interface TokenResponse {
  readonly access_token: string
  readonly token_type: 'Bearer'
  readonly expires_in: number
}

/** A public JWK as published at `/.well-known/jwks.json`. */
export type PublishedJwk = JsonWebKey & { kid: string; alg: 'ES256'; use: 'sig' }

/** A development issuer made by {@link createDevIssuer}. */
export interface DevIssuer {
  /** The `iss` of its tokens. */
  readonly issuer: string
  /** The public key set. */
  readonly jwks: { readonly keys: readonly PublishedJwk[] }
  /** Signs a token for a validated request. */
  issue(request: TokenRequest): Promise<TokenResponse>
}

/** Options of {@link createDevIssuer}. */
export interface DevIssuerOptions {
  /** The `iss` claim: `PUBLIC_URL`, or the server's own URL. */
  readonly issuer: string
  /**
   * The P-256 private key to sign with (every node's, with Redis).
   * @defaultValue a key pair made here
   */
  readonly privateKey?: KeyObject | undefined
  /** Token lifetime in seconds. */
  readonly ttlSeconds: number
  /** Clock in ms since the epoch. @defaultValue Date.now */
  readonly now?: (() => number) | undefined
}

/** A bad `POST /auth/token` body; the message is safe to send back. */
export class TokenRequestError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TokenRequestError'
  }
}

/** Longest user name the development issuer signs (its tokens' `sub`). */
export const MAX_USERNAME_LENGTH = 32
const USERNAME = /^[A-Za-z0-9_.-]{1,32}$/

/**
 * Validates a `POST /auth/token` body: `{ username, scope? }`.
 *
 * @throws {TokenRequestError} naming the field at fault.
 */
export function parseTokenRequest(body: unknown): TokenRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new TokenRequestError('The body must be a JSON object { "username", "scope" }.')
  const fields = body as Record<string, unknown>
  for (const name of Object.keys(fields)) {
    // A typo such as "scopes" must not silently fall back to the default scope.
    if (name !== 'username' && name !== 'scope')
      throw new TokenRequestError(`Unknown field "${name.slice(0, 32)}".`)
  }
  const { username, scope = DEFAULT_SCOPE } = fields
  if (typeof username !== 'string' || !USERNAME.test(username))
    throw new TokenRequestError('"username" must be 1-32 characters of A-Z, a-z, 0-9, _ . -')
  if (typeof scope !== 'string')
    throw new TokenRequestError('"scope" must be a string of space-separated scopes.')
  const words = scope.split(' ').filter((word) => word !== '')
  for (const word of words) {
    if (!(DEV_SCOPES as readonly string[]).includes(word))
      throw new TokenRequestError(
        `Unknown scope "${word.slice(0, 32)}"; use ${DEV_SCOPES.join(', ')}.`,
      )
  }
  return { username, scope: [...new Set(words)].join(' ') }
}

/**
 * Creates a development issuer with a fresh P-256 key pair, or with the given private key.
 *
 * @example
 * const issuer = createDevIssuer({ issuer: 'http://127.0.0.1:3000', ttlSeconds: 300 })
 * const { access_token } = await issuer.issue({ username: 'alice', scope: 'chat' })
 */
export function createDevIssuer(options: DevIssuerOptions): DevIssuer {
  const { privateKey, publicKey } =
    options.privateKey === undefined
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : { privateKey: options.privateKey, publicKey: createPublicKey(options.privateKey) }
  const jwk = publicKey.export({ format: 'jwk' })
  const kid = jwkThumbprint(jwk)
  const published: PublishedJwk = { ...jwk, kid, alg: 'ES256', use: 'sig' }
  const now = options.now ?? Date.now
  return Object.freeze({
    issuer: options.issuer,
    jwks: Object.freeze({ keys: Object.freeze([Object.freeze(published)]) }),
    async issue(request: TokenRequest): Promise<TokenResponse> {
      const iat = Math.floor(now() / 1000)
      const accessToken = await new SignJWT({ name: request.username, scope: request.scope })
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setSubject(request.username)
        .setIssuer(options.issuer)
        .setAudience(DEV_AUDIENCE)
        .setJti(randomUUID())
        .setIssuedAt(iat)
        .setExpirationTime(iat + options.ttlSeconds)
        .sign(privateKey)
      return { access_token: accessToken, token_type: 'Bearer', expires_in: options.ttlSeconds }
    },
  })
}
