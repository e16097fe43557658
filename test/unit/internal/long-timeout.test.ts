// setLongTimeout on fake timers: a delay past Node's 2^31-1 ms limit (which setTimeout clamps to
// 1 ms, the classic overflow that would disconnect a 30-day token at once) fires once, on time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setLongTimeout } from '../../../src/internal/long-timeout.js'

const DAY = 86_400_000
const MAX_DELAY = 2 ** 31 - 1

describe('setLongTimeout', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_900_000_000_000 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('fires once, exactly 30 days later, not before', () => {
    const fn = vi.fn()
    const start = Date.now()
    setLongTimeout(fn, start + 30 * DAY, Date.now)
    // One step at a time, never more than Node's limit.
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

  it('is what plain setTimeout gets wrong: it clamps 30 days to 1 ms', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined)
    const fn = vi.fn()
    // Node's own setTimeout, not the fake one: the clamp is Node's behaviour.
    vi.useRealTimers()
    const handle = setTimeout(fn, 30 * DAY)
    clearTimeout(handle)
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('does not fit into a 32-bit signed integer'),
      'TimeoutOverflowWarning',
    )
    warn.mockRestore()
  })

  it('fires a short delay once, on time', () => {
    const fn = vi.fn()
    setLongTimeout(fn, Date.now() + 1_000, Date.now)
    vi.advanceTimersByTime(999)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('fires at once for an instant already past', () => {
    const fn = vi.fn()
    setLongTimeout(fn, Date.now() - 5, Date.now)
    expect(fn).toHaveBeenCalledTimes(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('cancel() stops it, in the first step and in a later one', () => {
    const early = vi.fn()
    setLongTimeout(early, Date.now() + 30 * DAY, Date.now).cancel()
    const late = vi.fn()
    const timer = setLongTimeout(late, Date.now() + 30 * DAY, Date.now)
    vi.advanceTimersByTime(MAX_DELAY + 1_000)
    timer.cancel()
    vi.advanceTimersByTime(60 * DAY)
    expect(early).not.toHaveBeenCalled()
    expect(late).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('re-reads the injected clock at each step: it fires when that clock reaches the instant', () => {
    const fn = vi.fn()
    let skew = 0
    const now = (): number => Date.now() + skew
    setLongTimeout(fn, now() + 30 * DAY, now)
    // The clock steps 2 days ahead (NTP, a test seam): the next step is measured from it.
    skew = 2 * DAY
    vi.advanceTimersByTime(28 * DAY - 1)
    expect(fn).not.toHaveBeenCalled()
    vi.advanceTimersByTime(1)
    expect(fn).toHaveBeenCalledTimes(1)
  })

  it('does not keep the process alive (unref)', () => {
    vi.useRealTimers()
    const spy = vi.spyOn(globalThis, 'setTimeout')
    const timer = setLongTimeout(() => undefined, Date.now() + 30 * DAY, Date.now)
    const handle = spy.mock.results[0]?.value as NodeJS.Timeout
    spy.mockRestore()
    expect(handle.hasRef()).toBe(false)
    timer.cancel()
  })
})
