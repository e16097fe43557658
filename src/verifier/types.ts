// The verifier's public types: options, the verified result, header and claims shapes.
import type { KeyObject } from 'node:crypto'
import type { GetKey, JwkSet, JwsHeader, PublicJwk } from '../jws/types.js'
import type { Algorithm, AsymmetricAlgorithm, HmacAlgorithm } from '../jws/algorithms.js'

/** The registered claims of a JWT (RFC 7519 §4.1), as sockguard checks their types. */
export interface JwtClaims {
  readonly iss?: string
  readonly sub?: string
  readonly aud?: string | readonly string[]
  /** Expiry, seconds since the epoch. */
  readonly exp?: number
  /** Not before, seconds since the epoch. */
  readonly nbf?: number
  /** Issued at, seconds since the epoch. */
  readonly iat?: number
  readonly jti?: string
  /**
   * The identity provider's session id (OpenID Connect Front-/Back-Channel Logout); a non-empty
   * string when present.
   */
  readonly sid?: string
  readonly [claim: string]: unknown
}

/**
 * What every verifier resolves with: the claims and when they stop being accepted. The guard and
 * `requireAuth` need nothing more, so a verifier of opaque tokens (`createIntrospectionVerifier`)
 * serves them as well as a JWT verifier.
 */
export interface VerifiedClaims<TClaims extends JwtClaims = JwtClaims> {
  /** The verified claims set (for an opaque token: the introspection response's members). */
  readonly claims: TClaims
  /**
   * When the verifier stops accepting the token, in ms since the epoch: `exp`, or `iat` plus
   * `maxTokenAgeMs` when that is earlier; `null` when the token has no `exp` (only possible with
   * `requireExp: false`) and no age limit applies.
   */
  readonly expiresAt: number | null
}

/** What {@link JwtVerifier.verify} (a verifier made by `createVerifier`) resolves with. */
export interface VerifiedToken<
  TClaims extends JwtClaims = JwtClaims,
> extends VerifiedClaims<TClaims> {
  /** The verified protected header. */
  readonly header: JwsHeader
}

/**
 * A token verifier, as `createGuard({ verifier })` and `requireAuth({ verifier })` take it: a
 * JWT verifier from `createVerifier`, an introspection verifier from
 * `createIntrospectionVerifier`, or your own object of this shape (whose `verify` must reject
 * only with sockguard `AuthError`s).
 */
export interface Verifier<TClaims extends JwtClaims = JwtClaims> {
  /**
   * Verifies a token and checks its claims. The promise never rejects with anything but an
   * `AuthError`.
   */
  verify(token: unknown): Promise<VerifiedClaims<TClaims>>
  /**
   * The leeway this verifier grants `exp`, `nbf` and `iat`, in ms. A guard given this verifier
   * keeps sessions and covers subject revocations for at least as long (a token the verifier
   * accepts 20 s past its `exp`, or with an `iat` 20 s ahead, must not outlive a kick).
   */
  readonly clockToleranceMs?: number
  /** Stops background work and drops cached tokens and keys. */
  close(): void
}

/** A verifier made by `createVerifier`: its results carry the verified JWS header too. */
export interface JwtVerifier<TClaims extends JwtClaims = JwtClaims> extends Verifier<TClaims> {
  /**
   * Verifies a compact JWS/JWT and checks its claims.
   *
   * Runs synchronously (it never yields to the event loop) when the key is already in memory; it
   * waits only to fetch a remote key set. The promise never rejects with anything but an
   * `AuthError`.
   *
   * @throws {AuthError} `token_missing`, `token_malformed`, `token_invalid`, `token_expired`,
   * `token_not_active`, `claim_invalid`, `key_not_found`, `keys_unavailable`, or `server_error`
   * (a `getKey` or `validate` hook failed).
   */
  verify(token: unknown): Promise<VerifiedToken<TClaims>>
  /** Stops background work (none today) and drops cached tokens and keys. */
  close(): void
}

/**
 * A custom claims check, run after the built-in ones (types, required claims, `iss`, `aud`,
 * `sub`, times) and before a result is cached. It must be synchronous: it returns nothing to
 * accept and throws a sockguard `AuthError` (usually a `ClaimInvalidError`) to refuse with that
 * code; any other throw, or a returned promise, refuses with `server_error` (the hook failed, the
 * token was not judged).
 */
export type ClaimsValidator = (claims: JwtClaims) => void

/** The token and claims policy shared by every key source. */
export interface VerifierPolicyOptions {
  /** Accepted `iss` value(s); required to match when set. */
  readonly issuer?: string | readonly string[]
  /** Accepted audience(s): the token's `aud` must contain at least one. */
  readonly audience?: string | readonly string[]
  /** Required `sub` value. */
  readonly subject?: string
  /**
   * Required `typ` header, compared case-insensitively with the optional `application/` prefix
   * (RFC 7515 §4.1.9), e.g. `'at+jwt'` to refuse ID or refresh tokens (RFC 8725 §3.11).
   */
  readonly typ?: string
  /** Claims that must be present. */
  readonly requiredClaims?: readonly string[]
  /**
   * Leeway for `exp`, `nbf` and `iat`, in ms.
   * @defaultValue 0 (at most 60,000)
   */
  readonly clockToleranceMs?: number
  /** Maximum age of a token measured from `iat` (which becomes required), in ms. */
  readonly maxTokenAgeMs?: number
  /**
   * Refuse tokens without `exp`.
   * @defaultValue true
   */
  readonly requireExp?: boolean
  /**
   * Longest token accepted, checked before any decoding.
   * @defaultValue 8192
   */
  readonly maxTokenBytes?: number
  /**
   * Verified-token cache for reconnect storms: `{ max }` entries (LRU), keyed by a SHA-256 of the
   * token, each kept until the token expires; failures are never cached.
   * @defaultValue false
   */
  readonly cache?: false | { readonly max: number }
  /**
   * Extra claim checks that the options above cannot express (an issuer that depends on the
   * token's tenant, `azp` against allowed origins...): see {@link ClaimsValidator}. Presets set
   * it; without it, nothing runs.
   */
  readonly validate?: ClaimsValidator
  /** Clock in ms since the epoch (a test seam). @defaultValue Date.now */
  readonly now?: () => number
}

