// connect() at the handshake, against a real guarded server: getToken on every connect and
// reconnect, the single forced refresh after `token_expired` (and its reset after a connection),
// no retry on any other code, getToken failures as `token_missing`, transport errors left to
// socket.io-client.
import type { Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { connect } from '../../../src/client/index.js'
import type { SocketAuth } from '../../../src/index.js'
import { closedPort, connected } from '../../support/guard-e2e.js'
import { nextEvent, nowSeconds, startServer, type TestIssuer } from '../../support/socket-server.js'
import {
  authErrors,
  closeClients,
  connectClient,
  countHandshakes,
  retryDraws,
  tokenSequence,
} from './support.js'

afterEach(closeClients)

const claimsOf = (socket: Socket): SocketAuth['claims'] =>
  (socket.data as { auth: SocketAuth }).auth.claims

/** A guarded server that counts handshakes and records the `jti` of each connection. */
async function guardedServer(guard: Record<string, unknown> = {}) {
  let handshakes = { count: 0 }
  const jtis: unknown[] = []
  const server = await startServer({
    guard,
    setup(io) {
      handshakes = countHandshakes(io)
      io.on('connection', (socket) => {
        jtis.push(claimsOf(socket).jti)
        socket.on('echo', (text: string, ack: (reply: string) => void) => {
          ack(`echo: ${text}`)
        })
      })
    },
  })
  return Object.assign(server, { handshakes: () => handshakes.count, jtis })
}

/** Drops the client's transport on the server side, as a network failure would. */
async function dropTransport(
  server: Awaited<ReturnType<typeof guardedServer>>,
  client: ClientSocket,
): Promise<void> {
  const socket = server.io.of('/').sockets.get(client.id ?? '')
  if (socket === undefined) throw new Error('no server socket for this client')
  const gone = Promise.all([
    nextEvent(socket, 'disconnect'),
    nextEvent<string>(client, 'disconnect').then((reason) => {
      expect(reason).toBe('transport close')
    }),
  ])
  socket.conn.close()
  await gone
}

/** The client's id once it connects, through any refusals on the way (unlike `connected`). */
async function eventuallyConnected(client: ClientSocket): Promise<string> {
  if (!client.connected) await nextEvent(client, 'connect')
  return client.id!
}

describe('getToken', () => {
  it('is asked on connect, the token goes in the handshake, and typed events work', async () => {
    await using server = await guardedServer()
    const tokens = tokenSequence(server.issuer.sign({ jti: 'one' }))
    const client = connectClient(server.url, { getToken: tokens.getToken })
    await connected(client)
    expect(tokens.calls).toEqual([false])
    expect(server.jtis).toEqual(['one'])
    expect(await client.timeout(2_000).emitWithAck('echo', 'hi')).toBe('echo: hi')
  })

  it('is asked again on each reconnect, and the new token is used', async () => {
    await using server = await guardedServer()
    const tokens = tokenSequence(
      server.issuer.sign({ jti: 'one' }),
      server.issuer.sign({ jti: 'two' }),
      server.issuer.sign({ jti: 'three' }),
    )
    const client = connectClient(server.url, { getToken: tokens.getToken })
    const first = await connected(client)
    await dropTransport(server, client)
    const second = await connected(client)
    expect(second).not.toBe(first)
    await dropTransport(server, client)
    await connected(client)
    expect(tokens.calls).toEqual([false, false, false])
    expect(server.jtis).toEqual(['one', 'two', 'three'])
    expect(server.handshakes()).toBe(3)
  })

  it('may answer synchronously', async () => {
    await using server = await guardedServer()
    const token = server.issuer.sign({ jti: 'sync' })
    const client = connectClient(server.url, { getToken: () => token })
    await connected(client)
    expect(server.jtis).toEqual(['sync'])
  })
})

describe('a handshake refused with token_expired', () => {
  const expired = (server: { issuer: TestIssuer }, jti: string): string =>
    server.issuer.sign({ jti, iat: nowSeconds() - 120, exp: nowSeconds() - 60 })

  it('is retried once with a forced refresh, and connects with the fresh token', async () => {
    await using server = await guardedServer()
    const tokens = tokenSequence(expired(server, 'stale'), server.issuer.sign({ jti: 'fresh' }))
    const errors = authErrors()
    const client = connectClient(server.url, { ...tokens, onAuthError: errors.onAuthError })
    // The app's own listener sees the refusal, and that the socket is still trying.
    const seen: { code: unknown; active: boolean }[] = []
    client.on('connect_error', (error: Error & { data?: { code?: unknown } }) => {
      seen.push({ code: error.data?.code, active: client.active })
    })
    await eventuallyConnected(client)
    expect(tokens.calls).toEqual([false, true])
    expect(server.handshakes()).toBe(2)
    expect(server.jtis).toEqual(['fresh'])
    expect(seen).toEqual([{ code: 'token_expired', active: true }])
    expect(errors.seen).toEqual([])
  })

  it('stops after exactly two handshakes when the refreshed token is expired too', async () => {
    await using server = await guardedServer()
    const tokens = tokenSequence(expired(server, 'stale'), expired(server, 'also-stale'))
    const errors = authErrors()
    const retry = retryDraws()
    const client = connectClient(server.url, {
      ...tokens,
      onAuthError: errors.onAuthError,
      retry: { random: retry.random },
    })
    const codes: unknown[] = []
    client.on('connect_error', (error: Error & { data?: { code?: unknown } }) => {
      codes.push(error.data?.code)
    })
    await expect.poll(() => errors.seen.length).toBe(1)
    expect(errors.seen[0]).toMatchObject({ code: 'token_expired' })
    expect(typeof errors.seen[0]?.message).toBe('string')
    // Nothing more comes: no third handshake, no third getToken call. connect() decides in its
    // connect_error listener, which ran before onAuthError: no reconnect now (inactive), none
    // scheduled for later (no backoff drawn).
    expect(client.active).toBe(false)
    expect(retry.draws()).toBe(0)
    expect(server.handshakes()).toBe(2)
    expect(tokens.calls).toEqual([false, true])
    expect(codes).toEqual(['token_expired', 'token_expired'])
    expect(errors.seen).toHaveLength(1)
    expect(server.jtis).toEqual([])
  })

  it('can be retried again after a connection succeeded (the retry is reset on connect)', async () => {
    await using server = await guardedServer()
    const tokens = tokenSequence(
      server.issuer.sign({ jti: 'one' }),
      expired(server, 'stale-1'),
      server.issuer.sign({ jti: 'two' }),
      expired(server, 'stale-2'),
      server.issuer.sign({ jti: 'three' }),
    )
    const errors = authErrors()
    const client = connectClient(server.url, { ...tokens, onAuthError: errors.onAuthError })
    await connected(client)
    await dropTransport(server, client)
    await eventuallyConnected(client)
    await dropTransport(server, client)
    await eventuallyConnected(client)
    expect(tokens.calls).toEqual([false, false, true, false, true])
    expect(server.jtis).toEqual(['one', 'two', 'three'])
    expect(server.handshakes()).toBe(5)
    expect(errors.seen).toEqual([])
  })

  it('gets a new retry when the app connects again after a terminal failure', async () => {
    await using server = await guardedServer()
    const tokens = tokenSequence(
      expired(server, 'a'),
      expired(server, 'b'),
      expired(server, 'c'),
      server.issuer.sign({ jti: 'fresh' }),
    )
    const errors = authErrors()
    const client = connectClient(server.url, { ...tokens, onAuthError: errors.onAuthError })
    await expect.poll(() => errors.seen.length).toBe(1)
    client.connect()
    await eventuallyConnected(client)
    expect(tokens.calls).toEqual([false, true, false, true])
    expect(server.handshakes()).toBe(4)
    expect(server.jtis).toEqual(['fresh'])
  })
})

describe('a handshake refused with any other code', () => {
  const cases: {
    code: string
    guard?: Record<string, unknown>
    token: (server: Awaited<ReturnType<typeof guardedServer>>) => string | Promise<string>
  }[] = [
    {
      code: 'token_invalid',
      token: (server) => `${server.issuer.sign().slice(0, -4)}AAAA`,
    },
    { code: 'token_malformed', token: () => 'not-a-jwt' },
    {
      code: 'token_revoked',
      token: async (server) => {
        await server.guard.revoke({ sub: 'mallory' })
        return server.issuer.sign({ sub: 'mallory' })
      },
    },
    {
      code: 'claim_invalid',
      guard: { issuer: 'https://issuer.example' },
      token: (server) => server.issuer.sign({ iss: 'https://elsewhere.example' }),
    },
    {
      code: 'token_not_active',
      token: (server) => server.issuer.sign({ nbf: nowSeconds() + 600 }),
    },
  ]

  it.each(cases)('$code: exactly one handshake, no retry, onAuthError once', async (test) => {
    await using server = await guardedServer(test.guard)
    const token = await test.token(server)
    const tokens = tokenSequence(token, token)
    const errors = authErrors()
    const retry = retryDraws()
    const client = connectClient(server.url, {
      ...tokens,
      onAuthError: errors.onAuthError,
      retry: { random: retry.random },
    })
    const refusal = await nextEvent<Error & { data?: unknown }>(client, 'connect_error')
    expect(refusal.data).toMatchObject({ code: test.code })
    // connect()'s listener ran before this one: no reconnect now (inactive), none scheduled for
    // later (no backoff drawn), so no second handshake can come.
    expect(client.active).toBe(false)
    expect(retry.draws()).toBe(0)
    expect(errors.seen).toEqual([refusal.data])
    expect(server.handshakes()).toBe(1)
    expect(tokens.calls).toEqual([false])
    expect(errors.seen).toHaveLength(1)
  })
})

describe('getToken without a token', () => {
  const failures: { name: string; getToken: () => unknown; cause: unknown }[] = [
    {
      name: 'throws',
      getToken: () => {
        throw new Error('logged out')
      },
      cause: new Error('logged out'),
    },
    {
      name: 'rejects',
      getToken: () => Promise.reject(new Error('refresh token revoked')),
      cause: new Error('refresh token revoked'),
    },
    { name: 'gives null', getToken: () => null, cause: undefined },
    { name: 'gives an empty string', getToken: () => '', cause: undefined },
  ]

  it.each(failures)(
    '$name: token_missing, no handshake, connect_error with the code',
    async ({ getToken, cause }) => {
      await using server = await guardedServer()
      const errors = authErrors()
      const retry = retryDraws()
      const client = connectClient(server.url, {
        getToken: getToken as () => string,
        onAuthError: errors.onAuthError,
        retry: { random: retry.random },
      })
      const error = await nextEvent<Error & { data?: unknown }>(client, 'connect_error')
      expect(error.data).toEqual({ code: 'token_missing', message: error.message })
      expect(error.cause).toEqual(cause)
      expect(client.active).toBe(false)
      expect(errors.seen).toHaveLength(1)
      expect(errors.seen[0]).toMatchObject({ code: 'token_missing', message: error.message })
      expect(errors.seen[0]?.cause).toEqual(cause)
      // Stopped where it failed: no reconnect now (inactive), none scheduled (no backoff drawn).
      expect(retry.draws()).toBe(0)
      expect(server.handshakes()).toBe(0)
      expect(server.io.of('/').sockets.size).toBe(0)
    },
  )
})

describe('errors that are not auth errors', () => {
  it('are left to socket.io-client: a refused transport is retried, onAuthError stays silent', async () => {
    const port = await closedPort()
    const errors = authErrors()
    const tokens = tokenSequence('unused')
    const client = connectClient(`http://127.0.0.1:${port}`, {
      getToken: tokens.getToken,
      onAuthError: errors.onAuthError,
    })
    const first = await nextEvent<Error & { data?: unknown }>(client, 'connect_error')
    expect(first.data).toBeUndefined()
    await nextEvent(client, 'connect_error')
    expect(client.active).toBe(true)
    expect(errors.seen).toEqual([])
    // No transport ever opened, so no token was asked for.
    expect(tokens.calls).toEqual([])
  })

  it("another middleware's refusal is the app's business: no retry, no onAuthError", async () => {
    await using server = await guardedServer()
    server.io.use((_socket, next) => {
      next(Object.assign(new Error('banned'), { data: { code: 'banned' } }))
    })
    const errors = authErrors()
    const tokens = tokenSequence(server.issuer.sign())
    const retry = retryDraws()
    const client = connectClient(server.url, {
      ...tokens,
      onAuthError: errors.onAuthError,
      retry: { random: retry.random },
    })
    const refusal = await nextEvent<Error & { data?: unknown }>(client, 'connect_error')
    expect(refusal.data).toEqual({ code: 'banned' })
    expect(client.active).toBe(false)
    expect(retry.draws()).toBe(0)
    // connect()'s connect_error listener, where onAuthError would be called, ran before ours.
    expect(errors.seen).toEqual([])
    expect(server.handshakes()).toBe(1)
  })
})

describe('the options', () => {
  it('are checked at once, naming the option', () => {
    const cases: [unknown, string][] = [
      [{}, 'getToken'],
      [{ getToken: 'token' }, 'getToken'],
      [{ getToken: () => 't', auth: { token: 't' } }, 'auth'],
      [{ getToken: () => 't', onAuthError: 'log' }, 'onAuthError'],
      [{ getToken: () => 't', refreshTimeoutMs: 0 }, 'refreshTimeoutMs'],
      [{ getToken: () => 't', refreshTimeoutMs: 1.5 }, 'refreshTimeoutMs'],
      [{ getToken: () => 't', refreshTimeoutMs: 2 ** 31 }, 'refreshTimeoutMs'],
      [null, 'options'],
    ]
    for (const [options, option] of cases) {
      let error: unknown
      try {
        connect('http://127.0.0.1:1', options as Parameters<typeof connect>[1])
      } catch (caught) {
        error = caught
      }
      expect(error, option).toBeInstanceOf(TypeError)
      expect(error).toMatchObject({ code: 'invalid_option', option, name: 'InvalidOptionError' })
      expect((error as Error).message).toContain(`\`${option}\``)
    }
  })
})
