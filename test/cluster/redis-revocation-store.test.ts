// The Redis revocation store against a real Redis: the same semantics as the memory store (the
// shared cases), TTLs on every key, keys that never hold the token, one round trip per check,
// the change feed, and bounded answers when Redis cannot be reached.
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RevocationTarget } from '../../src/index.js'
import { createRedisRevocationStore, type RedisRevocationStore } from '../../src/redis/index.js'
import { closedPort, watchProcess } from '../support/guard-e2e.js'
import { createIssuer } from '../support/socket-server.js'
import { T, revocationStoreCases } from '../unit/revocation/revocation-store-cases.js'
import { REDIS_URL, connectRedis, deleteKeys, eventually, uniquePrefix } from './support.js'

let redis: Redis
const prefixes: string[] = []
const stores: RedisRevocationStore[] = []

function makeStore(options: { now?: () => number } = {}): RedisRevocationStore {
  const prefix = uniquePrefix()
  prefixes.push(prefix)
  const store = createRedisRevocationStore({ redis, prefix, ...options })
  stores.push(store)
  return store
}

/** Every key under the store prefixes of this test, with its PTTL. */
async function keysWithTtl(): Promise<Map<string, number>> {
  const found = new Map<string, number>()
  for (const prefix of prefixes) {
    for (const key of await redis.keys(`${prefix}*`)) found.set(key, await redis.pttl(key))
  }
  return found
}

beforeAll(() => {
  redis = connectRedis(REDIS_URL)
})

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close()
  for (const prefix of prefixes.splice(0)) await deleteKeys(redis, prefix)
})

afterAll(() => {
  redis.disconnect()
})

describe('createRedisRevocationStore: the shared store semantics', () => {
  revocationStoreCases(() => makeStore({ now: () => T }))
})

describe('createRedisRevocationStore on Redis', () => {
  it('sets a TTL on every key: the subject for ttlMs, the token until its expiry', async () => {
    const store = makeStore()
    const now = Date.now()
    await store.revokeSubject('alice', now, 60_000)
    await store.revokeToken('https://idp.example', 'j-1', now + 30_000)
    const keys = await keysWithTtl()
    const entries = [...keys].filter(([key]) => !key.endsWith('feed'))
    expect(entries).toHaveLength(2)
    for (const [key, ttl] of entries) {
      expect(ttl, key).toBeGreaterThan(0)
      expect(ttl, key).toBeLessThanOrEqual(60_000)
    }
    const subjectTtl = keys.get(entries.find(([key]) => key.includes(':sub:'))![0])!
    const tokenTtl = keys.get(entries.find(([key]) => key.includes(':jti:'))![0])!
    expect(subjectTtl).toBeGreaterThan(55_000)
    expect(tokenTtl).toBeGreaterThan(25_000)
    expect(tokenTtl).toBeLessThanOrEqual(30_000)
    // The feed is trimmed by length, not by TTL; it is the only key without one.
    expect([...keys.keys()].filter((key) => key.endsWith('feed'))).toHaveLength(1)
  })

  it('a revocation whose TTL ends in Redis is gone from Redis too', async () => {
    const store = makeStore()
    const now = Date.now()
    await store.revokeToken(undefined, 'short', now + 150)
    expect(await store.isRevoked({ jti: 'short' }, now)).toBe(true)
    await eventually(
      async () => (await keysWithTtl()).size === 1, // only the feed is left
      2_000,
      'the entry expired',
    )
    // The check passes a clock from the past: only Redis's TTL can have removed the entry.
    expect(await store.isRevoked({ jti: 'short' }, now)).toBe(false)
  })

  it('names keys by a hash: neither a token nor the claims appear in any key', async () => {
    const issuer = createIssuer()
    const token = issuer.sign({ sub: 'alice@example.com', jti: 'jti-secret-1', iss: 'https://i' })
    const store = makeStore()
    await store.revokeSubject('alice@example.com', Date.now(), 60_000)
    await store.revokeToken('https://i', 'jti-secret-1', Date.now() + 60_000)
    const keys = [...(await keysWithTtl()).keys()]
    expect(keys).toHaveLength(3)
    const signature = token.split('.')[2]!
    for (const key of keys) {
      expect(key).not.toContain(token)
      expect(key).not.toContain(signature.slice(0, 8))
      expect(key).not.toContain('alice')
      expect(key).not.toContain('jti-secret-1')
      expect(key.length).toBeLessThan(100)
    }
  })

  it('answers a batch in one MGET, in order', async () => {
    const store = makeStore()
    const now = Date.now()
    await store.revokeSubject('alice', now, 60_000)
    await store.revokeToken(undefined, 'j', now + 60_000)
    const S = Math.floor(now / 1000)
    const answers = await store.isRevokedMany(
      [
        { sub: 'alice', iat: S - 1 },
        { sub: 'bob', iat: S - 1 },
        { sub: 'bob', jti: 'j', iat: S - 1 },
        { sub: 'alice', iat: S + 5 },
        {},
      ],
      now,
    )
    expect(answers).toEqual([true, false, true, false, false])
    expect(await store.isRevokedMany([], now)).toEqual([])
  })

  it('tells subscribers of every revocation, its own and other stores on the same Redis', async () => {
    const store = makeStore()
    const other = createRedisRevocationStore({ redis, prefix: prefixes[0]! })
    stores.push(other)
    const heard: [RevocationTarget, number][] = []
    const unsubscribe = store.subscribe((target, at) => heard.push([target, at]))
    // The reader starts at the end of the feed: wait until it is reading.
    await eventually(async () => {
      await other.revokeToken(undefined, 'probe', Date.now() + 60_000)
      return heard.length > 0
    })
    heard.length = 0
    const at = Date.now()
    await other.revokeSubject('alice', at, 60_000)
    await store.revokeToken('https://idp.example', 'j-1', at + 60_000)
    await store.revokeToken(undefined, 'j-2', at + 60_000)
    await store.revokeSession('https://idp.example', 's-1', at + 60_000)
    await other.revokeSession(undefined, 's-2', at + 60_000)
    await eventually(() => heard.length === 5)
    expect(heard[0]).toEqual([{ sub: 'alice' }, at])
    expect(heard[1]![0]).toEqual({ jti: 'j-1', iss: 'https://idp.example', expiresAt: at + 60_000 })
    expect(heard[2]![0]).toEqual({ jti: 'j-2', expiresAt: at + 60_000 })
    expect(heard[3]![0]).toEqual({ sid: 's-1', iss: 'https://idp.example' })
    expect(heard[4]![0]).toEqual({ sid: 's-2' })
    unsubscribe()
    // A control subscriber, once reading, hears what the unsubscribed one must not (the probes too).
    const control: RevocationTarget[] = []
    const stopControl = other.subscribe((target) => control.push(target))
    await eventually(async () => {
      await other.revokeToken(undefined, 'control-probe', Date.now() + 60_000)
      return control.length > 0
    })
    await other.revokeSubject('bob', Date.now(), 60_000)
    await eventually(() => control.some((target) => target.sub === 'bob'))
    stopControl()
    expect(heard).toHaveLength(5)
  })

  it('validates its options at creation', () => {
    expect(() => createRedisRevocationStore({ redis: {} as unknown as Redis })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'redis' }) as Error,
    )
    expect(() => createRedisRevocationStore({ redis, prefix: '' })).toThrow(
      expect.objectContaining({ option: 'prefix' }) as Error,
    )
    expect(() => createRedisRevocationStore({ redis, checkTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ option: 'checkTimeoutMs' }) as Error,
    )
    expect(() => createRedisRevocationStore({ redis, revokeTimeoutMs: 1.5 })).toThrow(
      expect.objectContaining({ option: 'revokeTimeoutMs' }) as Error,
    )
  })
})

