// The guard with a shared revocation store (what Redis is to it, without Redis): handshakes and
// refreshes when the store cannot answer (`revocationCheck`), the order of `revoke()` (this
// node's sockets before the store write, a loud store_unavailable when the write fails), the
// change feed, and the periodic sweep that bounds how long a lost message leaves a socket on.
import { Server } from 'socket.io'
import { describe, expect, it } from 'vitest'
import {
  AuthError,
  createGuard,
  createMemoryRevocationStore,
  type RevocationStore,
} from '../../../src/index.js'
import type { RevocationListener } from '../../../src/revocation/revocation-store.js'
import type { JwtClaims } from '../../../src/verifier/types.js'
import {
  afterTimersOf,
  connected,
  expectRefused,
  nothingBeforeRoundTrip,
  watchProcess,
} from '../../support/guard-e2e.js'
import { nextEvent, nowSeconds, startServer } from '../../support/socket-server.js'

/** A store over memory that can be taken down, counts its calls, and has a feed the test drives. */
function sharedStore(options: { many?: boolean } = {}) {
  const memory = createMemoryRevocationStore()
  const listeners = new Set<RevocationListener>()
  const calls = { isRevoked: 0, isRevokedMany: 0, unsubscribed: 0 }
  // Told on each isRevoked call (see `isRevokedCalls`).
  const onCall = new Set<() => void>()
  const state: { down: false | Error; writeGate: Promise<void> | undefined } = {
    down: false,
    writeGate: undefined,
  }
  const fail = (error: Error): Promise<never> => Promise.reject(error)
  const store: RevocationStore = {
    async revokeSubject(...args) {
      await state.writeGate
      if (state.down !== false) return fail(state.down)
      return memory.revokeSubject(...args)
    },
    async revokeToken(...args) {
      await state.writeGate
      if (state.down !== false) return fail(state.down)
      return memory.revokeToken(...args)
    },
    async isRevoked(claims, now) {
      calls.isRevoked++
      for (const told of onCall) told()
      if (state.down !== false) return fail(state.down)
      return memory.isRevoked(claims, now)
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        calls.unsubscribed++
        listeners.delete(listener)
      }
    },
  }
  if (options.many === true) {
    store.isRevokedMany = async (claims: readonly JwtClaims[], now: number) => {
      calls.isRevokedMany++
      if (state.down !== false) return fail(state.down)
      return Promise.all(claims.map(async (one) => memory.isRevoked(one, now)))
    }
  }
  return {
    store,
    memory,
    calls,
    state,
    listeners,
    /** Resolves once isRevoked has been called `count` times in all (at once if it has). */
    isRevokedCalls: (count: number): Promise<void> =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (calls.isRevoked < count) return
          onCall.delete(check)
          resolve()
        }
        onCall.add(check)
        check()
      }),
    /** What another node's write would tell this one through the feed. */
    publish: (...args: Parameters<RevocationListener>) => {
      for (const listener of listeners) listener(...args)
    },
  }
}

describe('a shared store that cannot answer', () => {
  it('fail-closed (default): handshakes and refreshes get store_unavailable; connected sockets stay', async () => {
    const shared = sharedStore()
    const codes: string[] = []
    await using server = await startServer({
      guard: {
        revocationStore: shared.store,
        revocationSweepMs: 50,
        rateLimit: { points: 1 },
        // The retry below comes sooner than the default floor between refreshes.
        refreshIntervalMs: 0,
        onFailure: (error) => codes.push(error.code),
      },
    })
    const token = server.issuer.sign()
    const client = server.connect({ auth: { token } })
    await connected(client)
    shared.state.down = new Error('ECONNREFUSED 127.0.0.1:6379')

    const data = await expectRefused(
      server.connect({ auth: { token } }),
      'store_unavailable',
      token,
    )
    expect(data.message).not.toMatch(/ECONNREFUSED|6379/)
    // Not counted as a failed handshake: after points: 1, a second one is not rate_limited.
    await expectRefused(server.connect({ auth: { token } }), 'store_unavailable')
    // Sweeps fail meanwhile, and leave the socket alone: once a second sweep asks the store, the
    // first one's failure has been handled (the next is scheduled when a round ends).
    await shared.isRevokedCalls(shared.calls.isRevoked + 2)
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    const ack: unknown = await client.timeout(2_000).emitWithAck('authenticate', { token })
    expect(ack).toEqual({
      ok: false,
      code: 'store_unavailable',
      message: expect.any(String) as unknown,
    })
    expect(codes).toEqual(['store_unavailable', 'store_unavailable', 'store_unavailable'])
    // The refused refresh leaves the socket on the token it holds, and it can try again.
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(client.connected).toBe(true)
    shared.state.down = false
    const retried: unknown = await client.timeout(2_000).emitWithAck('authenticate', { token })
    expect(retried).toMatchObject({ ok: true })
  })

  it('fail-open: handshakes and refreshes are admitted without the check', async () => {
    const shared = sharedStore()
    await using server = await startServer({
      guard: { revocationStore: shared.store, revocationCheck: 'fail-open' },
    })
    shared.state.down = new Error('ECONNREFUSED')
    const token = server.issuer.sign()
    const client = server.connect({ auth: { token } })
    await connected(client)
    const ack: unknown = await client.timeout(2_000).emitWithAck('authenticate', { token })
    expect(ack).toMatchObject({ ok: true })
  })
})

