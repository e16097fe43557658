// Session revocation across two nodes on Redis: `revoke({ sid, iss })` on A ends the session's
// socket on B (adapter message, or the store's change feed alone), and B refuses its tokens after.
import { describe, expect, it } from 'vitest'
import { connected, expectRefused, nothingBeforeRoundTrip } from '../support/guard-e2e.js'
import { nextEvent } from '../support/socket-server.js'
import { ADAPTERS, REDIS_URL, startCluster } from './support.js'

const ISS = 'https://idp.example'

describe.each(ADAPTERS)('two nodes on Redis, %s adapter', (adapter) => {
  it('revoke({ sid, iss }) on A ends the session on B, and only it', async () => {
    await using cluster = await startCluster({
      url: REDIS_URL,
      adapter,
      guard: { revocationSweepMs: 0 },
    })
    const { a, b, issuer } = cluster
    const token = issuer.sign({ iss: ISS, sid: 's-1' })
    const holder = b.server.connect({ auth: { token } })
    const other = b.server.connect({ auth: { token: issuer.sign({ iss: ISS, sid: 's-2' }) } })
    await connected(holder)
    await connected(other)
    const unauthorized = nextEvent<{ code: string }>(holder, 'unauthorized', 3_000)
    await a.server.guard.revoke({ sid: 's-1', iss: ISS })
    expect((await unauthorized).code).toBe('token_revoked')
    // B has ended the holder: a round trip on B now finds the other session untouched.
    await nothingBeforeRoundTrip(b.server.io, other, 'disconnect')
    await expectRefused(b.server.connect({ auth: { token } }), 'token_revoked', token)
  })
})

describe('two nodes on Redis', () => {
  it("the store's change feed alone reaches B (no adapter message)", async () => {
    await using cluster = await startCluster({ url: REDIS_URL, guard: { revocationSweepMs: 0 } })
    const { a, b, issuer } = cluster
    const token = issuer.sign({ iss: ISS, sid: 'feed' })
    const holder = b.server.connect({ auth: { token } })
    await connected(holder)
    const unauthorized = nextEvent<{ code: string }>(holder, 'unauthorized', 5_000)
    // Written straight to the store, as a node without sockets would: only the feed tells B.
    await a.store.revokeSession(ISS, 'feed', Date.now() + 60_000)
    expect((await unauthorized).code).toBe('token_revoked')
  })

  it('the sweep ends a session revoked behind both the adapter and the feed', async () => {
    await using cluster = await startCluster({ url: REDIS_URL, guard: { revocationSweepMs: 200 } })
    const { a, b, issuer } = cluster
    const token = issuer.sign({ iss: ISS, sid: 'swept' })
    const holder = b.server.connect({ auth: { token } })
    await connected(holder)
    const unauthorized = nextEvent<{ code: string }>(holder, 'unauthorized', 5_000)
    const { revocationKeys } = await import('../../src/redis/revocation-keys.js')
    await a.redis.set(
      revocationKeys(cluster.prefix).session(ISS, 'swept'),
      `${Date.now() + 60_000}`,
      'PX',
      60_000,
    )
    expect((await unauthorized).code).toBe('token_revoked')
  })
})