describe('createRedisRevocationStore without Redis', () => {
  it('checks fail fast with store_unavailable; revocations retry, then fail with it', async () => {
    const watch = watchProcess()
    const down = connectRedis(`redis://127.0.0.1:${await closedPort()}`)
    try {
      const store = createRedisRevocationStore({
        redis: down,
        checkTimeoutMs: 300,
        revokeTimeoutMs: 400,
      })
      stores.push(store)
      const unsubscribe = store.subscribe(() => undefined)
      let started = performance.now()
      await expect(store.isRevoked({ sub: 'alice' }, Date.now())).rejects.toMatchObject({
        name: 'AuthError',
        code: 'store_unavailable',
      })
      expect(performance.now() - started).toBeLessThan(600)
      // A token with neither sub nor jti needs no round trip.
      expect(await store.isRevoked({}, Date.now())).toBe(false)
      started = performance.now()
      await expect(store.revokeSubject('alice', Date.now(), 60_000)).rejects.toMatchObject({
        code: 'store_unavailable',
      })
      const spent = performance.now() - started
      expect(spent).toBeGreaterThanOrEqual(350)
      expect(spent).toBeLessThan(1_500)
      unsubscribe()
      expect(watch.errors).toEqual([])
    } finally {
      watch.stop()
      down.disconnect()
    }
  })

  it('a check against a Redis that accepts but never answers times out with store_unavailable', async () => {
    const { createServer } = await import('node:net')
    const silent = createServer(() => undefined) // accepts, never replies
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    // No ready check: the client counts as connected at once, as with a Redis that hangs later.
    const hung = connectRedis(`redis://127.0.0.1:${port}`, { enableReadyCheck: false })
    try {
      const store = createRedisRevocationStore({ redis: hung, checkTimeoutMs: 200 })
      const started = performance.now()
      await expect(store.isRevoked({ jti: 'j' }, Date.now())).rejects.toMatchObject({
        code: 'store_unavailable',
      })
      expect(performance.now() - started).toBeLessThan(1_000)
    } finally {
      hung.disconnect()
      silent.close()
    }
  })
})
