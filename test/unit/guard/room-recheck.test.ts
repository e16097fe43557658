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
