import { describe, expect, it } from 'vitest'
import { createSingleFlight } from '../../../src/keys/single-flight.js'

describe('createSingleFlight', () => {
  it('shares one attempt between concurrent callers and stamps its start with the clock', async () => {
    let calls = 0
    let finish: () => void = () => undefined
    const loader = createSingleFlight(
      () =>
        new Promise<void>((resolve) => {
          calls++
          finish = resolve
        }),
      () => 1_000,
    )
    const first = loader.run()
    const second = loader.run()
    expect(second).toBe(first)
    expect(loader.busy).toBe(true)
    expect(loader.attemptedAt).toBe(1_000)
    finish()
    await first
    expect(calls).toBe(1)
    expect(loader.attempts).toBe(1)
    expect(loader.busy).toBe(false)
  })

  it('never rejects: the last failure is kept until an attempt succeeds', async () => {
    const failure = new Error('endpoint down')
    let fail = true
    const loader = createSingleFlight(
      () => (fail ? Promise.reject(failure) : Promise.resolve()),
      Date.now,
    )
    await expect(loader.run()).resolves.toBeUndefined()
    expect(loader.lastError).toBe(failure)
    fail = false
    await loader.run()
    expect(loader.lastError).toBeUndefined()
    expect(loader.attempts).toBe(2)
  })
})
