import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { within } from '../../../src/internal/within.js'

describe('within', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('settles as the promise when it answers in time, and clears its timer', async () => {
    const late = vi.fn(() => 'late')
    await expect(within(Promise.resolve('answer'), 1_000, late)).resolves.toBe('answer')
    expect(vi.getTimerCount()).toBe(0)
    await expect(within(Promise.reject(new Error('refused')), 1_000, late)).rejects.toThrow(
      'refused',
    )
    expect(late).not.toHaveBeenCalled()
  })

  it('gives the fallback once the time is up, and ignores a later rejection', async () => {
    let fail: (error: Error) => void = () => undefined
    const slow = new Promise<number>((_, reject) => {
      fail = reject
    })
    const result = within(slow, 1_000, () => 2)
    await vi.advanceTimersByTimeAsync(999)
    let settled = false
    void result.then(() => (settled = true))
    await Promise.resolve()
    expect(settled).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    await expect(result).resolves.toBe(2)
    // Would be an unhandled rejection (a failed run) if race() had not subscribed to it.
    fail(new Error('too late'))
  })

  it('rejects with what late() throws', async () => {
    const result = within(new Promise<never>(() => undefined), 50, () => {
      throw new Error('no answer within 50 ms')
    })
    const outcome = expect(result).rejects.toThrow('no answer within 50 ms')
    await vi.advanceTimersByTimeAsync(50)
    await outcome
  })
})
