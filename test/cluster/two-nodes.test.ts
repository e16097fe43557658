// Two guarded Socket.IO nodes in one process, each on its own ioredis clients, joined by the
// Redis adapter and sharing the Redis revocation store and rate limiter: a revocation issued on
// one node ends the sockets on the other and is refused there afterwards; failed handshakes on
// both nodes count against one limit.
import { describe, expect, it } from 'vitest'
import { revocationKeys } from '../../src/redis/revocation-keys.js'
import {
  connected,
  expectRefused,
  nothingBeforeRoundTrip,
  watchProcess,
} from '../support/guard-e2e.js'
import { nextEvent } from '../support/socket-server.js'
import { ADAPTERS, REDIS_URL, startCluster } from './support.js'

const ISS = 'https://idp.example'

describe.each(ADAPTERS)('two nodes on Redis, %s adapter', (adapter) => {
  it("revoke({ sub }) on A ends alice's socket on B; her token is refused on B afterwards", async () => {
    const watch = watchProcess()
    try {
      // No sweep: the adapter and the feed must do it on their own.
      await using cluster = await startCluster({
        url: REDIS_URL,
        adapter,
        guard: { revocationSweepMs: 0 },
      })
      const { a, b, issuer } = cluster
      const token = issuer.sign({ sub: 'alice', iat: Math.floor(Date.now() / 1000) - 5 })
      const onB = b.server.connect({ auth: { token } })
      const bob = b.server.connect({ auth: { token: issuer.sign({ sub: 'bob' }) } })
      await connected(onB)
      await connected(bob)
      const unauthorized = nextEvent<{ code: string }>(onB, 'unauthorized', 3_000)
      const disconnect = nextEvent(onB, 'disconnect', 3_000)

      await a.server.guard.revoke({ sub: 'alice' })
      expect(await unauthorized).toEqual({
        code: 'token_revoked',
        message: expect.any(String) as unknown,
      })
      expect(await disconnect).toBe('io server disconnect')
      // B has handled the revocation (alice's socket there is gone): a disconnect of bob's from
      // it would come before the probe.
      await nothingBeforeRoundTrip(b.server.io, bob, 'disconnect')

      await expectRefused(b.server.connect({ auth: { token } }), 'token_revoked', token)
      await expectRefused(a.server.connect({ auth: { token } }), 'token_revoked', token)
      expect(watch.errors).toEqual([])
    } finally {
      watch.stop()
    }
  })

  it('revoke({ jti, iss }) on A reaches the socket holding it on B, and only that one', async () => {
    await using cluster = await startCluster({
      url: REDIS_URL,
      adapter,
      guard: { revocationSweepMs: 0 },
    })
    const { a, b, issuer } = cluster
    const tokenA = issuer.sign({ iss: ISS, jti: 'a' })
    const holder = b.server.connect({ auth: { token: tokenA } })
    const other = b.server.connect({ auth: { token: issuer.sign({ iss: ISS, jti: 'b' }) } })
    await connected(holder)
    await connected(other)
    const unauthorized = nextEvent<{ code: string }>(holder, 'unauthorized', 3_000)

    await a.server.guard.revoke({ jti: 'a', iss: ISS })
    expect((await unauthorized).code).toBe('token_revoked')
    // B has handled the revocation: ending `other` too would have come before the probe.
    await nothingBeforeRoundTrip(b.server.io, other, 'disconnect')
    await expectRefused(b.server.connect({ auth: { token: tokenA } }), 'token_revoked', tokenA)
    // The same jti from another issuer is another token.
    await connected(
      b.server.connect({ auth: { token: issuer.sign({ iss: 'https://x', jti: 'a' }) } }),
    )
  })
})

describe('two nodes on Redis', () => {
  it('the change feed alone reaches B, and spares a session B opened after the revocation', async () => {
    await using cluster = await startCluster({ url: REDIS_URL, guard: { revocationSweepMs: 0 } })
    const { a, b, issuer } = cluster
    const old = issuer.sign({ sub: 'alice', iat: Math.floor(Date.now() / 1000) - 60 })
    const onB = b.server.connect({ auth: { token: old } })
    await connected(onB)
    const unauthorized = nextEvent<{ code: string }>(onB, 'unauthorized', 3_000)
    // Another node's store writes the revocation, as a guard there would: no adapter message.
    await a.store.revokeSubject('alice', Date.now() - 30_000, 60_000)
    expect((await unauthorized).code).toBe('token_revoked')
    // A token issued after that instant is another session, which the feed leaves alone.
    const fresh = b.server.connect({ auth: { token: issuer.sign({ sub: 'alice' }) } })
    const carol = b.server.connect({ auth: { token: issuer.sign({ sub: 'carol' }) } })
    await connected(fresh)
    await connected(carol)
    const carolEnded = nextEvent<{ code: string }>(carol, 'unauthorized', 3_000)
    await a.store.revokeSubject('alice', Date.now() - 30_000, 60_000)
    // A control: a later feed message, for carol. Once B has ended her, it has handled alice's
    // message before it; ending `fresh` would have come before the probe.
    await a.store.revokeSubject('carol', Date.now() + 1_000, 60_000)
    expect((await carolEnded).code).toBe('token_revoked')
    await nothingBeforeRoundTrip(b.server.io, fresh, 'unauthorized')
  })

  it('a refresh on B with a token revoked on A is refused', async () => {
    await using cluster = await startCluster({ url: REDIS_URL, guard: { revocationSweepMs: 0 } })
    const { a, b, issuer } = cluster
    const client = b.server.connect({ auth: { token: issuer.sign({ iss: ISS, jti: 'first' }) } })
    await connected(client)
    await a.server.guard.revoke({ jti: 'next', iss: ISS })
    const ack: unknown = await client.timeout(2_000).emitWithAck('authenticate', {
      token: issuer.sign({ iss: ISS, jti: 'next' }),
    })
    expect(ack).toEqual({
      ok: false,
      code: 'token_revoked',
      message: expect.any(String) as unknown,
    })
  })

  it('the sweep ends a socket whose revocation reached neither the adapter nor the feed', async () => {
    await using cluster = await startCluster({ url: REDIS_URL, guard: { revocationSweepMs: 200 } })
    const { b, issuer, prefix } = cluster
    const client = b.server.connect({ auth: { token: issuer.sign({ jti: 'lost' }) } })
    await connected(client)
    const unauthorized = nextEvent<{ code: string }>(client, 'unauthorized', 2_000)
    // Written straight into the store's key space, as if every message about it had been lost.
    await b.redis.set(
      revocationKeys(prefix).token(undefined, 'lost'),
      String(Date.now() + 60_000),
      'PX',
      60_000,
    )
    const started = Date.now()
    expect((await unauthorized).code).toBe('token_revoked')
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('failed handshakes on A and B add up to one limit', async () => {
    await using cluster = await startCluster({ url: REDIS_URL, rateLimit: { points: 3 } })
    const { a, b, issuer } = cluster
    const good = issuer.sign()
    await expectRefused(a.server.connect({ auth: { token: 'not-a-token' } }), 'token_malformed')
    await expectRefused(b.server.connect({ auth: { token: 'not-a-token' } }), 'token_malformed')
    // Two failures so far: a good token still gets in, on either node.
    await connected(a.server.connect({ auth: { token: good } }))
    await connected(b.server.connect({ auth: { token: good } }))
    await expectRefused(a.server.connect({}), 'token_missing')
    await expectRefused(b.server.connect({ auth: { token: good } }), 'rate_limited', good)
    await expectRefused(a.server.connect({ auth: { token: good } }), 'rate_limited', good)
  })
})
