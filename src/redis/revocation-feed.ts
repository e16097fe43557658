// The change feed of the Redis revocation store: a stream that every revocation is appended to,
// read by each node on a connection of its own. A stream rather than Pub/Sub because a reader
// that was away (Redis restarting, its connection re-established after the writer's) resumes from
// the last entry it saw instead of missing what was published meanwhile.
import type { RevocationListener, RevocationTarget } from '../revocation/revocation-store.js'
import { pause, type RedisConnection } from './redis-connection.js'

// How long one XREAD blocks; the loop then asks again. ioredis 6 fails a blocked read that gets
// no answer past this (plus a grace), so a connection that died silently is replaced.
const BLOCK_MS = 10_000
// Entries per read: a burst of revocations is taken in a few round trips.
const COUNT = 100

/** A running reader. */
export interface FeedReader {
  /** Stops reading and closes the reader's connection. */
  stop(): void
}

type Entry = readonly [id: string, fields: Readonly<Record<string, string>>]

function fieldsOf(raw: unknown): Record<string, string> {
  const fields: Record<string, string> = {}
  if (Array.isArray(raw)) {
    for (let index = 0; index + 1 < raw.length; index += 2) {
      const [name, value] = [raw[index] as unknown, raw[index + 1] as unknown]
      if (typeof name === 'string' && typeof value === 'string') fields[name] = value
    }
  } else if (typeof raw === 'object' && raw !== null) {
    for (const [name, value] of Object.entries(raw))
      if (typeof value === 'string') fields[name] = value
  }
  return fields
}

/** The entries of an XRANGE-shaped reply: `[[id, [field, value, ...]], ...]`. */
function entriesOf(raw: unknown): Entry[] {
  if (!Array.isArray(raw)) return []
  const entries: Entry[] = []
  for (const item of raw) {
    if (Array.isArray(item) && typeof item[0] === 'string')
      entries.push([item[0], fieldsOf(item[1])])
  }
  return entries
}

/**
 * The entries of an XREAD reply for one stream, in each shape ioredis gives it: RESP2
 * `[[key, entries]]`, RESP3 as a flat map `[key, entries]`, or RESP3 as an object.
 */
function readEntries(raw: unknown): Entry[] {
  if (raw === null || raw === undefined) return []
  if (Array.isArray(raw)) {
    const first: unknown = raw[0]
    if (typeof first === 'string') return entriesOf(raw[1])
    return Array.isArray(first) ? entriesOf(first[1]) : []
  }
  return typeof raw === 'object' ? entriesOf(Object.values(raw)[0]) : []
}

const INSTANT = /^\d+$/

/** A feed entry as a revocation; undefined for anything malformed. */
export function toRevocation(
  fields: Readonly<Record<string, string>>,
): [RevocationTarget, number] | undefined {
  const { sub, jti, sid, iss, until, at } = fields
  if (at === undefined || !INSTANT.test(at)) return undefined
  if (sub !== undefined) return [{ sub }, Number(at)]
  if (sid !== undefined) {
    // The entry's `until` is the store's business: a session target carries none.
    if (sid === '') return undefined
    return [iss === undefined ? { sid } : { sid, iss }, Number(at)]
  }
  if (jti === undefined || until === undefined || !INSTANT.test(until)) return undefined
  const target: RevocationTarget =
    iss === undefined ? { jti, expiresAt: Number(until) } : { jti, iss, expiresAt: Number(until) }
  return [target, Number(at)]
}

/**
 * Reads the feed at `key` from its current end, on a duplicate of `redis`, and hands each
 * revocation to `deliver`, until stopped. Errors (Redis away) are waited out: the read is resent
 * when ioredis reconnects, from the last entry seen.
 */
export function startFeedReader(
  redis: RedisConnection,
  key: string,
  deliver: RevocationListener,
): FeedReader {
  const connection = redis.duplicate({
    // A blocked read lasts far longer than a timeout meant for ordinary commands.
    commandTimeout: undefined,
    // While Redis is away the read waits for the reconnection in the offline queue instead of
    // failing after a few retries.
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    blockingTimeout: BLOCK_MS,
    replyMapping: 'legacy',
  })
  // Errors are expected while Redis is away; ioredis reconnects by itself. Without a listener
  // they would be printed as unhandled.
  connection.on('error', () => undefined)
  let stopped = false
  // A call, so that a check after an `await` is not narrowed away by the one before it.
  const isStopped = (): boolean => stopped
  let lastId: string | undefined

  const loop = async (): Promise<void> => {
    let wait = 50
    while (!isStopped()) {
      try {
        // Start after the newest entry: what came before was stored before this node asked.
        lastId ??=
          entriesOf(await connection.call('XREVRANGE', key, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0'
        const reply = await connection.call(
          'XREAD',
          'COUNT',
          COUNT,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          key,
          lastId,
        )
        for (const [id, fields] of readEntries(reply)) {
          lastId = id
          const revocation = toRevocation(fields)
          if (revocation !== undefined && !isStopped()) deliver(...revocation)
        }
        wait = 50
      } catch {
        if (isStopped()) return
        await pause(wait)
        wait = Math.min(wait * 2, 1_000)
      }
    }
  }
  void loop()

  return {
    stop() {
      stopped = true
      connection.disconnect()
    },
  }
}
