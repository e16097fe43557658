// The revocation store of a cluster: revocations kept in Redis, so every node refuses a revoked
// token at handshake and refresh, and a change feed that tells every node at once. Bounded in
// time when Redis is away: a check fails fast, a revocation is retried until stored or too late.
import { AuthError, InvalidOptionError } from '../errors.js'
import {
  issuedBefore,
  type RevocationListener,
  type RevocationStore,
} from '../revocation/revocation-store.js'
import { integerOption } from '../internal/integer-option.js'
import { refuseUnknownOptions } from '../internal/known-options.js'
import type { JwtClaims } from '../verifier/types.js'
import {
  bounded,
  isAway,
  isRedisConnection,
  isReplyError,
  pause,
  type RedisConnection,
} from './redis-connection.js'
import { startFeedReader, type FeedReader } from './revocation-feed.js'
import {
  REVOKE_SESSION_SCRIPT,
  REVOKE_SUBJECT_SCRIPT,
  REVOKE_TOKEN_SCRIPT,
  parseSubjectEntry,
  parseTokenEntry,
  revocationKeys,
} from './revocation-keys.js'

// The feed keeps about this many entries (XADD MAXLEN ~): far more than a reader that was away
// for a few seconds can have missed; older ones are covered by the keys and the guard's sweep.
const FEED_LENGTH = 1_000

/** Options of {@link createRedisRevocationStore}. */
export interface RedisRevocationStoreOptions {
  /**
   * The app's ioredis client (`new Redis(url)`). The store sends its commands on it and never
   * closes it; the change feed reads on a `duplicate()` that the store opens and closes.
   */
  readonly redis: RedisConnection
  /**
   * Prefix of every key. For Redis Cluster, wrap it in a hash tag (`'{sockguard}:'`) so that an
   * entry and the feed share a slot.
   * @defaultValue 'sockguard:revoked:'
   */
  readonly prefix?: string
  /**
   * How long a check (`isRevoked`, at handshake and refresh) may wait for Redis, in ms; past it,
   * or at once while the client is reconnecting, it fails with `store_unavailable`.
   * @defaultValue 500
   */
  readonly checkTimeoutMs?: number
  /**
   * How long a revocation is retried while Redis is away, in ms, before it fails with
   * `store_unavailable`.
   * @defaultValue 10000
   */
  readonly revokeTimeoutMs?: number
  /** Clock in ms since the epoch, for the keys' TTLs (a test seam). @defaultValue Date.now */
  readonly now?: () => number
}

const OPTIONS: ReadonlySet<string> = new Set([
  'redis',
  'prefix',
  'checkTimeoutMs',
  'revokeTimeoutMs',
  'now',
])

/** The Redis revocation store: a {@link RevocationStore} with a change feed. */
export interface RedisRevocationStore extends RevocationStore {
  isRevoked(claims: JwtClaims, now: number): Promise<boolean>
  isRevokedMany(claims: readonly JwtClaims[], now: number): Promise<readonly boolean[]>
  revokeSubject(sub: string, at: number, ttlMs: number): Promise<void>
  revokeToken(iss: string | undefined, jti: string, until: number): Promise<void>
  revokeSession(iss: string | undefined, sid: string, until: number): Promise<void>
  subscribe(listener: RevocationListener): () => void
  /** Stops the feed and pending retries; the app's client stays open. */
  close(): Promise<void>
}

function unavailable(message: string, cause?: unknown): AuthError {
  return new AuthError('store_unavailable', message, cause === undefined ? {} : { cause })
}

/**
 * Creates a revocation store on Redis for `createGuard({ revocationStore })`, one per node, each
 * on that node's client. Revocations are SET with a TTL (a subject for the guard's
 * `revocationTtlMs`, a token until its `exp`), checked with one MGET, and appended to a stream
 * that every node's guard reads to disconnect its own sockets.
 *
 * @throws {InvalidOptionError} naming the option at fault.
 *
 * @example
 * const redis = new Redis(process.env.REDIS_URL)
 * const guard = createGuard({ verifier, revocationStore: createRedisRevocationStore({ redis }) })
 */
