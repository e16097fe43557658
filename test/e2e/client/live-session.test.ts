// connect() on a live socket: the in-band refresh on `auth:expiring` that keeps the connection
// and socket id, refreshes the server refuses (reported once, no reconnect), getToken failing
// mid-session, `unauthorized` from the server, and an ack that never comes. The guard runs on an
// injected clock set a few hundred ms before the first token's `exp`, so nothing waits long.
import type { Socket } from 'socket.io'
import { afterEach, describe, expect, it } from 'vitest'
import type { SocketAuth } from '../../../src/index.js'
import {
  EPOCH_S,
  afterTimersOf,
  connected,
  nothingBeforeRoundTrip,
  recordEvents,
  testClock,
} from '../../support/guard-e2e.js'
import { nextEvent, startServer, type TestServer } from '../../support/socket-server.js'
import { sign } from '../compat/support.js'
import {
  authErrors,
  closeClients,
  connectClient,
  countHandshakes,
  retryDraws,
  tokenSequence,
} from './support.js'

afterEach(closeClients)

const E_MS = EPOCH_S * 1000
const authOf = (socket: Socket): SocketAuth => (socket.data as { auth: SocketAuth }).auth

/**
 * A guarded server whose clock is `leftMs` before `EPOCH_S`, warning 300 ms before expiry, and a
 * first token that expires at `EPOCH_S`.
 */
async function sessionServer(leftMs = 600) {
  const clock = testClock()
  let handshakes = { count: 0 }
  const server = await startServer({
    guard: { now: clock.now, expiringWarningMs: 300 },
    setup(io) {
      handshakes = countHandshakes(io)
    },
  })
  clock.set(E_MS - leftMs)
  const first = server.issuer.sign({ iat: EPOCH_S - 60, exp: EPOCH_S, jti: 'first' })
  const fresh = server.issuer.sign({ iat: EPOCH_S - 1, exp: EPOCH_S + 3600, jti: 'fresh' })
  return Object.assign(server, { first, fresh, handshakes: () => handshakes.count })
}

/** The server side of a connected client. */
function serverSocket(server: TestServer, id: string): Socket {
  const socket = server.io.of('/').sockets.get(id)
  if (socket === undefined) throw new Error('no server socket for this client')
  return socket
}

describe('auth:expiring', () => {
  it('refreshes in-band: same connection and socket id, expiresAt advances, no disconnect', async () => {
    await using server = await sessionServer()
    const tokens = tokenSequence(server.first, server.fresh)
    const errors = authErrors()
    const client = connectClient(server.url, { ...tokens, onAuthError: errors.onAuthError })
    const seen = recordEvents(client)
    const id = await connected(client)
    const socket = serverSocket(server, id)
    expect(authOf(socket).expiresAt).toBe(E_MS)
    // A control socket that keeps the first token: the guard ends it at the first token's `exp`,
    // in the same run of its timers as the refreshed socket's old deadline.
    const control = server.connect({ auth: { token: server.first } })
    const controlEnded = nextEvent(control, 'unauthorized', 2_000)
    await connected(control)

    const authenticated = await nextEvent<{ expiresAt: number }>(client, 'authenticated', 2_000)
    expect(authenticated.expiresAt).toBe((EPOCH_S + 3600) * 1000)
    expect(tokens.calls).toEqual([false, true])
    expect(authOf(socket).expiresAt).toBe((EPOCH_S + 3600) * 1000)
    expect(authOf(socket).claims.jti).toBe('fresh')

    // Past the first token's `exp` (the control socket was ended), the socket is still there,
    // with the same id: a disconnect sent at that deadline would precede the probe.
    expect(await controlEnded).toMatchObject({ code: 'token_expired' })
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(client.connected).toBe(true)
    expect(client.id).toBe(id)
    expect(socket.connected).toBe(true)
    expect(server.handshakes()).toBe(2) // the client's and the control's
    expect(seen.map((entry) => entry.event)).toEqual(['auth:expiring', 'authenticated'])
    expect(errors.seen).toEqual([])
  })

  const refusals = [
    {
      code: 'claim_invalid',
      token: (server: TestServer) => server.issuer.sign({ sub: 'mallory', exp: EPOCH_S + 3600 }),
    },
    { code: 'token_invalid', token: (server: TestServer) => `${server.issuer.sign()}x` },
    {
      code: 'token_expired',
      token: (server: TestServer) => server.issuer.sign({ iat: EPOCH_S - 60, exp: EPOCH_S - 1 }),
    },
  ]

  it.each(refusals)(
    'a refused refresh ($code) is reported once; the server ends the session; no reconnect',
    async ({ code, token }) => {
      await using server = await sessionServer()
      const tokens = tokenSequence(server.first, token(server), server.fresh)
      const errors = authErrors()
      const retry = retryDraws()
      const client = connectClient(server.url, {
        ...tokens,
        onAuthError: errors.onAuthError,
        retry: { random: retry.random },
      })
      const unauthorized = nextEvent<{ code: string }>(client, 'unauthorized', 2_000)
      const disconnect = nextEvent<string>(client, 'disconnect', 2_000)
      await connected(client)
      // The app's own listener sees the server's `unauthorized`.
      expect(await unauthorized).toMatchObject({ code })
      expect(await disconnect).toBe('io server disconnect')
      expect(errors.seen).toHaveLength(1)
      expect(errors.seen[0]).toMatchObject({ code })
      // socket.io-client does not reconnect after a server disconnect, and connect() scheduled
      // no retry of its own (no backoff drawn): no connection can follow.
      expect(client.active).toBe(false)
      expect(retry.draws()).toBe(0)
      expect(errors.seen).toHaveLength(1)
      expect(server.handshakes()).toBe(1)
      expect(tokens.calls).toEqual([false, true])
    },
  )

  it('getToken failing mid-session: token_missing, the client disconnects, no retry', async () => {
    await using server = await sessionServer()
    let calls = 0
    const errors = authErrors()
    const client = connectClient(server.url, {
      getToken: () => {
        calls += 1
        if (calls === 1) return server.first
        throw new Error('refresh token gone')
      },
      onAuthError: errors.onAuthError,
    })
    const id = await connected(client)
    const serverGone = nextEvent<string>(serverSocket(server, id), 'disconnect', 2_000)
    expect(await nextEvent<string>(client, 'disconnect', 2_000)).toBe('io client disconnect')
    expect(await serverGone).toBe('client namespace disconnect')
    expect(errors.seen).toEqual([
      {
        code: 'token_missing',
        message: 'getToken failed; no token was sent.',
        cause: new Error('refresh token gone'),
      },
    ])
    expect(client.active).toBe(false)
    expect(calls).toBe(2)
  })
})