describe('revoke() with a shared store', () => {
  it('ends the local sockets before the store write completes, then resolves', async () => {
    const shared = sharedStore()
    let open!: () => void
    shared.state.writeGate = new Promise((resolve) => (open = resolve))
    await using server = await startServer({ guard: { revocationStore: shared.store } })
    const client = server.connect({
      auth: { token: server.issuer.sign({ iat: nowSeconds() - 5 }) },
    })
    await connected(client)
    const ended = nextEvent<{ code: string }>(client, 'unauthorized', 1_000)
    let settled = false
    const revoking = server.guard.revoke({ sub: 'alice' }).finally(() => (settled = true))
    expect((await ended).code).toBe('token_revoked')
    expect(settled).toBe(false)
    open()
    await revoking
    expect(await shared.memory.isRevoked({ sub: 'alice', iat: nowSeconds() - 5 }, Date.now())).toBe(
      true,
    )
  })

  it.each([
    ['a plain error', new Error('ECONNREFUSED'), false],
    ['a coded store_unavailable', new AuthError('store_unavailable', 'Redis is away.'), true],
  ])(
    'rejects with store_unavailable when the write fails (%s), after ending the local sockets',
    async (_, failure, same) => {
      const watch = watchProcess()
      try {
        const shared = sharedStore()
        await using server = await startServer({ guard: { revocationStore: shared.store } })
        const client = server.connect({ auth: { token: server.issuer.sign({ jti: 'j' }) } })
        await connected(client)
        shared.state.down = failure
        const ended = nextEvent<{ code: string }>(client, 'unauthorized', 1_000)
        const error = await server.guard.revoke({ jti: 'j' }).then(
          () => undefined,
          (reason: unknown) => reason,
        )
        expect(error).toMatchObject({ name: 'AuthError', code: 'store_unavailable' })
        if (same) expect(error).toBe(failure)
        else expect((error as Error).cause).toBe(failure)
        expect((await ended).code).toBe('token_revoked')
        expect(watch.errors).toEqual([])
      } finally {
        watch.stop()
      }
    },
  )
})