/** Options of a remote key set (`jwksUri` and `issuerUrl`). */
export interface RemoteKeySetOptions {
  /** Fetch timeout in ms. @defaultValue 5000 (at most 30,000) */
  readonly timeoutMs?: number
  /** Minimum time between two fetches, in ms. @defaultValue 30000 */
  readonly cooldownMs?: number
  /** How long fetched keys are fresh before a refetch, in ms. @defaultValue 600000 */
  readonly cacheMaxAgeMs?: number
  /** How long past `cacheMaxAgeMs` keys stay usable while the endpoint fails, in ms. @defaultValue 3600000 */
  readonly staleIfErrorMs?: number
  /** Largest accepted response body, in bytes. @defaultValue 262144 */
  readonly maxResponseBytes?: number
  /** The fetch implementation (a test seam). @defaultValue globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch
}

type Without<TKeys extends string> = { readonly [K in TKeys]?: never }
type KeySourceName = 'secret' | 'publicKey' | 'jwks' | 'jwksUri' | 'issuerUrl' | 'getKey'
type Only<TKey extends KeySourceName> = Without<Exclude<KeySourceName, TKey>>

/**
 * An HMAC secret: at least as long as the hash output (32 bytes for HS256). A public or private
 * key in the recognised forms (PEM, SSH keys, JWK JSON, DER, a public/private KeyObject; see
 * docs/security.md) is refused; raw key components (a modulus, a coordinate) cannot be told from
 * random bytes and are not: keep public keys out of secret configuration.
 */
export interface SecretKeyOptions extends VerifierPolicyOptions, Only<'secret'> {
  readonly secret: string | Uint8Array | KeyObject
  readonly algorithms: readonly HmacAlgorithm[]
}

/** One public key: PEM (SPKI, PKCS#1, certificate), JWK or KeyObject. */
export interface PublicKeyOptions extends VerifierPolicyOptions, Only<'publicKey'> {
  readonly publicKey: string | PublicJwk | KeyObject
  /** Required unless the key is a JWK with its own `alg`. */
  readonly algorithms?: readonly AsymmetricAlgorithm[]
}

/** A local JWK set. */
export interface JwksOptions extends VerifierPolicyOptions, Only<'jwks'> {
  readonly jwks: JwkSet
  /** Required unless every key pins its own `alg`. */
  readonly algorithms?: readonly Algorithm[]
}

/** A remote JWK set, fetched over https (plain http for loopback hosts only). */
export interface JwksUriOptions
  extends VerifierPolicyOptions, RemoteKeySetOptions, Only<'jwksUri'> {
  readonly jwksUri: string | URL
  readonly algorithms: readonly AsymmetricAlgorithm[]
}

/** OpenID Connect discovery: the issuer's `jwks_uri`, and `issuer` defaults to it. */
export interface IssuerUrlOptions
  extends VerifierPolicyOptions, RemoteKeySetOptions, Only<'issuerUrl'> {
  /**
   * The issuer exactly as it appears in `iss` and in the discovery document (compared as a
   * string). A `URL` object is read as its `href`, which gives a bare origin a trailing slash.
   */
  readonly issuerUrl: string | URL
  readonly algorithms: readonly AsymmetricAlgorithm[]
}

/**
 * A custom key lookup. Strings it returns are secrets for HMAC algorithms, PEM otherwise. For HMAC
 * algorithms, a result that is or reads as a public or private key (PEM, JWK JSON text, DER, a
 * public/private KeyObject) refuses the token with `key_not_found`: it is never used as a secret.
 * A `getKey` that throws, rejects (with anything but a sockguard `AuthError`) or does not settle
 * within `getKeyTimeoutMs` refuses with `server_error`; one that resolves no key, `key_not_found`.
 */
export interface GetKeyOptions extends VerifierPolicyOptions, Only<'getKey'> {
  readonly getKey: GetKey
  readonly algorithms: readonly Algorithm[]
  /**
   * How long a lookup (a promise `getKey` returns) may take, in ms; past it the token is refused
   * with `server_error` (the server failed, not the token), as when `getKey` throws or rejects.
   * @defaultValue 5000 (at most 30,000)
   */
  readonly getKeyTimeoutMs?: number
}

/** Options of `createVerifier`: exactly one key source, and the policy. */
export type VerifierOptions =
  | SecretKeyOptions
  | PublicKeyOptions
  | JwksOptions
  | JwksUriOptions
  | IssuerUrlOptions
  | GetKeyOptions