describe('unauthorized from the server', () => {
  it('is reported once and not retried (a revocation)', async () => {
    await using server = await sessionServer(60_000)
    const tokens = tokenSequence(server.first, server.fresh)
    const errors = authErrors()
    const retry = retryDraws()
    const client = connectClient(server.url, {
      ...tokens,
      onAuthError: errors.onAuthError,
      retry: { random: retry.random },
    })
    await connected(client)
    const unauthorized = nextEvent(client, 'unauthorized')
    const disconnect = nextEvent<string>(client, 'disconnect')
    await server.guard.revoke({ sub: 'alice' })
    expect(await unauthorized).toEqual({
      code: 'token_revoked',
      message: 'The token has been revoked.',
    })
    expect(await disconnect).toBe('io server disconnect')
    expect(errors.seen).toEqual([{ code: 'token_revoked', message: 'The token has been revoked.' }])
    // No reconnect now (inactive), none scheduled (no backoff drawn).
    expect(client.active).toBe(false)
    expect(retry.draws()).toBe(0)
    expect(server.handshakes()).toBe(1)
    expect(tokens.calls).toEqual([false])
  })

  it('at expiry, when no refresh came (the ack timed out), is reported once', async () => {
    // A plain server that warns and never acks, then ends the session as the guard would.
    let warned: Socket | undefined
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.on('connection', (socket) => {
          warned = socket
          socket.emit('auth:expiring', { expiresAt: Date.now() + 1_000 })
        })
      },
    })
    const errors = authErrors()
    const fresh = sign({ jti: 'fresh' })
    const tokens = tokenSequence(sign(), fresh)
    const retry = retryDraws()
    const client = connectClient(server.url, {
      ...tokens,
      onAuthError: errors.onAuthError,
      refreshTimeoutMs: 100,
      retry: { random: retry.random },
    })
    let refreshes = 0
    const refresh = new Promise<unknown>((resolve) => {
      server.io.on('connection', (socket) => {
        socket.on('authenticate', (payload: unknown) => {
          refreshes += 1
          resolve(payload)
        })
        socket.on('echo', (ack: () => void) => {
          ack()
        })
      })
    })
    await connected(client)
    expect(await refresh).toEqual({ token: fresh })
    // The ack never comes: nothing is reported or retried, the connection stays. Real time: the
    // ack timeout (refreshTimeoutMs, set when the refresh was sent) has no injected clock; then a
    // round trip to the server, which a resent refresh would have reached first.
    await afterTimersOf(100)
    await client.timeout(2_000).emitWithAck('echo')
    expect(client.connected).toBe(true)
    expect(refreshes).toBe(1)
    expect(retry.draws()).toBe(0) // no resend scheduled for later either
    expect(errors.seen).toEqual([])
    expect(tokens.calls).toEqual([false, true])
    warned?.emit('unauthorized', { code: 'token_expired', message: 'The token has expired.' })
    warned?.disconnect(true)
    expect(await nextEvent<string>(client, 'disconnect')).toBe('io server disconnect')
    expect(errors.seen).toEqual([{ code: 'token_expired', message: 'The token has expired.' }])
    expect(client.active).toBe(false)
  })
})
