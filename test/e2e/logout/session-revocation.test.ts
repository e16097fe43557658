// Session-scoped revocation over real sockets: `guard.revoke({ sid, iss? })` ends every socket
// whose token carries that provider session id (and only those), the tokens are refused at
// handshake afterwards, and a `sid` that is not a non-empty string is refused by the verifier
// (else a numeric `sid: 123` would escape `revoke({ sid: '123' })`).
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { requireAuth } from '../../../src/express/index.js'
import {
  createMemoryRevocationStore,
  createVerifier,
  type RevocationListener,
  type RevocationStore,
} from '../../../src/index.js'
import {
  connected,
  disconnected,
  expectRefused,
  nothingBeforeRoundTrip,
  recordEvents,
  watchProcess,
} from '../../support/guard-e2e.js'
import { nextEvent, startServer } from '../../support/socket-server.js'

const ISS = 'https://idp.example'

describe('a sid claim that is not a non-empty string', () => {
  it.each([[123], [''], [true], [['s-1']], [{ id: 's-1' }]])(
    'is refused with claim_invalid (sid: %j), so it cannot escape revoke({ sid })',
    async (sid) => {
      await using server = await startServer()
      const token = server.issuer.sign({ iss: ISS, sid })
      const data = await expectRefused(server.connect({ auth: { token } }), 'claim_invalid', token)
      expect(data.message).toMatch(/sid/)
    },
  )

  it('the verifier names the claim', async () => {
    await using server = await startServer()
    const verifier = createVerifier({ secret: server.issuer.secret, algorithms: ['HS256'] })
    await expect(verifier.verify(server.issuer.sign({ sid: 123 }))).rejects.toMatchObject({
      code: 'claim_invalid',
      claim: 'sid',
    })
  })
})

describe('revoke({ sid, iss? })', () => {
  it('ends every socket of that session, on every namespace, and only those', async () => {
    await using server = await startServer({ setup: (io) => io.of('/admin') })
    const tokenA = server.issuer.sign({ iss: ISS, sid: 's-1', jti: 'a' })
    const tokenB = server.issuer.sign({ iss: ISS, sid: 's-1', jti: 'b' })
    const other = server.issuer.sign({ iss: ISS, sid: 's-2' })
    const otherIssuer = server.issuer.sign({ iss: 'https://other.example', sid: 's-1' })
    const inSession = [
      server.connect({ auth: { token: tokenA } }),
      server.connect({ auth: { token: tokenB } }, '/admin'),
    ]
    const kept = [
      server.connect({ auth: { token: other } }),
      server.connect({ auth: { token: otherIssuer } }),
    ]
    const seen = inSession.map(recordEvents)
    for (const client of [...inSession, ...kept]) await connected(client)

    await server.guard.revoke({ sid: 's-1', iss: ISS })
    for (const [index, client] of inSession.entries()) {
      await disconnected(client)
      expect(seen[index]!.map((entry) => entry.event)).toEqual(['unauthorized', 'disconnect'])
      expect(seen[index]![0]!.args[0]).toMatchObject({ code: 'token_revoked' })
    }
    for (const client of kept) {
      await nothingBeforeRoundTrip(server.io, client, 'disconnect')
      expect(client.connected).toBe(true)
    }
    // Refused at handshake afterwards; a token of another session is not.
    await expectRefused(server.connect({ auth: { token: tokenA } }), 'token_revoked', tokenA)
    await connected(server.connect({ auth: { token: other } }))
  })

  it('without iss, the session id of every issuer (over-revoking, as jti does)', async () => {
    await using server = await startServer()
    const a = server.issuer.sign({ iss: ISS, sid: 's-9' })
    const b = server.issuer.sign({ iss: 'https://other.example', sid: 's-9' })
    const clients = [server.connect({ auth: { token: a } }), server.connect({ auth: { token: b } })]
    for (const client of clients) await connected(client)
    await server.guard.revoke({ sid: 's-9' })
    for (const client of clients) await disconnected(client)
    await expectRefused(server.connect({ auth: { token: b } }), 'token_revoked', b)
  })

  it('refuses an empty sid, and a store without revokeSession, with invalid_option', async () => {
    await using server = await startServer()
    await expect(server.guard.revoke({ sid: '' })).rejects.toMatchObject({
      code: 'invalid_option',
    })
    const memory = createMemoryRevocationStore()
    const legacy: RevocationStore = {
      revokeSubject: (...args) => memory.revokeSubject(...args),
      revokeToken: (...args) => memory.revokeToken(...args),
      isRevoked: (...args) => memory.isRevoked(...args),
    }
    await using old = await startServer({ guard: { revocationStore: legacy } })
    await expect(old.guard.revoke({ sid: 's-1' })).rejects.toMatchObject({
      code: 'invalid_option',
    })
  })

  it('a session revocation outlives the tokens: kept for revocationTtlMs', () => {
    const store = createMemoryRevocationStore()
    const T = 1_900_000_000_000
    void store.revokeSession?.(ISS, 's-1', T + 60_000)
    expect(store.isRevoked({ iss: ISS, sid: 's-1' }, T + 59_999)).toBe(true)
    expect(store.isRevoked({ iss: ISS, sid: 's-1' }, T + 60_000)).toBe(false)
  })
})

