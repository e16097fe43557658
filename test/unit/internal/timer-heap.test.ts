// The guard's timer heap on fake timers: deadlines past Node's 2^31-1 ms limit (which setTimeout
// clamps to 1 ms, the overflow that would disconnect a 30-day token at once) fire once, on time;
// many deadlines share one Node timer; entries that stopped applying never run and do not
// accumulate.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTimerHeap, type DeadlineKind } from '../../../src/internal/timer-heap.js'

const DAY = 86_400_000
const MAX_DELAY = 2 ** 31 - 1

/** A kind whose entries are live while `live(arg)` says so; records what fired. */
function kind<T>(live: (arg: T, at: number) => boolean = () => true) {
  const fired: T[] = []
  const k: DeadlineKind<T> = { isLive: live, fire: (arg) => fired.push(arg) }
  return { kind: k, fired }
}

describe('createTimerHeap', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_900_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fires a 30-day deadline once, exactly on time, in steps below the limit', () => {
    const heap = createTimerHeap(Date.now)
    const { kind: k, fired } = kind<string>()
    const start = Date.now()
    heap.schedule(k, start + 30 * DAY, 'a')
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(MAX_DELAY)
    expect(fired).toEqual([])
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(30 * DAY - MAX_DELAY - 1)
    expect(fired).toEqual([])
    vi.advanceTimersByTime(1)
    expect(fired).toEqual(['a'])
    expect(Date.now() - start).toBe(30 * DAY)
    vi.advanceTimersByTime(60 * DAY)
    expect(fired).toEqual(['a'])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('serves many deadlines, in order, with one Node timer', () => {
    const heap = createTimerHeap(Date.now)
    const { kind: k, fired } = kind<number>()
    const start = Date.now()
    for (const offset of [500, 100, 300, 200, 400, 100]) heap.schedule(k, start + offset, offset)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(250)
    expect(fired).toEqual([100, 100, 200])
    vi.advanceTimersByTime(250)
    expect(fired).toEqual([100, 100, 200, 300, 400, 500])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('never runs entries that stopped applying, and re-arms for an earlier deadline', () => {
    const heap = createTimerHeap(Date.now)
    const dead = new Set<string>()
    const { kind: k, fired } = kind<string>((arg) => !dead.has(arg))
    const start = Date.now()
    heap.schedule(k, start + 1_000, 'late')
    dead.add('late')
    heap.noteStale()
    heap.schedule(k, start + 50, 'early')
    vi.advanceTimersByTime(60)
    expect(fired).toEqual(['early'])
    vi.advanceTimersByTime(2_000)
    expect(fired).toEqual(['early'])
    expect(heap.size).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('runs only the last of 100,000 rescheduled deadlines, and stays small meanwhile', () => {
    const heap = createTimerHeap(Date.now)
    let current = -1
    const { kind: k, fired } = kind<number>((_arg, at) => at === current)
    const start = Date.now()
    let largest = 0
    for (let i = 0; i < 100_000; i++) {
      if (current !== -1) heap.noteStale()
      current = start + DAY + i
      heap.schedule(k, current, i)
      largest = Math.max(largest, heap.size)
    }
    expect(largest).toBeLessThanOrEqual(130)
    vi.advanceTimersByTime(2 * DAY)
    expect(fired).toEqual([99_999])
  })

  it('drops the entries of departed owners before their time', () => {
    const heap = createTimerHeap(Date.now)
    const gone = new Set<number>()
    const { kind: k, fired } = kind<number>((arg) => !gone.has(arg))
    for (let i = 0; i < 1_000; i++) heap.schedule(k, Date.now() + DAY, i)
    for (let i = 0; i < 1_000; i++) {
      gone.add(i)
      heap.noteStale()
    }
    // Compaction runs once stale entries pass half the heap; what remains is below that.
    expect(heap.size).toBeLessThan(500)
    vi.advanceTimersByTime(2 * DAY)
    expect(fired).toEqual([])
  })

  it('close() drops every pending entry', () => {
    const heap = createTimerHeap(Date.now)
    const { kind: k, fired } = kind<string>()
    heap.schedule(k, Date.now() + 10, 'a')
    heap.close()
    vi.advanceTimersByTime(100)
    expect(fired).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
