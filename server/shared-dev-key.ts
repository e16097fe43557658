// The development issuer's key pair shared by every node through Redis, so that a token one node
// issued verifies on all of them. It is a development key: whoever can read this Redis can sign
// tokens, admin ones included.
import { createPrivateKey, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto'
import type { Redis } from 'ioredis'

/** The shared key, as {@link shareDevKey} found it. */
export interface SharedDevKey {
  /** The P-256 private key every node signs with. */
  readonly privateKey: KeyObject
  /** The Redis key it is kept under. */
  readonly name: string
  /** Its stored form (a private JWK as JSON), to store again after Redis came back empty. */
  readonly stored: string
  /** True when this node made it (the first node to start); false when it was there already. */
  readonly created: boolean
}

/**
 * Stores a fresh key pair at `name` unless one is there (`SET NX`), then reads whichever is,
 * waiting for Redis at most `timeoutMs`. No TTL: a key that expired under running nodes would be
 * replaced by the next node to start, whose tokens the others could not verify.
 *
 * @throws {Error} when Redis does not answer in time, or holds something else at `name`.
 *
 * @example
 * const { privateKey } = await shareDevKey(redis, 'sockguard-chat:dev-issuer:key')
 */
export async function shareDevKey(
  redis: Redis,
  name: string,
  timeoutMs = 10_000,
): Promise<SharedDevKey> {
  const { privateKey: mine } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const proposed = JSON.stringify(mine.export({ format: 'jwk' }))
  // Nodes and Redis often start together: wait for it (a queued command would time out first).
  const deadline = Date.now() + timeoutMs
  if (redis.status !== 'ready') {
    // Not events.once(): it rejects on the first 'error', a refused connection attempt.
    let onReady: (() => void) | undefined
    const ready = new Promise<void>((resolve) => {
      onReady = resolve
      redis.once('ready', resolve)
    })
    try {
      await within(ready, timeoutMs)
    } finally {
      if (onReady !== undefined) redis.off('ready', onReady)
    }
  }
  const left = (): number => Math.max(1, deadline - Date.now())
  const reply = await within(redis.set(name, proposed, 'NX'), left())
  const stored = await within(redis.get(name), left())
  if (stored === null) throw new Error(`the development key at ${name} vanished from Redis`)
  return { privateKey: parse(stored, name), name, stored, created: reply === 'OK' }
}

function parse(stored: string, name: string): KeyObject {
  const unusable = new Error(
    `Redis holds something other than a P-256 private JWK at ${name}; delete it (DEL ${name}) ` +
      'and restart every node',
  )
  let key: KeyObject
  try {
    key = createPrivateKey({ key: JSON.parse(stored) as JsonWebKey, format: 'jwk' })
  } catch {
    throw unusable
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw unusable
  return key
}

function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new Error(
          `Redis (REDIS_URL) did not answer in time; the development issuer ` +
            'shares its key through it',
        ),
      )
    }, ms)
  })
  return Promise.race([promise, late]).finally(() => {
    clearTimeout(timer)
  })
}