describe('revoke({ sid }): the guarantees of sub and jti', () => {
  it('refuses an authentication in flight when it commits (the revocation log)', async () => {
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    let entered!: () => void
    const inHook = new Promise<void>((resolve) => (entered = resolve))
    await using server = await startServer({
      guard: {
        onAuthenticated: async () => {
          entered()
          await gate
        },
      },
    })
    const token = server.issuer.sign({ iss: ISS, sid: 's-flight' })
    const client = server.connect({ auth: { token } })
    const refused = expectRefused(client, 'token_revoked', token)
    await inHook
    // The store has answered "not revoked" already; the log catches it at the commit.
    await server.guard.revoke({ sid: 's-flight', iss: ISS })
    open()
    await refused
  })

  it('ends the local sockets, then rejects with store_unavailable when the write fails', async () => {
    const watch = watchProcess()
    try {
      const memory = createMemoryRevocationStore()
      const failure = new Error('ECONNREFUSED')
      const store: RevocationStore = {
        revokeSubject: (...args) => memory.revokeSubject(...args),
        revokeToken: (...args) => memory.revokeToken(...args),
        revokeSession: () => Promise.reject(failure),
        isRevoked: (...args) => memory.isRevoked(...args),
      }
      await using server = await startServer({ guard: { revocationStore: store } })
      const client = server.connect({ auth: { token: server.issuer.sign({ sid: 's-down' }) } })
      await connected(client)
      const ended = nextEvent<{ code: string }>(client, 'unauthorized', 1_000)
      const error = await server.guard.revoke({ sid: 's-down' }).then(
        () => undefined,
        (reason: unknown) => reason,
      )
      expect(error).toMatchObject({ name: 'AuthError', code: 'store_unavailable' })
      expect((error as Error).cause).toBe(failure)
      expect((await ended).code).toBe('token_revoked')
      expect(watch.errors).toEqual([])
    } finally {
      watch.stop()
    }
  })

  it("the store's change feed ends the session's sockets here", async () => {
    const memory = createMemoryRevocationStore()
    const listeners = new Set<RevocationListener>()
    const store: RevocationStore = {
      revokeSubject: (...args) => memory.revokeSubject(...args),
      revokeToken: (...args) => memory.revokeToken(...args),
      isRevoked: (...args) => memory.isRevoked(...args),
      subscribe(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    await using server = await startServer({
      guard: { revocationStore: store, revocationSweepMs: 0 },
    })
    const holder = server.connect({ auth: { token: server.issuer.sign({ iss: ISS, sid: 'f' }) } })
    const other = server.connect({ auth: { token: server.issuer.sign({ iss: ISS, sid: 'g' }) } })
    await connected(holder)
    await connected(other)
    const ended = nextEvent<{ code: string }>(holder, 'unauthorized', 1_000)
    for (const listener of listeners) listener({ sid: 'f', iss: 'https://other' }, Date.now())
    for (const listener of listeners) listener({ sid: 'f', iss: ISS }, Date.now())
    expect((await ended).code).toBe('token_revoked')
    await nothingBeforeRoundTrip(server.io, other, 'unauthorized')
  })

  it('requireAuth refuses the tokens of a revoked session (the same store)', async () => {
    const store = createMemoryRevocationStore()
    await using server = await startServer({ guard: { revocationStore: store } })
    const verifier = createVerifier({ secret: server.issuer.secret, algorithms: ['HS256'] })
    const app = express()
    app.get('/me', requireAuth({ verifier, revocationStore: store }), (_req, res) => {
      res.json({ ok: true })
    })
    const http = app.listen(0, '127.0.0.1')
    await once(http, 'listening')
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/me`
      const token = server.issuer.sign({ iss: ISS, sid: 's-http' })
      const get = () => fetch(url, { headers: { authorization: `Bearer ${token}` } })
      expect((await get()).status).toBe(200)
      await server.guard.revoke({ sid: 's-http', iss: ISS })
      const refused = await get()
      expect(refused.status).toBe(401)
      expect(await refused.json()).toMatchObject({ error: 'token_revoked' })
    } finally {
      http.close()
    }
  })
})
