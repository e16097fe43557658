// Redis going away under two nodes (a private redis-server, killed and restarted on its port):
// connected sockets keep working, handshakes follow `revocationCheck`, a revocation issued during
// the outage ends the local sockets at once and is stored once Redis is back (or rejects with
// store_unavailable), and reaches the other node within the sweep bound. Nothing crashes.
import { describe, expect, it } from 'vitest'
import type { Socket as ClientSocket } from 'socket.io-client'
import { connected, expectRefused, watchProcess } from '../support/guard-e2e.js'
import { nextEvent } from '../support/socket-server.js'
import { ADAPTERS, eventually, startCluster, startPrivateRedis, type Cluster } from './support.js'

const ISS = 'https://idp.example'
const SWEEP_MS = 300

async function echoes(client: ClientSocket, value: string): Promise<void> {
  expect(await client.timeout(1_000).emitWithAck('echo', value)).toBe(value)
}

/** Kills Redis and waits until both nodes' clients have noticed. */
async function outage(cluster: Cluster, redis: { kill(): Promise<void> }): Promise<void> {
  await redis.kill()
  await eventually(
    () => cluster.a.redis.status !== 'ready' && cluster.b.redis.status !== 'ready',
    3_000,
    'the clients saw the outage',
  )
}

describe('Redis outage', () => {
  it.each(ADAPTERS)(
    'fail-closed (%s adapter): sockets stay, handshakes get store_unavailable, a revocation waits for Redis and then reaches B',
    async (adapter) => {
      const watch = watchProcess()
      try {
        await using redis = await startPrivateRedis()
        await using cluster = await startCluster({
          url: redis.url,
          adapter,
          guard: { revocationSweepMs: SWEEP_MS },
          store: { checkTimeoutMs: 300, revokeTimeoutMs: 8_000 },
        })
        const { a, b, issuer } = cluster
        const aliceToken = issuer.sign({ sub: 'alice', iat: Math.floor(Date.now() / 1000) - 5 })
        const aliceOnA = a.server.connect({ auth: { token: aliceToken } })
        const aliceOnB = b.server.connect({ auth: { token: aliceToken } })
        const bobOnA = a.server.connect({ auth: { token: issuer.sign({ sub: 'bob' }) } })
        const carolOnB = b.server.connect({ auth: { token: issuer.sign({ sub: 'carol' }) } })
        for (const client of [aliceOnA, aliceOnB, bobOnA, carolOnB]) await connected(client)

        await outage(cluster, redis)
        // Connected sockets keep working on both nodes.
        await echoes(aliceOnB, 'during')
        await echoes(bobOnA, 'during')
        // A handshake cannot be checked against the revocations: refused, and told why.
        await expectRefused(a.server.connect({ auth: { token: aliceToken } }), 'store_unavailable')
        await expectRefused(b.server.connect({ auth: { token: aliceToken } }), 'store_unavailable')
        // So is a refresh, but its socket keeps the token it holds: the store being down says
        // nothing against that one.
        const ack: unknown = await carolOnB.timeout(2_000).emitWithAck('authenticate', {
          token: issuer.sign({ sub: 'carol' }),
        })
        expect(ack).toEqual({
          ok: false,
          code: 'store_unavailable',
          message: expect.any(String) as unknown,
        })
        await echoes(carolOnB, 'still connected after the refused refresh')

        // The revocation ends alice on A at once, whatever Redis does.
        const onA = nextEvent<{ code: string }>(aliceOnA, 'unauthorized', 1_000)
        const onB = nextEvent<{ code: string }>(aliceOnB, 'unauthorized', 8_000)
        let settled = false
        const revoking = a.server.guard.revoke({ sub: 'alice' }).finally(() => {
          settled = true
        })
        expect((await onA).code).toBe('token_revoked')
        await echoes(aliceOnB, 'still here: nothing can reach B yet')
        expect(settled).toBe(false)

        await redis.restart()
        const back = Date.now()
        await revoking
        // B hears of it through the feed, the adapter or at worst its next sweep.
        expect((await onB).code).toBe('token_revoked')
        expect(Date.now() - back).toBeLessThan(2 * SWEEP_MS + 1_000)
        await expectRefused(b.server.connect({ auth: { token: aliceToken } }), 'token_revoked')
        await echoes(bobOnA, 'after')
        expect(watch.errors).toEqual([])
      } finally {
        watch.stop()
      }
    },
  )

  it('fail-open: handshakes and refreshes are admitted while Redis is down; a revocation that cannot be stored rejects with store_unavailable after ending the local socket', async () => {
    const watch = watchProcess()
    try {
      await using redis = await startPrivateRedis()
      await using cluster = await startCluster({
        url: redis.url,
        guard: { revocationSweepMs: SWEEP_MS, revocationCheck: 'fail-open' },
        store: { checkTimeoutMs: 300, revokeTimeoutMs: 500 },
      })
      const { a, b, issuer } = cluster
      const holder = a.server.connect({ auth: { token: issuer.sign({ iss: ISS, jti: 'x' }) } })
      const onB = b.server.connect({ auth: { token: issuer.sign({ iss: ISS, jti: 'y' }) } })
      await connected(holder)
      await connected(onB)

      await outage(cluster, redis)
      await connected(b.server.connect({ auth: { token: issuer.sign({ sub: 'dave' }) } }))
      const ack: unknown = await onB.timeout(2_000).emitWithAck('authenticate', {
        token: issuer.sign({ iss: ISS, jti: 'y2' }),
      })
      expect(ack).toMatchObject({ ok: true })

      const ended = nextEvent<{ code: string }>(holder, 'unauthorized', 1_000)
      const started = performance.now()
      await expect(a.server.guard.revoke({ jti: 'x', iss: ISS })).rejects.toMatchObject({
        name: 'AuthError',
        code: 'store_unavailable',
      })
      expect(performance.now() - started).toBeGreaterThanOrEqual(450)
      expect((await ended).code).toBe('token_revoked')
      await echoes(onB, 'unaffected')

      // Redis comes back empty (no persistence here): the nodes serve handshakes again.
      await redis.restart()
      await eventually(() => a.redis.status === 'ready' && b.redis.status === 'ready', 3_000)
      await connected(a.server.connect({ auth: { token: issuer.sign({ sub: 'erin' }) } }))
      expect(watch.errors).toEqual([])
    } finally {
      watch.stop()
    }
  })

  it('a long outage (past ioredis retry limits) crashes nothing; the shared rate limit falls back to each node', async () => {
    const watch = watchProcess()
    try {
      await using redis = await startPrivateRedis()
      await using cluster = await startCluster({
        url: redis.url,
        guard: { revocationSweepMs: 100 },
        store: { checkTimeoutMs: 100, revokeTimeoutMs: 300 },
        rateLimit: { points: 2 },
      })
      const { a, b, issuer } = cluster
      const alice = b.server.connect({ auth: { token: issuer.sign({ sub: 'alice' }) } })
      await connected(alice)
      await outage(cluster, redis)
      // Sweeps, feed reads, handshakes and revocations fail for 1.5 s, past the 20 reconnection
      // attempts after which ioredis fails queued commands. A store outage is not counted as a
      // failed handshake: it would lock everyone out once Redis is back.
      const until = Date.now() + 1_500
      while (Date.now() < until) {
        await expectRefused(
          b.server.connect({ auth: { token: issuer.sign() } }),
          'store_unavailable',
        )
        await a.server.guard.revoke({ sub: 'nobody' }).catch(() => undefined)
        await echoes(alice, 'alive')
      }
      // Failures are counted in each node's memory meanwhile: A refuses, B has counted none.
      await expectRefused(a.server.connect({ auth: { token: 'x' } }), 'token_malformed')
      await expectRefused(a.server.connect({ auth: { token: 'x' } }), 'token_malformed')
      await expectRefused(a.server.connect({ auth: { token: issuer.sign() } }), 'rate_limited')
      await expectRefused(b.server.connect({ auth: { token: issuer.sign() } }), 'store_unavailable')
      await redis.restart()
      await eventually(() => a.redis.status === 'ready' && b.redis.status === 'ready', 3_000)
      await connected(b.server.connect({ auth: { token: issuer.sign({ sub: 'bob' }) } }))
      await echoes(alice, 'after')
      expect(watch.errors).toEqual([])
    } finally {
      watch.stop()
    }
  })
})
