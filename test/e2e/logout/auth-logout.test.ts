// Client-initiated logout over real sockets: `auth:logout` answers its ack, then `unauthorized`
// `logged_out`, then the disconnect; `revokeOnLogout` also revokes the token everywhere (its `sid`,
// else its `jti`, else nothing more, and the ack says which); `sockguard/client`'s `logout()`.
import { describe, expect, it } from 'vitest'
import { connect, logout } from '../../../src/client/index.js'
import {
  authorizeEvents,
  createGuard,
  createMemoryRevocationStore,
  type LogoutAck,
  type RevocationStore,
} from '../../../src/index.js'
import {
  connected,
  delay,
  disconnected,
  expectRefused,
  nothingBeforeRoundTrip,
  recordEvents,
} from '../../support/guard-e2e.js'
import { nextEvent, startServer } from '../../support/socket-server.js'

const ISS = 'https://idp.example'

describe('auth:logout', () => {
  it('acks { ok: true }, then unauthorized logged_out, then the disconnect; nothing else ends', async () => {
    await using server = await startServer()
    const token = server.issuer.sign({ iss: ISS, sid: 's-1', jti: 'j' })
    const client = server.connect({ auth: { token } })
    const sibling = server.connect({ auth: { token } })
    await connected(client)
    await connected(sibling)
    const seen = recordEvents(client)
    const ack: unknown = await client.timeout(2_000).emitWithAck('auth:logout')
    expect(ack).toEqual({ ok: true })
    await disconnected(client)
    expect(seen.map((entry) => entry.event)).toEqual(['unauthorized', 'disconnect'])
    expect(seen[0]!.args[0]).toEqual({ code: 'logged_out', message: expect.any(String) as unknown })
    expect(seen[1]!.args[0]).toBe('io server disconnect')
    // Without revokeOnLogout the token itself is not revoked.
    await nothingBeforeRoundTrip(server.io, sibling, 'disconnect')
    await connected(server.connect({ auth: { token } }))
  })

  it('revokeOnLogout with a sid: every socket of the session ends, this one with logged_out', async () => {
    await using server = await startServer({ guard: { revokeOnLogout: true } })
    const token = server.issuer.sign({ iss: ISS, sid: 's-1', jti: 'a' })
    const sameSession = server.issuer.sign({ iss: ISS, sid: 's-1', jti: 'b' })
    const otherSession = server.issuer.sign({ iss: ISS, sid: 's-2' })
    const client = server.connect({ auth: { token } })
    const sibling = server.connect({ auth: { token: sameSession } })
    const other = server.connect({ auth: { token: otherSession } })
    for (const one of [client, sibling, other]) await connected(one)
    const seen = recordEvents(client)
    const siblingEnds = nextEvent<{ code: string }>(sibling, 'unauthorized', 2_000)
    const ack: unknown = await client.timeout(2_000).emitWithAck('auth:logout')
    expect(ack).toEqual({ ok: true, revoked: 'sid' })
    await disconnected(client)
    expect(seen.map((entry) => entry.event)).toEqual(['unauthorized', 'disconnect'])
    expect(seen[0]!.args[0]).toMatchObject({ code: 'logged_out' })
    expect((await siblingEnds).code).toBe('token_revoked')
    await nothingBeforeRoundTrip(server.io, other, 'disconnect')
    await expectRefused(server.connect({ auth: { token } }), 'token_revoked', token)
    await expectRefused(server.connect({ auth: { token: sameSession } }), 'token_revoked')
  })

  it('revokeOnLogout without sid revokes the jti; with neither, nothing more (revoked: null)', async () => {
    await using server = await startServer({ guard: { revokeOnLogout: true } })
    const withJti = server.issuer.sign({ iss: ISS, jti: 'j-1' })
    const bare = server.issuer.sign({ iss: ISS })
    const a = server.connect({ auth: { token: withJti } })
    const b = server.connect({ auth: { token: bare } })
    await connected(a)
    await connected(b)
    expect(await a.timeout(2_000).emitWithAck('auth:logout')).toEqual({ ok: true, revoked: 'jti' })
    expect(await b.timeout(2_000).emitWithAck('auth:logout')).toEqual({ ok: true, revoked: null })
    await disconnected(a)
    await disconnected(b)
    await expectRefused(server.connect({ auth: { token: withJti } }), 'token_revoked', withJti)
    await connected(server.connect({ auth: { token: bare } }))
  })

  // Ninth outside attack (L1): an `exp` whose ms overflow to Infinity made the logout's
  // revocation invalid (server_error), and the token stayed usable.
  it('revokeOnLogout revokes a token whose exp in ms is past any number (exp 1e306)', async () => {
    await using server = await startServer({ guard: { revokeOnLogout: true } })
    const token = server.issuer.sign({ iss: ISS, jti: 'far', exp: 1e306 })
    const client = server.connect({ auth: { token } })
    const sibling = server.connect({ auth: { token } })
    await connected(client)
    await connected(sibling)
    const siblingEnds = nextEvent<{ code: string }>(sibling, 'unauthorized', 2_000)
    expect(await client.timeout(2_000).emitWithAck('auth:logout')).toEqual({
      ok: true,
      revoked: 'jti',
    })
    expect((await siblingEnds).code).toBe('token_revoked')
    await expectRefused(server.connect({ auth: { token } }), 'token_revoked', token)
  })

  // Ninth outside attack (L3): a token with `iss: ""` (accepted without a pinned issuer) made the
  // logout's revocation invalid (server_error), and the token stayed usable.
  it.each([
    ['jti', { jti: 'j-empty-iss' }],
    ['sid', { sid: 's-empty-iss' }],
  ])(
    'revokeOnLogout revokes a token whose iss is "" (by %s, from any issuer)',
    async (by, claims) => {
      await using server = await startServer({ guard: { revokeOnLogout: true } })
      const token = server.issuer.sign({ iss: '', ...claims })
      const client = server.connect({ auth: { token } })
      await connected(client)
      expect(await client.timeout(2_000).emitWithAck('auth:logout')).toEqual({
        ok: true,
        revoked: by,
      })
      await expectRefused(server.connect({ auth: { token } }), 'token_revoked', token)
    },
  )

  it('a store that cannot keep the revocation: ack store_unavailable, the session ends anyway', async () => {
    const memory = createMemoryRevocationStore()
    const store: RevocationStore = {
      revokeSubject: (...args) => memory.revokeSubject(...args),
      revokeToken: (...args) => memory.revokeToken(...args),
      revokeSession: () => Promise.reject(new Error('ECONNREFUSED')),
      isRevoked: (...args) => memory.isRevoked(...args),
    }
    const failures: string[] = []
    await using server = await startServer({
      guard: {
        revokeOnLogout: true,
        revocationStore: store,
        onFailure: (error) => failures.push(error.code),
      },
    })
    const client = server.connect({ auth: { token: server.issuer.sign({ sid: 's' }) } })
    await connected(client)
    const ended = nextEvent<{ code: string }>(client, 'unauthorized', 2_000)
    const ack = (await client.timeout(2_000).emitWithAck('auth:logout')) as LogoutAck
    expect(ack).toMatchObject({ ok: false, code: 'store_unavailable' })
    expect(JSON.stringify(ack)).not.toContain('ECONNREFUSED')
    expect((await ended).code).toBe('logged_out')
    expect(failures).toEqual(['store_unavailable'])
  })

  it('two auth:logout at once get the same answer; the socket ends once', async () => {
    await using server = await startServer({ guard: { revokeOnLogout: true } })
    const client = server.connect({ auth: { token: server.issuer.sign({ sid: 'twice' }) } })
    await connected(client)
    const seen = recordEvents(client)
    const acks = await Promise.all([
      client.timeout(2_000).emitWithAck('auth:logout'),
      client.timeout(2_000).emitWithAck('auth:logout'),
    ])
    expect(acks).toEqual([
      { ok: true, revoked: 'sid' },
      { ok: true, revoked: 'sid' },
    ])
    await disconnected(client)
    expect(seen.map((entry) => entry.event)).toEqual(['unauthorized', 'disconnect'])
  })

  it('createGuard refuses a non-boolean revokeOnLogout, and a store without revokeSession', () => {
    const base = { secret: 'k'.repeat(32), algorithms: ['HS256'] as const }
    expect(() => createGuard({ ...base, revokeOnLogout: 'yes' as unknown as boolean })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'revokeOnLogout' }),
    )
    const memory = createMemoryRevocationStore()
    const legacy: RevocationStore = {
      revokeSubject: (...args) => memory.revokeSubject(...args),
      revokeToken: (...args) => memory.revokeToken(...args),
      isRevoked: (...args) => memory.isRevoked(...args),
    }
    expect(() => createGuard({ ...base, revokeOnLogout: true, revocationStore: legacy })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'revocationStore' }),
    )
  })
})

