// Back-channel logout from a real provider (`oidc-provider` 9) reaching two nodes on Redis: the
// provider posts the logout token to node A's receiver; the session's sockets on A and on B get
// `unauthorized` `token_revoked`. Prints the time from the provider's logout call to each
// socket's `unauthorized` (docs/identity-providers.md quotes it).
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { backchannelLogout, createVerifier } from '../../src/index.js'
import { connected, disconnected, recordEvents } from '../support/guard-e2e.js'
import { CLIENT_ID, RESOURCE, startProvider } from '../e2e/logout/oidc-provider-support.js'
import { ADAPTERS, REDIS_URL, startCluster } from './support.js'

/** The bound the test allows from the provider's logout call to each node's `unauthorized`. */
const BOUND_MS = 3_000

describe.each(ADAPTERS)('oidc-provider back-channel logout, two nodes, %s adapter', (adapter) => {
  it('ends the session on both nodes within the bound', async () => {
    await using provider = await startProvider()
    const verifier = createVerifier({
      issuerUrl: provider.issuer,
      algorithms: ['RS256'],
      audience: RESOURCE,
      typ: 'at+jwt',
    })
    await using cluster = await startCluster({
      url: REDIS_URL,
      adapter,
      // Neither the sweep nor luck: the adapter message and the store's feed must do it.
      guard: { verifier, revocationSweepMs: 0 } as never,
    })
    const { a, b } = cluster
    // The receiver runs on node A's guard only.
    const handler = backchannelLogout({
      guard: a.server.guard,
      issuerUrl: provider.issuer,
      audience: CLIENT_ID,
    })
    const receiver = createServer((req, res) => {
      handler(req, res)
    })
    receiver.listen(0, '127.0.0.1')
    await once(receiver, 'listening')
    try {
      provider.configure(
        `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/backchannel-logout`,
      )
      const alice = await provider.login('alice')
      const onA = a.server.connect({ auth: { token: alice.accessToken } })
      const onB = b.server.connect({ auth: { token: alice.accessToken } })
      await connected(onA)
      await connected(onB)
      const seenA = recordEvents(onA)
      const seenB = recordEvents(onB)
      const at = { a: 0, b: 0 }
      onA.on('unauthorized', () => (at.a = performance.now()))
      onB.on('unauthorized', () => (at.b = performance.now()))

      const { sentAt, status } = await alice.logout()
      expect(status).toBeLessThan(400)
      expect(provider.backchannelErrors).toEqual([])
      await disconnected(onA, BOUND_MS)
      await disconnected(onB, BOUND_MS)
      for (const seen of [seenA, seenB]) {
        expect(seen.map((entry) => entry.event)).toEqual(['unauthorized', 'disconnect'])
        expect(seen[0]!.args[0]).toMatchObject({ code: 'token_revoked' })
      }
      const msA = at.a - sentAt
      const msB = at.b - sentAt
      console.log(
        `oidc-provider logout -> unauthorized (${adapter}): node A ${msA.toFixed(1)} ms, node B ${msB.toFixed(1)} ms`,
      )
      expect(msA).toBeLessThan(BOUND_MS)
      expect(msB).toBeLessThan(BOUND_MS)
    } finally {
      receiver.closeAllConnections()
      receiver.close()
    }
  })
})
