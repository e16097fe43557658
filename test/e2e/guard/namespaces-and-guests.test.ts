// Namespace rules and guests (issue 13): a namespace's rule is checked at the handshake after the
// token verified; `anonymous` lets sockets without a token in as guests (`socket.data.auth ===
// null`), never one with a bad token; a guest becomes a user in-band with `authenticate`; and
// `expiry: 'guest'` turns an expired session back into a guest instead of disconnecting it.
import { Server, type Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import {
  createGuard,
  requireScope,
  type AuthenticateAck,
  type JwtClaims,
  type NamespacePolicyEntry,
} from '../../../src/index.js'
import {
  connected,
  EPOCH_S,
  expectRefused,
  nothingBeforeRoundTrip,
  testClock,
} from '../../support/guard-e2e.js'
import {
  createIssuer,
  nextEvent,
  startServer,
  type TestServer,
} from '../../support/socket-server.js'

const E_MS = EPOCH_S * 1000

const authenticate = (client: ClientSocket, token: string): Promise<AuthenticateAck> =>
  client.timeout(3_000).emitWithAck('authenticate', { token }) as Promise<AuthenticateAck>

/** Answers `whoami` with the socket's current `socket.data.auth` claims (null for a guest). */
function answerWhoami(server: TestServer, namespace = '/'): void {
  server.io.of(namespace).on('connection', (socket: Socket) => {
    socket.on('whoami', (ack: unknown) => {
      const auth = (socket.data as { auth?: { claims: JwtClaims } | null }).auth
      if (typeof ack === 'function')
        (ack as (v: unknown) => void)(auth === null ? null : auth?.claims.sub)
    })
  })
}

const whoami = (client: ClientSocket): Promise<unknown> =>
  client.timeout(3_000).emitWithAck('whoami')

describe('namespace rules', () => {
  it('a namespace rule refuses a valid token it does not allow with forbidden, before any connection listener', async () => {
    let connections = 0
    await using server = await startServer({
      guard: { namespaces: { '/admin': requireScope('admin') } },
      prepare(io) {
        io.of('/admin')
      },
      setup(io) {
        io.of('/admin').on('connection', () => connections++)
      },
    })
    const token = server.issuer.sign({ scope: 'chat' })
    await expectRefused(server.connect({ auth: { token } }, '/admin'), 'forbidden', token)
    const admin = server.connect(
      { auth: { token: server.issuer.sign({ scope: 'admin' }) } },
      '/admin',
    )
    await connected(admin)
    // Unlisted namespaces take any valid token.
    await connected(server.connect({ auth: { token } }))
    expect(connections).toBe(1)
  })

  it('an async rule is awaited; one that throws or rejects refuses with server_error', async () => {
    await using server = await startServer({
      guard: {
        namespaces: {
          '/slow': async (claims: JwtClaims | null) => {
            await new Promise((resolve) => setImmediate(resolve))
            return claims?.sub === 'alice'
          },
          '/broken': () => {
            throw new Error('database down')
          },
        },
      },
      prepare(io) {
        io.of('/slow')
        io.of('/broken')
      },
    })
    await connected(server.connect({ auth: { token: server.issuer.sign() } }, '/slow'))
    const bob = server.issuer.sign({ sub: 'bob' })
    await expectRefused(server.connect({ auth: { token: bob } }, '/slow'), 'forbidden', bob)
    await expectRefused(
      server.connect({ auth: { token: server.issuer.sign() } }, '/broken'),
      'server_error',
    )
  })

  it('a bad token is refused for its own reason before the namespace rule is asked', async () => {
    let asked = 0
    await using server = await startServer({
      guard: { namespaces: { '/x': () => (asked++, true) } },
      prepare(io) {
        io.of('/x')
      },
    })
    const expired = server.issuer.sign({ iat: 1, exp: 2 })
    await expectRefused(
      server.connect({ auth: { token: expired } }, '/x'),
      'token_expired',
      expired,
    )
    expect(asked).toBe(0)
  })

  it('the children of a dynamic namespace take the rule of their parent name', async () => {
    // The parent's name exists once it is made: the guard is made after it.
    const io = new Server()
    const parent = io.of(/^\/team-\w+$/)
    await using server = await startServer({
      io,
      guard: { namespaces: { [parent.name]: requireScope('team') } },
    })
    const token = server.issuer.sign({ scope: 'chat' })
    await expectRefused(server.connect({ auth: { token } }, '/team-red'), 'forbidden', token)
    await connected(
      server.connect({ auth: { token: server.issuer.sign({ scope: 'team' }) } }, '/team-red'),
    )
  })
})

describe('guests', () => {
  it('anonymous: true lets a socket without a token in with socket.data.auth === null', async () => {
    await using server = await startServer({ guard: { anonymous: true } })
    answerWhoami(server)
    const guest = server.connect()
    await connected(guest)
    expect(await whoami(guest)).toBeNull()
    const user = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(user)
    expect(await whoami(user)).toBe('alice')
  })

  it('a token that is sent must be valid: a bad one is refused, never downgraded to a guest', async () => {
    await using server = await startServer({ guard: { anonymous: true } })
    const forged = `${server.issuer.sign().slice(0, -4)}AAAA`
    await expectRefused(server.connect({ auth: { token: forged } }), 'token_invalid', forged)
    const expired = server.issuer.sign({ iat: 1, exp: 2 })
    await expectRefused(server.connect({ auth: { token: expired } }), 'token_expired', expired)
    // Something in a token's place that is no token: refused as no token, not let in as a guest.
    await expectRefused(server.connect({ auth: { token: '' } }), 'token_missing')
    await expectRefused(
      server.connect({ extraHeaders: { authorization: 'Basic YTpi' } }),
      'token_missing',
    )
    await expectRefused(server.connect({ auth: { token: 42 } }), 'token_malformed')
  })

  it("'anonymous' on one namespace admits guests there only", async () => {
    await using server = await startServer({
      guard: { namespaces: { '/lobby': 'anonymous' } },
      prepare(io) {
        io.of('/lobby')
        io.of('/other')
      },
    })
    await connected(server.connect({}, '/lobby'))
    await expectRefused(server.connect(), 'token_missing')
    await expectRefused(server.connect({}, '/other'), 'token_missing')
  })

  it('a guest is asked by a namespace rule with null claims: requireScope denies it', async () => {
    await using server = await startServer({
      guard: { anonymous: true, namespaces: { '/admin': requireScope('admin') } },
      prepare(io) {
        io.of('/admin')
      },
    })
    await expectRefused(server.connect({}, '/admin'), 'forbidden')
  })

  it('a guest becomes a user in-band with authenticate (any subject), and is then revocable', async () => {
    await using server = await startServer({ guard: { anonymous: true } })
    answerWhoami(server)
    const guest = server.connect()
    await connected(guest)
    const ack = await authenticate(guest, server.issuer.sign({ sub: 'carol' }))
    expect(ack).toMatchObject({ ok: true })
    expect(await whoami(guest)).toBe('carol')
    const told = nextEvent<{ code: string }>(guest, 'unauthorized')
    await server.guard.revoke({ sub: 'carol' })
    expect((await told).code).toBe('token_revoked')
  })

  it('a guest sending a bad token to authenticate is refused and disconnected', async () => {
    await using server = await startServer({ guard: { anonymous: true } })
    const guest = server.connect()
    await connected(guest)
    const ack = await authenticate(guest, 'not-a-token')
    expect(ack).toMatchObject({ ok: false, code: 'token_malformed' })
  })

  it('a guest authenticate is counted by the failed-authentication limit (attack7 R1)', async () => {
    await using server = await startServer({ guard: { anonymous: true, rateLimit: { points: 3 } } })
    const forged = `${server.issuer.sign().slice(0, -4)}AAAA`
    for (let i = 0; i < 3; i++) {
      const guest = server.connect()
      await connected(guest)
      expect(await authenticate(guest, forged)).toMatchObject({ ok: false, code: 'token_invalid' })
    }
    // The guesses used the address's failures up: the next guest is refused at the handshake.
    await expectRefused(server.connect(), 'rate_limited')
  })

  it("expiry: 'guest' turns an expired session into a guest: unauthorized token_expired, the socket stays", async () => {
    const clock = testClock()
    await using server = await startServer({
      guard: { anonymous: true, expiry: 'guest', now: clock.now, expiringWarningMs: 100 },
    })
    answerWhoami(server)
    clock.set(E_MS - 300)
    const client = server.connect({
      auth: { token: server.issuer.sign({ iat: EPOCH_S - 60, exp: EPOCH_S, jti: 'old' }) },
    })
    await connected(client)
    const told = await nextEvent<{ code: string }>(client, 'unauthorized')
    expect(told.code).toBe('token_expired')
    expect(client.connected).toBe(true)
    expect(await whoami(client)).toBeNull()
    // A revocation of the former subject no longer concerns it.
    await server.guard.revoke({ jti: 'old' })
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    // And it can log in again.
    const ack = await authenticate(
      client,
      server.issuer.sign({ iat: EPOCH_S, exp: EPOCH_S + 60, sub: 'alice' }),
    )
    expect(ack).toMatchObject({ ok: true })
  })

  // Outside attack on rooms (F1): an expired admin stayed in `/admin` as a guest, receiving its
  // broadcasts, out of reach of revocations of its former token.
  it.each<[string, NamespacePolicyEntry]>([
    ['requireScope', requireScope('admin')],
    ['a sync rule that denies null claims', (claims) => claims !== null],
    // An async rule cannot be asked without a moment in which the guest would be in the
    // namespace's broadcasts: the session ends, as with expiry: 'disconnect'.
    ['an async rule (even one that admits guests)', () => Promise.resolve(true)],
  ])(
    "expiry: 'guest' in a namespace whose rule is %s: the session ends, no broadcast after it",
    async (_, rule) => {
      const clock = testClock()
      await using server = await startServer({
        guard: {
          anonymous: true,
          expiry: 'guest',
          namespaces: { '/admin': rule },
          now: clock.now,
          expiringWarningMs: 100,
        },
        prepare: (io) => io.of('/admin'),
      })
      clock.set(E_MS - 300)
      const admin = server.connect(
        {
          auth: { token: server.issuer.sign({ iat: EPOCH_S - 60, exp: EPOCH_S, scope: 'admin' }) },
        },
        '/admin',
      )
      // A control whose session lasts: it receives what the expired one must not.
      const control = server.connect(
        { auth: { token: server.issuer.sign({ exp: EPOCH_S + 600, scope: 'admin' }) } },
        '/admin',
      )
      await Promise.all([connected(admin), connected(control)])
      const ended = nextEvent(admin, 'disconnect')
      expect((await nextEvent<{ code: string }>(admin, 'unauthorized')).code).toBe('token_expired')
      await ended
      const got = nextEvent<number>(control, 'news')
      let leaked = false
      admin.on('news', () => (leaked = true))
      server.io.of('/admin').emit('news', 1)
      expect(await got).toBe(1)
      expect(leaked).toBe(false)
      expect(server.io.of('/admin').sockets.size).toBe(1)
    },
  )

  it("expiry: 'guest' in a namespace whose sync rule admits guests: the socket stays a guest", async () => {
    const clock = testClock()
    await using server = await startServer({
      guard: {
        anonymous: true,
        expiry: 'guest',
        namespaces: { '/lobby': (claims: unknown) => claims === null || claims !== undefined },
        now: clock.now,
        expiringWarningMs: 100,
      },
      prepare: (io) => io.of('/lobby'),
    })
    clock.set(E_MS - 300)
    const client = server.connect(
      { auth: { token: server.issuer.sign({ iat: EPOCH_S - 60, exp: EPOCH_S }) } },
      '/lobby',
    )
    await connected(client)
    expect((await nextEvent<{ code: string }>(client, 'unauthorized')).code).toBe('token_expired')
    await nothingBeforeRoundTrip(server.io, client, 'disconnect', '/lobby')
    expect(client.connected).toBe(true)
  })

  it("without expiry: 'guest' an expired session still ends with a disconnect", async () => {
    const clock = testClock()
    await using server = await startServer({
      guard: { anonymous: true, now: clock.now, expiringWarningMs: 100 },
    })
    clock.set(E_MS - 300)
    const client = server.connect({
      auth: { token: server.issuer.sign({ iat: EPOCH_S - 60, exp: EPOCH_S }) },
    })
    await connected(client)
    const disconnected = nextEvent(client, 'disconnect')
    expect((await nextEvent<{ code: string }>(client, 'unauthorized')).code).toBe('token_expired')
    await disconnected
  })
})

describe('options', () => {
  const issuer = createIssuer()
  const make = (extra: Record<string, unknown>) => () =>
    createGuard({ secret: issuer.secret, algorithms: ['HS256'], ...extra })
  const invalid = (option: string) =>
    expect.objectContaining({ code: 'invalid_option', option }) as Error

  it('refuses malformed namespaces, anonymous and expiry options', () => {
    expect(make({ namespaces: new Map() })).toThrow(invalid('namespaces'))
    expect(make({ namespaces: [] })).toThrow(invalid('namespaces'))
    expect(make({ namespaces: { admin: () => true } })).toThrow(invalid('namespaces'))
    expect(make({ namespaces: { '/admin': 'guest' } })).toThrow(invalid('namespaces'))
    expect(make({ namespaces: { '/admin': true } })).toThrow(invalid('namespaces'))
    expect(make({ anonymous: 'yes' })).toThrow(invalid('anonymous'))
    expect(make({ expiry: 'keep' })).toThrow(invalid('expiry'))
    expect(make({ anonymous: true, mode: 'post-connect' })).toThrow(invalid('anonymous'))
    expect(make({ namespaces: { '/x': 'anonymous' }, mode: 'post-connect' })).toThrow(
      invalid('namespaces'),
    )
    expect(
      make({ anonymous: true, namespaces: { '/x': () => true }, expiry: 'guest' }),
    ).not.toThrow()
  })
})
