// What a node knows of the re-checks made while a session was away (fifth outside attack on
// rooms, F1): a node started after a `guard.recheck` never heard of it, so for a session that
// went away before the node started it must assume one was made (no replay of missed packets).
import { describe, expect, it } from 'vitest'
import { createRoomRecheck } from '../../../src/guard/room-recheck.js'
import { createSessionIndex } from '../../../src/guard/session-index.js'
import { createTimerHeap } from '../../../src/internal/timer-heap.js'

function recheckOf() {
  return createRoomRecheck({
    now: Date.now,
    timers: createTimerHeap(Date.now),
    isClosed: () => false,
    sessions: createSessionIndex(),
    namespaces: [],
    engine: undefined,
    reportFailure: () => undefined,
    clockToleranceMs: 0,
  })
}

describe('recheckedSince', () => {
  it('is true for a session away since before this node started: it cannot know', () => {
    const recheck = recheckOf()
    expect(recheck.recheckedSince({ sub: 'alice' }, Date.now() - 60_000)).toBe(true)
  })

  it('is false for a session away since this node started, with no re-check since', () => {
    const recheck = recheckOf()
    expect(recheck.recheckedSince({ sub: 'alice' }, Date.now() + 1)).toBe(false)
  })

  it('is true once a re-check of that subject was made after the session went away', async () => {
    const recheck = recheckOf()
    const away = Date.now() + 1
    await new Promise((resolve) => setTimeout(resolve, 5))
    await recheck.recheck({ sub: 'alice' })
    expect(recheck.recheckedSince({ sub: 'alice' }, away)).toBe(true)
    expect(recheck.recheckedSince({ sub: 'bob' }, away)).toBe(false)
  })
})

describe('re-checks the log no longer holds (outside attack r10, docs item 4)', () => {
  it('a session away since before the newest forgotten re-check is taken as re-checked and overdue', async () => {
    const recheck = recheckOf()
    const away = Date.now() + 1
    await new Promise((resolve) => setTimeout(resolve, 5))
    // The log keeps 10,000 re-checks: the first one (bob's) is forgotten past that.
    await recheck.recheck({ sub: 'bob' }, { refreshWithinMs: 1 })
    for (let i = 0; i < 10_000; i++) await recheck.recheck({ sub: `user${String(i)}` })
    const session = { sockguard: { receivingSince: away } }
    expect(recheck.recheckedSince({ sub: 'bob' }, away)).toBe(true)
    expect(recheck.overdue(session, { sub: 'bob' })).toBe(true)
    // A session that began after it is judged by what the log holds.
    const later = Date.now() + 1
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(recheck.recheckedSince({ sub: 'carol' }, later)).toBe(false)
    expect(recheck.overdue({ sockguard: { receivingSince: later } }, { sub: 'carol' })).toBe(false)
  })

  it('overdue: its own request past the deadline unless the token it keeps is fresh', () => {
    const recheck = recheckOf()
    const askedAt = Date.now() - 10_000
    const session = { sockguard: { reauthAskedAt: askedAt, reauthBy: askedAt + 1_000 } }
    expect(recheck.overdue(session, { sub: 'alice', iat: Math.floor(askedAt / 1000) - 60 })).toBe(
      true,
    )
    expect(recheck.overdue(session, { sub: 'alice', iat: Math.floor(askedAt / 1000) + 1 })).toBe(
      false,
    )
    const open = { sockguard: { reauthAskedAt: Date.now(), reauthBy: Date.now() + 60_000 } }
    expect(recheck.overdue(open, { sub: 'alice', iat: 0 })).toBe(false)
  })
})
