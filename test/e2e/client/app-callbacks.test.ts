// connect() with app callbacks that are async and reject (attack3 F11): an `onAuthError` whose
// UI or log sink is gone must not turn a refusal into an unhandled rejection, which ends a Node
// client process by default. Each terminal failure path, against real Socket.IO servers.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import type { AuthErrorData } from '../../../src/client/index.js'
import { watchProcess } from '../../support/guard-e2e.js'
import { nextEvent, startServer } from '../../support/socket-server.js'
import { closeClients, connectClient } from './support.js'

afterEach(closeClients)
const crashes = watchProcess()
afterAll(() => {
  crashes.stop()
})

/** An onAuthError that records what it saw, then rejects as an async hook whose sink is down. */
function rejectingOnAuthError(): {
  readonly seen: string[]
  readonly onAuthError: (error: AuthErrorData) => Promise<void>
} {
  const seen: string[] = []
  return {
    seen,
    onAuthError: async (error) => {
      seen.push(error.code)
      await Promise.resolve()
      throw new Error('ui gone')
    },
  }
}

/** Waits until `unhandledRejection` would have fired, then asserts none escaped since `before`. */
async function expectNoCrashSince(before: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(crashes.errors.slice(before)).toEqual([])
}

describe('an async onAuthError that rejects (attack3 F11)', () => {
  it('on a refused handshake: reported once, no unhandled rejection', async () => {
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.use((_socket, next) => {
          next(Object.assign(new Error('m'), { data: { code: 'token_invalid', message: 'm' } }))
        })
      },
    })
    const before = crashes.errors.length
    const hook = rejectingOnAuthError()
    const client = connectClient(server.url, { getToken: () => 'a.b.c', ...hook })
    await nextEvent(client, 'connect_error')
    await expectNoCrashSince(before)
    expect(hook.seen).toEqual(['token_invalid'])
  })

  it('when getToken fails (token_missing): no unhandled rejection', async () => {
    await using server = await startServer({ guard: false })
    const before = crashes.errors.length
    const hook = rejectingOnAuthError()
    const client = connectClient(server.url, {
      getToken: () => Promise.reject(new Error('session store down')),
      ...hook,
    })
    await nextEvent(client, 'connect_error')
    await expectNoCrashSince(before)
    expect(hook.seen).toEqual(['token_missing'])
  })

  it('on a refused in-band refresh: no unhandled rejection', async () => {
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.on('connection', (socket) => {
          socket.on('authenticate', (_data: unknown, ack: (reply: unknown) => void) => {
            ack({ ok: false, code: 'token_invalid', message: 'The token signature is not valid.' })
          })
          socket.emit('auth:expiring')
        })
      },
    })
    const before = crashes.errors.length
    const hook = rejectingOnAuthError()
    connectClient(server.url, { getToken: () => 'a.b.c', ...hook })
    await vi.waitFor(() => {
      expect(hook.seen).toHaveLength(1)
    })
    await expectNoCrashSince(before)
    expect(hook.seen).toEqual(['token_invalid'])
  })

  it('an onAuthError returning a thenable whose then throws: no crash either', async () => {
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.use((_socket, next) => {
          next(Object.assign(new Error('m'), { data: { code: 'token_revoked', message: 'm' } }))
        })
      },
    })
    const before = crashes.errors.length
    let calls = 0
    const client = connectClient(server.url, {
      getToken: () => 'a.b.c',
      onAuthError: () => {
        calls++
        return {
          then() {
            throw new Error('odd thenable')
          },
        }
      },
    })
    await nextEvent(client, 'connect_error')
    await expectNoCrashSince(before)
    expect(calls).toBe(1)
  })
})
