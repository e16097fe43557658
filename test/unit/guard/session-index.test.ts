// The guard's session index: sockets by subject, found whatever rooms they are in, and gone
// once disconnected.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { createSessionIndex } from '../../../src/guard/session-index.js'
import type { AnySocket } from '../../../src/guard/types.js'

function fakeSocket(sub?: string): AnySocket & EventEmitter {
  const socket = new EventEmitter() as unknown as AnySocket & EventEmitter
  Object.assign(socket, {
    connected: true,
    data: { auth: { claims: sub === undefined ? {} : { sub }, expiresAt: null } },
  })
  return socket
}

describe('createSessionIndex', () => {
  it('finds sockets by subject and all of them, and forgets a socket on disconnect', () => {
    const index = createSessionIndex()
    const [a1, a2, b, anonymous] = [
      fakeSocket('alice'),
      fakeSocket('alice'),
      fakeSocket('bob'),
      fakeSocket(),
    ]
    for (const socket of [a1, a2, b, anonymous, a1]) index.add(socket)
    expect([...index.withSubject('alice')]).toEqual([a1, a2])
    expect(new Set(index.all())).toEqual(new Set([a1, a2, b, anonymous]))
    a1.emit('disconnect')
    anonymous.emit('disconnect')
    expect([...index.withSubject('alice')]).toEqual([a2])
    expect(new Set(index.all())).toEqual(new Set([a2, b]))
    // One shared listener per socket, added once.
    expect(a2.listenerCount('disconnect')).toBe(1)
    b.emit('disconnect')
    expect([...index.withSubject('bob')]).toEqual([])
  })

  it('does not add a socket that is already gone', () => {
    const index = createSessionIndex()
    const socket = fakeSocket('alice')
    Object.assign(socket, { connected: false })
    index.add(socket)
    expect([...index.all()]).toEqual([])
  })
})