describe('auth:logout with the other flows', () => {
  it("is never blocked by authorizeEvents, even with unlisted: 'deny'", async () => {
    await using server = await startServer({
      setup: (io) => {
        io.on('connection', authorizeEvents({}, { unlisted: 'deny' }))
      },
    })
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(client)
    expect(await client.timeout(2_000).emitWithAck('other')).toMatchObject({ code: 'forbidden' })
    expect(await client.timeout(2_000).emitWithAck('auth:logout')).toEqual({ ok: true })
    await disconnected(client)
  })

  it('works in post-connect mode once the socket has authenticated', async () => {
    await using server = await startServer({ guard: { mode: 'post-connect' } })
    const client = server.connect()
    await connected(client)
    const ack: unknown = await client
      .timeout(2_000)
      .emitWithAck('authenticate', { token: server.issuer.sign() })
    expect(ack).toMatchObject({ ok: true })
    const ended = nextEvent<{ code: string }>(client, 'unauthorized', 2_000)
    expect(await client.timeout(2_000).emitWithAck('auth:logout')).toEqual({ ok: true })
    expect((await ended).code).toBe('logged_out')
    await disconnected(client)
  })
})

describe('sockguard/client logout()', () => {
  it('resolves with the ack, does not report logged_out as an auth error, and stays disconnected', async () => {
    await using server = await startServer({ guard: { revokeOnLogout: true } })
    const token = server.issuer.sign({ iss: ISS, sid: 'client' })
    const errors: string[] = []
    const socket = connect(server.url, {
      getToken: () => token,
      transports: ['websocket'],
      onAuthError: (error) => errors.push(error.code),
    })
    try {
      await connected(socket)
      const unauthorized = nextEvent<{ code: string }>(socket, 'unauthorized', 2_000)
      expect(await logout(socket)).toEqual({ ok: true, revoked: 'sid' })
      expect((await unauthorized).code).toBe('logged_out')
      expect(socket.connected).toBe(false)
      expect(socket.active).toBe(false)
      await delay(300)
      expect(socket.connected).toBe(false)
      expect(errors).toEqual([])
      // Already disconnected: resolves at once.
      expect(await logout(socket)).toEqual({ ok: true })
    } finally {
      socket.disconnect()
    }
  })
})
