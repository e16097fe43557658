// Revocation: the store interface (memory here, Redis in `sockguard/redis`) and the in-memory
// store. A subject is revoked from a point in time (tokens issued before it are refused); a
// token id is revoked until the token would have expired anyway.
import type { JwtClaims } from '../verifier/types.js'

/**
 * What to revoke: every token of a subject, one token by its `jti` (and issuer), or every token of
 * one identity-provider session by its `sid` (and issuer; OpenID Connect Back-Channel Logout).
 */
export type RevocationTarget =
  | { readonly sub: string; readonly jti?: never; readonly sid?: never }
  | {
      readonly jti: string
      readonly iss?: string
      /** When the token expires (ms); bounds how long the entry is kept. */
      readonly expiresAt?: number
      readonly sub?: never
      readonly sid?: never
    }
  | {
      /** The provider's session id: every token whose `sid` claim is this one. */
      readonly sid: string
      /** Only that issuer's session; without it, the session id of every issuer. */
      readonly iss?: string
      readonly sub?: never
      readonly jti?: never
    }

/**
 * Told of every revocation any node stores: the target, and the instant of the revocation (ms;
 * for a subject, tokens issued up to it are revoked).
 */
export type RevocationListener = (target: RevocationTarget, revokedAt: number) => void

/**
 * Where revocations are kept. Methods may be sync (memory) or async (Redis). A shared store
 * (Redis) may fail: its methods then throw or reject, and the guard decides (`revocationCheck`).
 */
export interface RevocationStore {
  /** Revokes every token of `sub` issued before `at` (ms); the entry may go after `ttlMs`. */
  revokeSubject(sub: string, at: number, ttlMs: number): void | Promise<void>
  /**
   * Revokes the token `(iss, jti)` until `until` (ms); with `iss` undefined, the token id `jti`
   * of every issuer.
   */
  revokeToken(iss: string | undefined, jti: string, until: number): void | Promise<void>
  /**
   * Revokes every token of the provider session `(iss, sid)` until `until` (ms); with `iss`
   * undefined, the session id `sid` of every issuer. Optional (stores written before it): the
   * guard's `revoke({ sid })` refuses with `invalid_option` on a store without it.
   */
  revokeSession?(iss: string | undefined, sid: string, until: number): void | Promise<void>
  /** True when the token with these claims is revoked at `now` (ms). */
  isRevoked(claims: JwtClaims, now: number): boolean | Promise<boolean>
  /**
   * {@link RevocationStore.isRevoked} for many tokens at once (one round trip to a remote store),
   * answers in the same order. The guard's periodic sweep uses it when present.
   */
  isRevokedMany?(
    claims: readonly JwtClaims[],
    now: number,
  ): readonly boolean[] | Promise<readonly boolean[]>
  /**
   * A change feed: `listener` hears every revocation stored by any node (this one included),
   * so each node disconnects its own matching sockets at once. Returns the unsubscribe function.
   */
  subscribe?(listener: RevocationListener): () => void
  /** Releases resources. */
  close?(): void | Promise<void>
}

// Stores made by createMemoryRevocationStore: one process, so nothing is ever revoked behind the
// guard's back and its sweep has nothing to find.
const memoryStores = new WeakSet<RevocationStore>()

/** True for a store made by {@link createMemoryRevocationStore}. */
export function isMemoryStore(store: RevocationStore): boolean {
  return memoryStores.has(store)
}

interface Entry {
  readonly at: number
  readonly until: number
}

/** The key of a token id: issuer and id, so two issuers' ids never collide. */
export function tokenKey(iss: string | undefined, jti: string): string {
  return `${iss ?? ''}\u0000${jti}`
}

/**
 * True when a token with these claims is the token id `jti` revoked for `iss`. Without `iss` the
 * revocation names that token id from any issuer (over-revoking is the safe side).
 */
export function matchesToken(claims: JwtClaims, iss: string | undefined, jti: string): boolean {
  return claims.jti === jti && (iss === undefined || claims.iss === iss)
}

