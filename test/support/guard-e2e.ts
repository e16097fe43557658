// Helpers of the guard's end-to-end tests: coded refusals that never leak the token, events that
// must not come (proven by a round trip), recording of the events a client sees in order, and
// process-level crash watches.
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { Server } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { expect } from 'vitest'
import { nextEvent, refusal, startServer } from './socket-server.js'

/** The two transports the handshake suites run on. */
export const TRANSPORTS = ['websocket', 'polling'] as const

/** One of {@link TRANSPORTS}. */
export type Transport = (typeof TRANSPORTS)[number]

/** Resolves after `ms`. */
export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

/**
 * Awaits the client's refusal, asserts its code, and that neither the message nor the data holds
 * any of `secrets` (the tokens sent).
 */
export async function expectRefused(
  client: ClientSocket,
  code: string,
  ...secrets: string[]
): Promise<{ code: string; message: string }> {
  const errors: (Error & { data?: unknown })[] = []
  const capture = (error: Error & { data?: unknown }): void => {
    errors.push(error)
  }
  client.once('connect_error', capture)
  const data = await refusal(client)
  expect(data.code).toBe(code)
  expect(typeof data.message).toBe('string')
  expect(Object.keys(data).sort()).toEqual(['code', 'message'])
  const error = errors[0]!
  const seen = `${error.message}\n${JSON.stringify(error.data)}`
  for (const secret of secrets) {
    expect(seen).not.toContain(secret)
    // The signature alone is the secret part of a JWS; it must not leak either.
    const signature = secret.split('.')[2]
    if (signature !== undefined && signature.length > 8) expect(seen).not.toContain(signature)
  }
  expect(seen).not.toMatch(/\bat .+:\d+:\d+/) // no stack frame
  return data
}

/**
 * Resolves once every timer of at most `ms` set before the call has fired: Node runs timers in
 * order of due time, and this one is due 1 ms after any of them. Real time, for timers that have
 * no injected clock (the client's backoff, the guard's sweep interval): it orders after them, it
 * does not guess how long is enough.
 */
export function afterTimersOf(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms + 1)
  })
}

/** The event {@link nothingBeforeRoundTrip} probes with (left out by {@link recordEvents}). */
export const PROBE_EVENT = 'sockguard-test:probe'

/**
 * Proves that `client` got no `event` from what the server has done so far: the server emits a
 * probe to the client's socket and the client awaits it. One connection keeps the server's packets
 * in order, so an `event` (or a disconnect) sent before the probe arrives first and rejects. Use
 * it for absences after a server-side action (a revocation), not for timers that have yet to fire.
 */
export async function nothingBeforeRoundTrip(
  io: Server,
  client: ClientSocket,
  event: string,
  namespace = '/',
): Promise<void> {
  if (client.id === undefined) throw new Error('the client is not connected')
  let listener = (_value: unknown): void => undefined
  const absent = new Promise<never>((_, reject) => {
    listener = (value) => {
      reject(new Error(`unexpected "${event}": ${JSON.stringify(value)}`))
    }
    client.once(event, listener)
  })
  const probed = nextEvent(client, PROBE_EVENT)
  io.of(namespace).to(client.id).emit(PROBE_EVENT)
  try {
    await Promise.race([probed, absent])
  } finally {
    client.off(event, listener)
  }
}

/** A client's connected socket id (after `connect`). */
export async function connected(client: ClientSocket, timeoutMs = 5_000): Promise<string> {
  if (!client.connected) {
    await Promise.race([
      nextEvent(client, 'connect', timeoutMs),
      nextEvent<Error & { data?: unknown }>(client, 'connect_error', timeoutMs).then((error) => {
        throw new Error(`refused: ${error.message} ${JSON.stringify(error.data)}`)
      }),
    ])
  }
  return client.id!
}

/** One event as a client saw it. */
export interface SeenEvent {
  readonly event: string
  readonly args: unknown[]
  readonly at: number
}

/** Records, in order, every event a client receives and its `disconnect`. */
export function recordEvents(client: ClientSocket): SeenEvent[] {
  const seen: SeenEvent[] = []
  client.onAny((event: string, ...args: unknown[]) => {
    if (event === PROBE_EVENT) return
    seen.push({ event, args, at: Date.now() })
  })
  client.on('disconnect', (reason) => {
    seen.push({ event: 'disconnect', args: [reason], at: Date.now() })
  })
  return seen
}

/** A loopback port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve()
    })
  })
  return port
}

/** Records `unhandledRejection` and `uncaughtException` for the lifetime of a test file. */
export function watchProcess(): { readonly errors: unknown[]; stop(): void } {
  const errors: unknown[] = []
  const onError = (error: unknown): void => {
    errors.push(error)
  }
  process.on('unhandledRejection', onError)
  process.on('uncaughtException', onError)
  return {
    errors,
    stop() {
      process.off('unhandledRejection', onError)
      process.off('uncaughtException', onError)
    },
  }
}

/**
 * A full handshake on a fresh guarded server: a round trip of many event-loop turns, after which a
 * rejection or exception left behind by earlier work has been reported (`unhandledRejection` fires
 * once the microtask queue drains). Await it, instead of a sleep, before reading watchProcess().
 */
export async function handshakeRoundTrip(): Promise<void> {
  await using server = await startServer()
  await connected(server.connect({ auth: { token: server.issuer.sign() } }))
}

/** A whole-second instant far from the real clock, for tokens checked against a {@link testClock}. */
export const EPOCH_S = 2_000_000_000

/** A clock that runs at real speed from an instant set by the test (the guard's `now` seam). */
export function testClock(): { now: () => number; set: (ms: number) => void } {
  let offset = 0
  return {
    now: () => Date.now() + offset,
    set(ms) {
      offset = ms - Date.now()
    },
  }
}

/** Resolves once the client is disconnected (at once if it already is); rejects after `timeoutMs`. */
export async function disconnected(client: ClientSocket, timeoutMs = 2_000): Promise<void> {
  if (client.connected) await nextEvent(client, 'disconnect', timeoutMs)
}
