import { describe, expect, it } from 'vitest'
import { createBackoff } from '../../../src/client/backoff.js'

describe('createBackoff', () => {
  it('defaults: 1 s, doubling, capped at 30 s, 10 attempts', () => {
    const backoff = createBackoff(undefined)
    expect(backoff.maxAttempts).toBe(10)
    expect(backoff.maxDelayMs).toBe(30_000)
  })

  it('grows by `factor` from `initialDelayMs` and never passes `maxDelayMs`', () => {
    const top = createBackoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 1 })
    expect([0, 1, 2, 3, 4, 5, 50].map((n) => top.delay(n))).toEqual([
      100, 200, 400, 800, 1_000, 1_000, 1_000,
    ])
    const bottom = createBackoff({ initialDelayMs: 100, maxDelayMs: 1_000, random: () => 0 })
    expect([0, 1, 4].map((n) => bottom.delay(n))).toEqual([50, 100, 500])
  })

  it('jitters within [ceiling / 2, ceiling], whatever `random` returns', () => {
    for (const r of [0, 0.25, 0.999, -3, 7, Number.NaN, Infinity]) {
      const delay = createBackoff({ initialDelayMs: 400, maxDelayMs: 400, random: () => r }).delay(
        0,
      )
      expect(delay).toBeGreaterThanOrEqual(200)
      expect(delay).toBeLessThanOrEqual(400)
    }
    const spread = new Set(
      Array.from({ length: 50 }, () => createBackoff({ initialDelayMs: 1_000 }).delay(0)),
    )
    expect(spread.size).toBeGreaterThan(1)
  })

  it('accepts maxAttempts: 0 (never retry) and Infinity (never give up)', () => {
    expect(createBackoff({ maxAttempts: 0 }).maxAttempts).toBe(0)
    expect(createBackoff({ maxAttempts: Infinity }).maxAttempts).toBe(Infinity)
  })
})
