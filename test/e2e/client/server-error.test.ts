// connect() when the server failed, not the token (`server_error`), and when it rate-limits a
// refresh: the client retries with a bounded, jittered exponential backoff instead of reporting
// the user logged out, and reports only when the retries are spent. Real Socket.IO servers whose
// middleware and handlers answer as a failing sockguard server would; delays are injected small.
import type { Socket } from 'socket.io'
import { afterEach, describe, expect, it } from 'vitest'
import { afterTimersOf, nothingBeforeRoundTrip } from '../../support/guard-e2e.js'
import { nextEvent, startServer } from '../../support/socket-server.js'
import {
  authErrors,
  closeClients,
  connectClient,
  countHandshakes,
  retryDraws,
  tokenSequence,
} from './support.js'

afterEach(closeClients)

const SERVER_ERROR = { code: 'server_error', message: 'The server failed; retry later.' }
const refused = (data: Record<string, unknown>): Error =>
  Object.assign(new Error(String(data.message)), { data })

/** A server whose handshakes fail with `server_error` `failures` times, then succeed. */
async function failingServer(failures: number) {
  const at: number[] = []
  let handshakes = { count: 0 }
  const server = await startServer({
    guard: false,
    setup: (io) => {
      handshakes = countHandshakes(io)
      io.use((_socket, next) => {
        at.push(Date.now())
        next(at.length <= failures ? refused(SERVER_ERROR) : undefined)
      })
    },
  })
  return Object.assign(server, { at, handshakes: () => handshakes.count })
}

describe('server_error at the handshake', () => {
  it('reconnects with a growing backoff and connects; onAuthError stays silent', async () => {
    await using server = await failingServer(2)
    const errors = authErrors()
    const tokens = tokenSequence('t1', 't2', 't3')
    const client = connectClient(server.url, {
      ...tokens,
      onAuthError: errors.onAuthError,
      // random() = 1: each delay is its ceiling, 40 then 80 ms.
      retry: { initialDelayMs: 40, maxDelayMs: 1_000, factor: 2, random: () => 1 },
    })
    await nextEvent(client, 'connect')
    expect(server.handshakes()).toBe(3)
    expect(tokens.calls).toEqual([false, false, false])
    expect(errors.seen).toEqual([])
    const [first = 0, second = 0, third = 0] = server.at
    expect(second - first).toBeGreaterThanOrEqual(40 - 5)
    expect(third - second).toBeGreaterThanOrEqual(80 - 5)
  })

  it('gives up after retry.maxAttempts in a row: reported once, no further handshake', async () => {
    await using server = await failingServer(Infinity)
    const errors = authErrors()
    const retry = retryDraws()
    const client = connectClient(server.url, {
      getToken: () => 't',
      onAuthError: errors.onAuthError,
      retry: { initialDelayMs: 5, maxDelayMs: 10, maxAttempts: 2, random: retry.random },
    })
    while (errors.seen.length === 0) await nextEvent(client, 'connect_error')
    expect(errors.seen).toEqual([SERVER_ERROR])
    // No reconnect now (inactive), and no third retry scheduled: one backoff drawn per retry.
    expect(client.active).toBe(false)
    expect(retry.draws()).toBe(2)
    expect(server.handshakes()).toBe(3)
  })

  it('stops retrying when the app disconnects during the backoff', async () => {
    await using server = await failingServer(Infinity)
    const retry = retryDraws()
    const client = connectClient(server.url, {
      getToken: () => 't',
      retry: { initialDelayMs: 50, maxDelayMs: 50, random: retry.random },
    })
    await nextEvent(client, 'connect_error')
    expect(retry.draws()).toBe(1) // the retry is scheduled
    client.disconnect()
    // Real time: the backoff timer (at most 50 ms) has no injected clock. Once it would have
    // fired, its socket.connect() would show: the socket active, or its handshake counted.
    await afterTimersOf(50)
    expect(client.active).toBe(false)
    expect(server.handshakes()).toBe(1)
  })

  it('other codes are still final: token_invalid is reported at once, never retried', async () => {
    let handshakes = 0
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.use((_socket, next) => {
          handshakes += 1
          next(refused({ code: 'token_invalid', message: 'The token signature is not valid.' }))
        })
      },
    })
    const errors = authErrors()
    const retry = retryDraws()
    const client = connectClient(server.url, {
      getToken: () => 't',
      onAuthError: errors.onAuthError,
      retry: { initialDelayMs: 5, maxDelayMs: 5, random: retry.random },
    })
    await nextEvent(client, 'connect_error')
    // connect()'s listener ran first: no reconnect now (inactive), none scheduled (no draw).
    expect(client.active).toBe(false)
    expect(retry.draws()).toBe(0)
    expect(errors.seen.map((error) => error.code)).toEqual(['token_invalid'])
    expect(handshakes).toBe(1)
  })
})

describe('server_error on a live socket', () => {
  it('unauthorized server_error then a server disconnect: reconnects after the backoff', async () => {
    let connections = 0
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.on('connection', (socket: Socket) => {
          connections += 1
          if (connections === 1) {
            socket.emit('unauthorized', SERVER_ERROR)
            socket.disconnect(true)
          }
        })
      },
    })
    const errors = authErrors()
    const client = connectClient(server.url, {
      getToken: () => 't',
      onAuthError: errors.onAuthError,
      retry: { initialDelayMs: 10, maxDelayMs: 20 },
    })
    const seen: string[] = []
    await new Promise<void>((resolve) => {
      client.on('disconnect', (reason) => seen.push(`disconnect: ${reason}`))
      client.on('connect', () => {
        seen.push('connect')
        if (seen.length === 3) resolve()
      })
    })
    expect(seen).toEqual(['connect', 'disconnect: io server disconnect', 'connect'])
    expect(connections).toBe(2)
    expect(errors.seen).toEqual([])
  })
})

