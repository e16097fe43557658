// The in-memory revocation store against the cases every store shares (the Redis store runs the
// same ones in test/cluster), and the subject rule on its own.
import { describe, expect, it } from 'vitest'
import { createMemoryRevocationStore } from '../../../src/index.js'
import { isMemoryStore, issuedBefore } from '../../../src/revocation/revocation-store.js'
import { T, revocationStoreCases } from './revocation-store-cases.js'

const S = T / 1000

describe('createMemoryRevocationStore', () => {
  revocationStoreCases(createMemoryRevocationStore)

  it('is known as a memory store (the guard runs no sweep for it)', () => {
    expect(isMemoryStore(createMemoryRevocationStore())).toBe(true)
    expect(isMemoryStore({ ...createMemoryRevocationStore() })).toBe(false)
  })
})

describe('issuedBefore', () => {
  it('compares iat (seconds) with the revocation instant (ms), inclusively', () => {
    expect(issuedBefore({ iat: S }, T)).toBe(true)
    expect(issuedBefore({ iat: S }, T - 1)).toBe(false)
    expect(issuedBefore({}, T)).toBe(true)
  })
})