/**
 * True when a token with these claims is of the provider session `sid` revoked for `iss`; without
 * `iss`, of that session id from any issuer (over-revoking, as for token ids).
 */
export function matchesSession(claims: JwtClaims, iss: string | undefined, sid: string): boolean {
  return claims.sid === sid && (iss === undefined || claims.iss === iss)
}

/**
 * True when a token with these claims falls under `target`, revoked at `revokedAt` (ms): a
 * subject's tokens issued up to then, the token id (see {@link matchesToken}), or the session
 * (see {@link matchesSession}).
 */
export function matchesRevocation(
  claims: JwtClaims,
  target: RevocationTarget,
  revokedAt: number,
): boolean {
  if (typeof target.sub === 'string')
    return claims.sub === target.sub && issuedBefore(claims, revokedAt)
  if (typeof target.sid === 'string') return matchesSession(claims, target.iss, target.sid)
  return typeof target.jti === 'string' && matchesToken(claims, target.iss, target.jti)
}

/** True when a token with these claims falls under a subject revocation made at `revokedAt`. */
export function issuedBefore(claims: JwtClaims, revokedAt: number): boolean {
  // `iat` has second precision: a token from the same second as the revocation is refused too.
  return claims.iat === undefined || claims.iat * 1000 <= revokedAt
}

/**
 * An in-memory revocation store for one process. Entries are swept lazily as they are read and
 * on each write, so memory stays bounded by the revocations still in force.
 *
 * @example
 * const guard = createGuard({ verifier, revocationStore: createMemoryRevocationStore() })
 */
export function createMemoryRevocationStore(): RevocationStore {
  const subjects = new Map<string, Entry>()
  const tokens = new Map<string, number>()
  // Sessions by tokenKey(iss, sid): the same shape as token ids, in a map of their own.
  const sessions = new Map<string, number>()

  const sweep = (now: number): void => {
    for (const [sub, entry] of subjects) if (entry.until <= now) subjects.delete(sub)
    for (const [key, until] of tokens) if (until <= now) tokens.delete(key)
    for (const [key, until] of sessions) if (until <= now) sessions.delete(key)
  }
  /** True when `map` holds `(iss, id)`, or `id` of every issuer, live at `now`. */
  const liveIn = (
    map: ReadonlyMap<string, number>,
    iss: string | undefined,
    id: string,
    now: number,
  ): boolean => {
    const until = map.get(tokenKey(iss, id))
    if (until !== undefined && until > now) return true
    // A revocation without an issuer covers every issuer's.
    const any = iss === undefined ? undefined : map.get(tokenKey(undefined, id))
    return any !== undefined && any > now
  }

  const store: RevocationStore = {
    revokeSubject(sub, at, ttlMs) {
      sweep(at)
      const previous = subjects.get(sub)
      // Never back: a late, older revocation must not shorten or narrow a newer one.
      subjects.set(sub, {
        at: Math.max(at, previous?.at ?? at),
        until: Math.max(at + ttlMs, previous?.until ?? 0),
      })
    },
    revokeToken(iss, jti, until) {
      tokens.set(tokenKey(iss, jti), Math.max(until, tokens.get(tokenKey(iss, jti)) ?? until))
    },
    revokeSession(iss, sid, until) {
      // Swept with the rest on the next subject revocation, as token ids are.
      const key = tokenKey(iss, sid)
      sessions.set(key, Math.max(until, sessions.get(key) ?? until))
    },
    isRevoked(claims, now) {
      if (claims.sub !== undefined) {
        const entry = subjects.get(claims.sub)
        if (entry !== undefined && entry.until > now && issuedBefore(claims, entry.at)) return true
      }
      if (claims.jti !== undefined && liveIn(tokens, claims.iss, claims.jti, now)) return true
      return typeof claims.sid === 'string' && liveIn(sessions, claims.iss, claims.sid, now)
    },
  }
  memoryStores.add(store)
  return store
}