describe('the change feed', () => {
  it('ends the sockets of a subject issued up to the revocation, and of a token id', async () => {
    const shared = sharedStore()
    await using server = await startServer({
      guard: { revocationStore: shared.store, revocationSweepMs: 0 },
    })
    const now = nowSeconds()
    const old = server.connect({ auth: { token: server.issuer.sign({ iat: now - 60 }) } })
    const fresh = server.connect({ auth: { token: server.issuer.sign({ iat: now }) } })
    const holder = server.connect({
      auth: { token: server.issuer.sign({ sub: 'bob', iss: 'https://i', jti: 'j' }) },
    })
    for (const client of [old, fresh, holder]) await connected(client)
    expect(shared.listeners.size).toBe(1)

    const oldEnds = nextEvent<{ code: string }>(old, 'unauthorized', 1_000)
    shared.publish({ sub: 'alice' }, (now - 30) * 1000)
    expect((await oldEnds).code).toBe('token_revoked')
    const holderEnds = nextEvent<{ code: string }>(holder, 'unauthorized', 1_000)
    shared.publish({ jti: 'j', iss: 'https://other' }, Date.now())
    shared.publish({ jti: 'j', iss: 'https://i' }, Date.now())
    expect((await holderEnds).code).toBe('token_revoked')
    await nothingBeforeRoundTrip(server.io, fresh, 'unauthorized')
  })

  it('is subscribed once the guard protects a namespace, and unsubscribed by close()', async () => {
    const shared = sharedStore()
    const guard = createGuard({
      secret: 'k'.repeat(32),
      algorithms: ['HS256'],
      revocationStore: shared.store,
    })
    expect(shared.listeners.size).toBe(0)
    // Not bound to an HTTP server: nothing to close.
    const io = new Server()
    guard.attach(io)
    io.of('/admin')
    expect(shared.listeners.size).toBe(1)
    await guard.close()
    expect(shared.listeners.size).toBe(0)
    expect(shared.calls.unsubscribed).toBe(1)
  })
})

describe('the revocation sweep', () => {
  it.each([
    ['isRevokedMany', true],
    ['isRevoked', false],
  ])(
    'ends a socket revoked behind the guard within one interval (%s), and stops with close()',
    async (method, many) => {
      const shared = sharedStore({ many })
      const server = await startServer({
        guard: { revocationStore: shared.store, revocationSweepMs: 100 },
      })
      try {
        const revoked = server.connect({ auth: { token: server.issuer.sign({ jti: 'gone' }) } })
        const kept = server.connect({ auth: { token: server.issuer.sign({ jti: 'kept' }) } })
        await connected(revoked)
        await connected(kept)
        const ended = nextEvent<{ code: string }>(revoked, 'unauthorized', 1_000)
        // Written by "another node": no feed message, no adapter message.
        await shared.memory.revokeToken(undefined, 'gone', Date.now() + 60_000)
        const started = Date.now()
        expect((await ended).code).toBe('token_revoked')
        expect(Date.now() - started).toBeLessThan(500)
        // The same round checked `kept`: its end would have been sent before the probe.
        await nothingBeforeRoundTrip(server.io, kept, 'disconnect')
        expect(shared.calls[method as 'isRevoked' | 'isRevokedMany']).toBeGreaterThan(0)
        // close() stops the sweep while `kept` is still there to be swept. Real time: the sweep
        // interval is a plain timer; once any sweep timer set before close() has come due, a
        // round would have asked the store (synchronously, as it starts).
        await server.guard.close()
        const after = { ...shared.calls }
        await afterTimersOf(100)
        expect(kept.connected).toBe(true)
        expect(shared.calls).toEqual(after)
      } finally {
        await server.close()
      }
    },
  )

  it('does not run with the in-memory store (it cannot miss a revocation)', async () => {
    const memory = createMemoryRevocationStore()
    await using server = await startServer({
      guard: { revocationStore: memory, revocationSweepMs: 50 },
    })
    const client = server.connect({ auth: { token: server.issuer.sign({ jti: 'j' }) } })
    await connected(client)
    await memory.revokeToken(undefined, 'j', Date.now() + 60_000)
    // Real time: a sweep is a plain timer. Once one of up to 50 ms (the interval asked for) set
    // before now has come due, its round has ended the socket; the probe would come after that.
    await afterTimersOf(50)
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
  })

  it('revocationSweepMs: 0 turns it off', async () => {
    const shared = sharedStore()
    await using server = await startServer({
      guard: { revocationStore: shared.store, revocationSweepMs: 0 },
    })
    const client = server.connect({ auth: { token: server.issuer.sign({ jti: 'j' }) } })
    await connected(client)
    const handshakeChecks = shared.calls.isRevoked
    await shared.memory.revokeToken(undefined, 'j', Date.now() + 60_000)
    // Real time: a sweep is a plain timer; one of up to 50 ms set before now (0 taken as a
    // short interval would be 1 ms) has come due by then, and a round asks the store as it starts.
    await afterTimersOf(50)
    await nothingBeforeRoundTrip(server.io, client, 'disconnect')
    expect(shared.calls.isRevoked).toBe(handshakeChecks)
  })
})
