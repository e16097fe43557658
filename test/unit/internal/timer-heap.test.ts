// The guard's timer heap on fake timers: deadlines past Node's 2^31-1 ms limit (which setTimeout
// clamps to 1 ms, the overflow that would disconnect a 30-day token at once) fire once, on time;
// many deadlines share one Node timer; cancelled entries never run and do not accumulate.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createTimerHeap } from '../../../src/internal/timer-heap.js'

const DAY = 86_400_000
const MAX_DELAY = 2 ** 31 - 1

describe('createTimerHeap', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_900_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fires a 30-day deadline once, exactly on time, in steps below the limit', () => {
    const heap = createTimerHeap(Date.now)
    const fn = vi.fn()
    const start = Date.now()
    heap.schedule(fn, start + 30 * DAY)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(MAX_DELAY)
    expect(fn).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(30 * DAY - MAX_DELAY - 1)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(1)
    expect(Date.now() - start).toBe(30 * DAY)
    vi.advanceTimersByTime(60 * DAY)
    expect(fn).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('serves many deadlines, in order, with one Node timer', () => {
    const heap = createTimerHeap(Date.now)
    const order: number[] = []
    const start = Date.now()
    for (const offset of [500, 100, 300, 200, 400, 100])
      heap.schedule(() => order.push(offset), start + offset)
    expect(vi.getTimerCount()).toBe(1)
    vi.advanceTimersByTime(250)
    expect(order).toEqual([100, 100, 200])
    vi.advanceTimersByTime(250)
    expect(order).toEqual([100, 100, 200, 300, 400, 500])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('never runs cancelled entries, and re-arms for an earlier deadline', () => {
    const heap = createTimerHeap(Date.now)
    const late = vi.fn()
    const early = vi.fn()
    const start = Date.now()
    heap.schedule(late, start + 1_000).cancel()
    const entry = heap.schedule(early, start + 50)
    vi.advanceTimersByTime(60)
    expect(early).toHaveBeenCalledTimes(1)
    entry.cancel()
    vi.advanceTimersByTime(2_000)
    expect(late).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('runs only the last of 100,000 rescheduled deadlines', () => {
    const heap = createTimerHeap(Date.now)
    const fn = vi.fn()
    const start = Date.now()
    let entry = heap.schedule(fn, start + DAY)
    for (let i = 0; i < 100_000; i++) {
      entry.cancel()
      entry = heap.schedule(fn, start + DAY + i)
    }
    vi.advanceTimersByTime(2 * DAY)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('close() drops every pending entry', () => {
    const heap = createTimerHeap(Date.now)
    const fn = vi.fn()
    heap.schedule(fn, Date.now() + 10)
    heap.close()
    vi.advanceTimersByTime(100)
    expect(fn).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })
})
