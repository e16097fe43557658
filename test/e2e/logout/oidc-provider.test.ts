// End to end against a real OpenID Provider (`oidc-provider` 9): a user logs in, connects a socket
// with the provider's JWT access token (which carries the session's `sid`), ends the session at
// the provider, and the provider's back-channel logout ends the socket with `token_revoked` before
// its disconnect; the access token is refused afterwards.
import { describe, expect, it } from 'vitest'
import { backchannelLogout, createVerifier } from '../../../src/index.js'
import { connected, disconnected, expectRefused, recordEvents } from '../../support/guard-e2e.js'
import { startServer } from '../../support/socket-server.js'
import { CLIENT_ID, RESOURCE, startProvider } from './oidc-provider-support.js'

/** How long the test allows from the provider's logout call to the socket's `unauthorized`. */
const BOUND_MS = 2_000

describe('back-channel logout from oidc-provider', () => {
  it('ends the socket of the session with token_revoked, within the bound', async () => {
    await using provider = await startProvider()
    const route: { handler?: ReturnType<typeof backchannelLogout> } = {}
    await using server = await startServer({
      guard: {
        verifier: createVerifier({
          issuerUrl: provider.issuer,
          algorithms: ['RS256'],
          audience: RESOURCE,
          typ: 'at+jwt',
        }),
      },
      requestListener: (req, res) => {
        if (req.url === '/backchannel-logout' && route.handler !== undefined)
          route.handler(req, res)
        else {
          res.statusCode = 404
          res.end()
        }
      },
    })
    const logouts: unknown[] = []
    route.handler = backchannelLogout({
      guard: server.guard,
      issuerUrl: provider.issuer,
      audience: CLIENT_ID,
      onLogout: (event) => logouts.push(event),
      onFailure: (error) => logouts.push(error),
    })
    provider.configure(`${server.url}/backchannel-logout`)

    const alice = await provider.login('alice')
    const bob = await provider.login('bob')
    const payload = JSON.parse(
      Buffer.from(alice.accessToken.split('.')[1]!, 'base64url').toString(),
    ) as Record<string, unknown>
    expect(payload).toMatchObject({ sub: 'alice', aud: RESOURCE, iss: provider.issuer })
    expect(typeof payload.sid).toBe('string')

    const socket = server.connect({ auth: { token: alice.accessToken } })
    const bobSocket = server.connect({ auth: { token: bob.accessToken } })
    await connected(socket)
    await connected(bobSocket)
    const seen = recordEvents(socket)
    let unauthorizedAt = 0
    socket.on('unauthorized', () => (unauthorizedAt = performance.now()))

    const { sentAt, status } = await alice.logout()
    expect(status).toBeLessThan(400)
    expect(provider.backchannelErrors).toEqual([])
    await disconnected(socket, BOUND_MS)
    expect(seen.map((entry) => entry.event)).toEqual(['unauthorized', 'disconnect'])
    expect(seen[0]!.args[0]).toMatchObject({ code: 'token_revoked' })
    const elapsed = unauthorizedAt - sentAt
    console.log(`oidc-provider logout -> unauthorized (one node): ${elapsed.toFixed(1)} ms`)
    expect(elapsed).toBeLessThan(BOUND_MS)
    expect(logouts).toEqual([
      expect.objectContaining({ iss: provider.issuer, sub: 'alice', sid: payload.sid }),
    ])
    // Bob's session is another one.
    expect(bobSocket.connected).toBe(true)
    await expectRefused(
      server.connect({ auth: { token: alice.accessToken } }),
      'token_revoked',
      alice.accessToken,
    )
  })
})
