import { describe, expect, it } from 'vitest'
import { limitReplay, offsetTime } from '../../../src/guard/recovery-offsets.js'

// socket.io-adapter's yeast encoding of a millisecond time (its contrib/yeast.js).
const yeast = (ms: number): string => {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_'
  let out = ''
  do {
    out = alphabet[ms % 64]! + out
    ms = Math.floor(ms / 64)
  } while (ms > 0)
  return out
}

describe('offsetTime', () => {
  it("dates the in-memory adapter's yeast ids, with or without a seed", () => {
    const ms = 1_796_590_453_982
    expect(offsetTime(yeast(ms))).toBe(ms)
    expect(offsetTime(`${yeast(ms)}.3`)).toBe(ms)
  })

  it("dates the Redis Streams adapter's stream ids", () => {
    expect(offsetTime('1796590453982-0')).toBe(1_796_590_453_982)
    expect(offsetTime('1796590453982-17')).toBe(1_796_590_453_982)
  })

  it.each([undefined, 42, '', 'a b', 'x'.repeat(40), '1.2.3', '__proto__.x.y'])(
    'cannot date %j',
    (offset) => {
      expect(offsetTime(offset)).toBeUndefined()
    },
  )
})

describe('limitReplay', () => {
  const since = 1_796_590_000_000
  const session = (missed: unknown[]) => ({
    data: { sockguard: { receivingSince: since, nsp: '/' } },
    missedPackets: missed,
  })

  it('refuses an offset older than the session, or one it cannot date', () => {
    expect(limitReplay(session([]), yeast(since - 1), '/')).toBeNull()
    expect(limitReplay(session([]), 'not-an-offset', '/')).toBeNull()
    expect(limitReplay({ data: {}, missedPackets: [] }, yeast(since + 5), '/')).toBeNull()
  })

  it('refuses a session stored from another namespace (adapters that key sessions by pid alone)', () => {
    expect(limitReplay(session([]), yeast(since + 5), '/admin')).toBeNull()
    expect(limitReplay(session([]), yeast(since + 5), '/')).not.toBeNull()
  })

  it('keeps only the missed packets made since the session began', () => {
    const kept = ['message', 'new', yeast(since + 10)]
    const limited = limitReplay(
      session([['message', 'old', yeast(since - 10)], kept, ['message', 42]]),
      yeast(since + 1),
      '/',
    )
    expect(limited?.missedPackets).toEqual([kept])
  })

  it('keeps none made before the last join, nor in its millisecond (a room may not have been allowed yet)', () => {
    const joinedAt = since + 20
    const after = ['message', 'after', yeast(joinedAt + 1)]
    const limited = limitReplay(
      {
        data: { sockguard: { receivingSince: since, nsp: '/', roomsChangedAt: joinedAt } },
        missedPackets: [
          ['message', 'before', yeast(joinedAt - 5)],
          ['message', 'same ms', yeast(joinedAt)],
          after,
        ],
      },
      yeast(since + 1),
      '/',
    )
    expect(limited?.missedPackets).toEqual([after])
  })
})

describe('watchAway', () => {
  it('writes awaySince on the mark the session holds when it goes away, even a replaced one', async () => {
    const { EventEmitter } = await import('node:events')
    const { watchAway } = await import('../../../src/guard/recovery-offsets.js')
    const data: { sockguard: Record<string, unknown> } = {
      sockguard: { receivingSince: 1, nsp: '/' },
    }
    const socket = Object.assign(new EventEmitter(), { data })
    watchAway(socket as unknown as Parameters<typeof watchAway>[0])
    // A fresh-token request (room-recheck.ts) puts a new object in its place.
    socket.data.sockguard = { ...socket.data.sockguard, reauthBy: 5 }
    socket.emit('disconnecting')
    expect(typeof socket.data.sockguard.awaySince).toBe('number')
  })
})
