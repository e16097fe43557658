// The guard's revocation log: what an authentication in flight is re-checked against when it
// commits. Marks, pending writes, matching rules, and the reach of the log.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createRevocationLog } from '../../../src/revocation/revocation-log.js'

const T = 2_000_000_000_000
const S = T / 1000

afterEach(() => {
  vi.useRealTimers()
})

describe('createRevocationLog', () => {
  it('finds only the revocations learned after the mark', () => {
    const log = createRevocationLog()
    log.record({ sub: 'alice' }, T)
    const mark = log.mark()
    expect(log.revokedSince({ sub: 'alice', iat: S }, mark)).toBe(false)
    log.record({ sub: 'bob' }, T)
    expect(log.revokedSince({ sub: 'alice', iat: S }, mark)).toBe(false)
    expect(log.revokedSince({ sub: 'bob', iat: S }, mark)).toBe(true)
    // A token issued after the subject's revocation is not under it.
    expect(log.revokedSince({ sub: 'bob', iat: S + 1 }, mark)).toBe(false)
  })

  it('a mark lies before every revocation whose store write is still pending', () => {
    const log = createRevocationLog()
    const settle = log.record({ jti: 'j' }, T, true)
    // Taken after the record, but the store may not have the revocation yet.
    const during = log.mark()
    expect(log.revokedSince({ jti: 'j' }, during)).toBe(true)
    settle()
    expect(log.revokedSince({ jti: 'j' }, log.mark())).toBe(false)
  })

  it('a token id without an issuer matches every issuer; with one, only that issuer', () => {
    const log = createRevocationLog()
    const mark = log.mark()
    log.record({ jti: 'a' }, T)
    log.record({ jti: 'b', iss: 'https://one' }, T)
    expect(log.revokedSince({ jti: 'a', iss: 'https://any' }, mark)).toBe(true)
    expect(log.revokedSince({ jti: 'b', iss: 'https://one' }, mark)).toBe(true)
    expect(log.revokedSince({ jti: 'b', iss: 'https://two' }, mark)).toBe(false)
    expect(log.revokedSince({ jti: 'b' }, mark)).toBe(false)
  })

  it('answers undefined (ask the store) for a mark older than what it still holds', () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    const log = createRevocationLog()
    const mark = log.mark()
    log.record({ sub: 'alice' }, T)
    vi.advanceTimersByTime(61_000)
    log.record({ sub: 'bob' }, T)
    expect(log.revokedSince({ sub: 'carol' }, mark)).toBeUndefined()
    expect(log.revokedSince({ sub: 'bob', iat: S }, mark + 1)).toBe(true)
  })
})
