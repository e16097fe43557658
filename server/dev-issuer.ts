// The development token issuer: an ES256 key pair made at start (kept in memory, or shared by the
// nodes through Redis), its public key as a JWK set with a `kid`, and tokens for whoever asks,
// carrying the team rooms an admin granted the user (the `rooms` claim, kept in memory).
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
  /** Signs a token for a validated request; its `rooms` claim is the user's grants. */
  issue(request: TokenRequest): Promise<TokenResponse>
  /** The rooms the user's next tokens grant (the `rooms` claim): none until an admin sets some. */
  grantsOf(username: string): readonly string[]
  /**
   * Replaces the user's grants (in this issuer's memory) for the tokens issued from now on.
   *
   * @throws {TokenRequestError} when {@link MAX_GRANTED_USERS} users already have grants.
   */
  setGrants(request: GrantsRequest): void
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

/** A validated `POST /auth/grants` body. */
export interface GrantsRequest {
  /** The user (the `sub` of their development tokens). */
  readonly sub: string
  /** Distinct room names from `team:<name>` and `team:*`, possibly empty. */
  readonly rooms: readonly string[]
}

/** The most rooms one user may be granted. */
export const MAX_GRANTS = 16
/** The most users with grants kept in memory (an empty list frees its user's place). */
export const MAX_GRANTED_USERS = 1_000
/** The room names the development issuer grants: team rooms, one or every one. */
const GRANTABLE = /^team:(?:[A-Za-z0-9_.-]{1,32}|\*)$/

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
 * Validates a `POST /auth/grants` body: `{ sub, rooms }`, `rooms` a list of `team:<name>` (a
 * name as a user name) or `team:*` (every team room).
 *
 * @throws {TokenRequestError} naming the field at fault.
 */
export function parseGrantsRequest(body: unknown): GrantsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new TokenRequestError('The body must be a JSON object { "sub", "rooms" }.')
  const fields = body as Record<string, unknown>
  for (const name of Object.keys(fields)) {
    if (name !== 'sub' && name !== 'rooms')
      throw new TokenRequestError(`Unknown field "${name.slice(0, 32)}".`)
  }
  const { sub, rooms } = fields
  if (typeof sub !== 'string' || !USERNAME.test(sub))
    throw new TokenRequestError('"sub" must be 1-32 characters of A-Z, a-z, 0-9, _ . -')
  if (!Array.isArray(rooms) || rooms.length > MAX_GRANTS)
    throw new TokenRequestError(`"rooms" must be a list of at most ${MAX_GRANTS} room names.`)
  for (const room of rooms as unknown[]) {
    if (typeof room !== 'string' || !GRANTABLE.test(room))
      throw new TokenRequestError(
        `Cannot grant "${String(room).slice(0, 40)}": use team:<name> (1-32 characters of A-Z, a-z, 0-9, _ . -) or team:*.`,
      )
  }
  return { sub, rooms: [...new Set(rooms as string[])].sort() }
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
  // In this process's memory: with several nodes, each keeps its own (docs/reference-server.md).
  const grants = new Map<string, readonly string[]>()
  const grantsOf = (username: string): readonly string[] => grants.get(username) ?? []
  return Object.freeze({
    issuer: options.issuer,
    jwks: Object.freeze({ keys: Object.freeze([Object.freeze(published)]) }),
    async issue(request: TokenRequest): Promise<TokenResponse> {
      const iat = Math.floor(now() / 1000)
      const accessToken = await new SignJWT({
        name: request.username,
        scope: request.scope,
        rooms: [...grantsOf(request.username)],
      })
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
    grantsOf,
    setGrants({ sub, rooms }: GrantsRequest): void {
      if (rooms.length === 0) {
        grants.delete(sub)
        return
      }
      if (!grants.has(sub) && grants.size >= MAX_GRANTED_USERS)
        throw new TokenRequestError(
          `At most ${MAX_GRANTED_USERS} users can have grants; empty someone's first.`,
        )
      grants.set(sub, Object.freeze([...rooms]))
    },
  })
}