describe('a refresh refused for now', () => {
  /** A server that warns of expiry at once and answers refreshes with `answers`, in order. */
  async function refreshServer(...answers: Record<string, unknown>[]) {
    const refreshes: number[] = []
    const sockets: string[] = []
    // Waiters of refreshedTimes(), told on each refresh.
    const waiters = new Set<() => void>()
    const server = await startServer({
      guard: false,
      setup: (io) => {
        io.on('connection', (socket: Socket) => {
          sockets.push(socket.id)
          socket.on('authenticate', (_data: unknown, ack: (answer: unknown) => void) => {
            refreshes.push(Date.now())
            for (const waiter of waiters) waiter()
            ack(answers[refreshes.length - 1] ?? { ok: true, expiresAt: Date.now() + 60_000 })
          })
          socket.emit('auth:expiring', { expiresAt: Date.now() + 60_000 })
        })
      },
    })
    /** Resolves once `count` refreshes have come (at once if they have). */
    const refreshedTimes = (count: number): Promise<void> =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (refreshes.length < count) return
          waiters.delete(check)
          resolve()
        }
        waiters.add(check)
        check()
      })
    return Object.assign(server, { refreshes, sockets, refreshedTimes })
  }

  it('rate_limited with retryAfterMs: waits that long, sends it again, stays connected', async () => {
    const rateLimited = { ok: false, code: 'rate_limited', message: 'Slow down.', retryAfterMs: 60 }
    await using server = await refreshServer(rateLimited)
    const errors = authErrors()
    const tokens = tokenSequence('first', 'fresh')
    const client = connectClient(server.url, { ...tokens, onAuthError: errors.onAuthError })
    const disconnects: unknown[] = []
    client.on('disconnect', (reason) => disconnects.push(reason))
    await nextEvent(client, 'connect')
    const id = client.id
    await server.refreshedTimes(2)
    const [first = 0, second = 0] = server.refreshes
    expect(second - first).toBeGreaterThanOrEqual(60 - 5)
    // The probe follows the second refresh's ack on the same connection: whatever the client did
    // on that ack (or during the wait before it), a disconnect would have come first.
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(disconnects).toEqual([])
    expect(client.connected).toBe(true)
    expect(client.id).toBe(id)
    expect(server.sockets).toHaveLength(1)
    // The same fresh token is sent again: getToken is not asked twice.
    expect(tokens.calls).toEqual([false, true])
    expect(errors.seen).toEqual([])
  })

  it('rate_limited over and over: reported once the attempts are spent', async () => {
    const rateLimited = { ok: false, code: 'rate_limited', message: 'Slow down.', retryAfterMs: 5 }
    await using server = await refreshServer(rateLimited, rateLimited, rateLimited)
    const errors = authErrors()
    let reported = (): void => undefined
    const firstReport = new Promise<void>((resolve) => {
      reported = resolve
    })
    const client = connectClient(server.url, {
      ...tokenSequence('first', 'fresh'),
      onAuthError: (error) => {
        errors.onAuthError(error)
        reported()
      },
      retry: { maxAttempts: 2 },
    })
    await nextEvent(client, 'connect')
    await firstReport
    expect(errors.seen).toEqual([{ code: 'rate_limited', message: 'Slow down.' }])
    expect(server.refreshes).toHaveLength(3)
  })

  it('server_error in the ack: retried after the backoff, then accepted', async () => {
    await using server = await refreshServer({ ok: false, ...SERVER_ERROR })
    const errors = authErrors()
    const client = connectClient(server.url, {
      ...tokenSequence('first', 'fresh'),
      onAuthError: errors.onAuthError,
      retry: { initialDelayMs: 20, maxDelayMs: 20 },
    })
    await nextEvent(client, 'connect')
    await server.refreshedTimes(2)
    expect(client.connected).toBe(true)
    expect(errors.seen).toEqual([])
  })
})

describe('the retry option', () => {
  it.each([
    [{ initialDelayMs: 0 }, 'retry.initialDelayMs'],
    [{ initialDelayMs: 1.5 }, 'retry.initialDelayMs'],
    [{ maxDelayMs: 2 ** 31 }, 'retry.maxDelayMs'],
    [{ initialDelayMs: 100, maxDelayMs: 10 }, 'retry.maxDelayMs'],
    [{ factor: 0.5 }, 'retry.factor'],
    [{ factor: Number.NaN }, 'retry.factor'],
    [{ maxAttempts: -1 }, 'retry.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
    [{ random: 0.5 }, 'retry.random'],
    [{ maxAttemps: 3 }, 'retry.maxAttemps'],
    ['fast', 'retry'],
  ])('refuses %j at once, naming %s', (retry, option) => {
    expect(() =>
      connectClient('http://127.0.0.1:1', { getToken: () => 't', retry: retry as never }),
    ).toThrow(expect.objectContaining({ code: 'invalid_option', option }) as Error)
  })
})
