// The public types of the introspection verifier (RFC 7662): options and the claims it returns.
import type { JwtClaims, Verifier, VerifierPolicyOptions } from '../verifier/types.js'

/**
 * The members of an introspection response that sockguard checks and keeps as claims (RFC 7662
 * §2.2); every other member of the response is kept too. `active` itself is not: a result means
 * it was `true`.
 */
export interface IntrospectionClaims extends JwtClaims {
  /** Space-separated scopes, as in a JWT's `scope`: `requireScope` reads it. */
  readonly scope?: string
  /** The client the token was issued to. */
  readonly client_id?: string
  /** The token's type, e.g. `Bearer`. */
  readonly token_type?: string
  /** A human-readable identifier of the resource owner. */
  readonly username?: string
}

/** The cache of introspection results (successful ones only). */
export interface IntrospectionCacheOptions {
  /**
   * Most results kept; the least recently used is dropped first.
   * @defaultValue 10000 (at most 10,000,000)
   */
  readonly maxEntries?: number
  /**
   * Longest time a result is reused, in ms, whatever its `exp`: how long a token revoked at the
   * authorization server may still be accepted by this process.
   * @defaultValue 30000 (at most 86,400,000)
   */
  readonly maxTtlMs?: number
}

/**
 * Options of `createIntrospectionVerifier`: the endpoint and the client credentials sockguard
 * authenticates with, the limits of a request, the cache, and the claims policy of
 * `createVerifier` (less `typ`, which is a JWS header, and `cache`, which has its own shape here).
 */
export interface IntrospectionVerifierOptions extends Omit<VerifierPolicyOptions, 'typ' | 'cache'> {
  /** The introspection endpoint (https; plain http only for loopback hosts). */
  readonly url: string | URL
  /** The client id sockguard authenticates with (a resource server allowed to introspect). */
  readonly clientId: string
  /** Its client secret. */
  readonly clientSecret: string
  /**
   * How the client authenticates (RFC 6749 §2.3.1): HTTP Basic with the form-encoded id and
   * secret, or both in the request body.
   * @defaultValue 'client_secret_basic'
   */
  readonly clientAuth?: 'client_secret_basic' | 'client_secret_post'
  /**
   * Results of active tokens, reused until their `exp` and at most `maxTtlMs`; `false` asks the
   * endpoint on every call. Inactive tokens and failures are never cached.
   * @defaultValue `{ maxEntries: 10000, maxTtlMs: 30000 }`
   */
  readonly cache?: false | IntrospectionCacheOptions
  /** Timeout of one request, in ms. @defaultValue 5000 (at most 30,000) */
  readonly timeoutMs?: number
  /** Largest response body accepted, in bytes. @defaultValue 65536 (at most 1,048,576) */
  readonly maxResponseBytes?: number
  /** The fetch implementation (a test seam). @defaultValue globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch
}

/** A verifier of opaque tokens made by `createIntrospectionVerifier`. */
export interface IntrospectionVerifier<
  TClaims extends IntrospectionClaims = IntrospectionClaims,
> extends Verifier<TClaims> {
  /** Introspection requests started so far (cache hits and shared requests do not count). */
  readonly requests: number
}