export function createRedisRevocationStore(
  options: RedisRevocationStoreOptions,
): RedisRevocationStore {
  if (typeof options !== 'object' || (options as unknown) === null)
    throw new InvalidOptionError('options', 'must be an object')
  // A typo (`prefx`, `checkTimeoutMS`) would otherwise leave the default in force.
  refuseUnknownOptions(options, OPTIONS, 'createRedisRevocationStore')
  const { redis } = options
  if (!isRedisConnection(redis)) throw new InvalidOptionError('redis', 'must be an ioredis client')
  const prefix = options.prefix ?? 'sockguard:revoked:'
  if (typeof prefix !== 'string' || prefix === '')
    throw new InvalidOptionError('prefix', 'must be a non-empty string')
  const checkTimeoutMs = integerOption(options.checkTimeoutMs, 'checkTimeoutMs', 500, 1, 60_000)
  const revokeTimeoutMs = integerOption(
    options.revokeTimeoutMs,
    'revokeTimeoutMs',
    10_000,
    1,
    2 ** 31 - 1,
  )
  const clock = options.now ?? Date.now
  if (typeof clock !== 'function') throw new InvalidOptionError('now', 'must be a function')
  const keys = revocationKeys(prefix)
  const listeners = new Set<RevocationListener>()
  let reader: FeedReader | undefined
  let closed = false

  /** Runs a write script until Redis has it, or `revokeTimeoutMs` is spent. */
  const store = async (script: string, args: (string | number)[]): Promise<void> => {
    const deadline = performance.now() + revokeTimeoutMs
    let wait = 50
    for (;;) {
      let failure: unknown = new Error('Redis is not connected.')
      if (closed) throw unavailable('The revocation store is closed.')
      // While the client is between connections the write is not sent (it would only pile up in
      // the offline queue); once sent, it waits for the answer until the deadline.
      if (!isAway(redis)) {
        try {
          await bounded(redis.call('EVAL', script, 2, ...args), deadline - performance.now())
          return
        } catch (error) {
          if (isReplyError(error)) throw unavailable('Redis refused the revocation.', error)
          failure = error
        }
      }
      const left = deadline - performance.now()
      // A write that timed out may still be in the client's queue and land later: the caller is
      // told it may not have, which is what matters.
      if (left <= 0) throw unavailable('The revocation could not be stored in time.', failure)
      await pause(Math.min(wait, left))
      wait = Math.min(wait * 2, 500)
    }
  }

  const check = async (all: readonly JwtClaims[], now: number): Promise<boolean[]> => {
    const names: string[] = []
    const slots = all.map((claims) => {
      const sub = typeof claims.sub === 'string' ? names.push(keys.subject(claims.sub)) - 1 : -1
      const jti =
        typeof claims.jti === 'string' ? names.push(keys.token(claims.iss, claims.jti)) - 1 : -1
      // A revocation of the token id without an issuer covers every issuer's: its key too.
      const anyIss =
        typeof claims.jti === 'string' && claims.iss !== undefined
          ? names.push(keys.token(undefined, claims.jti)) - 1
          : -1
      // A provider session, and that session id of every issuer, the same way.
      const sid =
        typeof claims.sid === 'string' ? names.push(keys.session(claims.iss, claims.sid)) - 1 : -1
      const anyIssSid =
        typeof claims.sid === 'string' && claims.iss !== undefined
          ? names.push(keys.session(undefined, claims.sid)) - 1
          : -1
      return [claims, sub, jti, anyIss, sid, anyIssSid] as const
    })
    if (names.length === 0) return slots.map(() => false)
    if (closed) throw unavailable('The revocation store is closed.')
    if (isAway(redis)) throw unavailable('The revocation store could not be reached.')
    let values: unknown
    try {
      values = await bounded(redis.call('MGET', ...names), checkTimeoutMs)
    } catch (error) {
      throw unavailable('The revocation store could not be reached.', error)
    }
    if (!Array.isArray(values) || values.length !== names.length)
      throw unavailable('The revocation store gave an unexpected answer.')
    const live = (slot: number): boolean => {
      const until = slot === -1 ? undefined : parseTokenEntry(values[slot])
      return until !== undefined && until > now
    }
    return slots.map(([claims, sub, jti, anyIss, sid, anyIssSid]) => {
      const subject = sub === -1 ? undefined : parseSubjectEntry(values[sub])
      if (subject !== undefined && subject.until > now && issuedBefore(claims, subject.at))
        return true
      return live(jti) || live(anyIss) || live(sid) || live(anyIssSid)
    })
  }

  /** Stores a token id or a session id of `iss` (any issuer when undefined) until `until`. */
  const revokeId = async (
    script: string,
    key: string,
    iss: string | undefined,
    id: string,
    until: number,
  ): Promise<void> => {
    const at = clock()
    await store(script, [
      key,
      keys.feed,
      until,
      // At least 1 ms: a token that has expired already needs no entry, but the feed still
      // tells the nodes.
      Math.max(1, Math.ceil(until - at)),
      id,
      iss ?? '',
      iss === undefined ? '0' : '1',
      at,
      FEED_LENGTH,
    ])
  }

  const deliver: RevocationListener = (target, revokedAt) => {
    for (const listener of listeners) {
      try {
        listener(target, revokedAt)
      } catch {
        // One listener's bug must not keep the others from hearing of a revocation.
      }
    }
  }

  return Object.freeze({
    async revokeSubject(sub: string, at: number, ttlMs: number) {
      await store(REVOKE_SUBJECT_SCRIPT, [
        keys.subject(sub),
        keys.feed,
        at,
        at + ttlMs,
        ttlMs,
        sub,
        FEED_LENGTH,
      ])
    },
    async revokeToken(iss: string | undefined, jti: string, until: number) {
      await revokeId(REVOKE_TOKEN_SCRIPT, keys.token(iss, jti), iss, jti, until)
    },
    async revokeSession(iss: string | undefined, sid: string, until: number) {
      await revokeId(REVOKE_SESSION_SCRIPT, keys.session(iss, sid), iss, sid, until)
    },
    async isRevoked(claims: JwtClaims, now: number) {
      const [answer] = await check([claims], now)
      return answer === true
    },
    isRevokedMany: check,
    subscribe(listener: RevocationListener) {
      listeners.add(listener)
      if (reader === undefined && !closed) reader = startFeedReader(redis, keys.feed, deliver)
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0) {
          reader?.stop()
          reader = undefined
        }
      }
    },
    // eslint-disable-next-line @typescript-eslint/require-await
    async close() {
      closed = true
      listeners.clear()
      reader?.stop()
      reader = undefined
    },
  })
}
