// The round trip that proves an absence (nothingBeforeRoundTrip) can fail: an event or a
// disconnect the server sent before the probe rejects it, and the probe alone resolves.
import { describe, expect, it } from 'vitest'
import { connected, nothingBeforeRoundTrip, recordEvents } from '../support/guard-e2e.js'
import { startServer } from '../support/socket-server.js'

describe('nothingBeforeRoundTrip', () => {
  it('resolves when nothing came, and recordEvents leaves the probe out', async () => {
    await using server = await startServer()
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    const seen = recordEvents(client)
    await connected(client)
    await nothingBeforeRoundTrip(server.io, client, 'unauthorized')
    expect(seen).toEqual([])
  })

  it('rejects when the event was sent before the probe', async () => {
    await using server = await startServer()
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(client)
    server.io.to(client.id!).emit('unauthorized', { code: 'token_revoked' })
    await expect(nothingBeforeRoundTrip(server.io, client, 'unauthorized')).rejects.toThrow(
      /unexpected "unauthorized"/,
    )
  })

  it('rejects when the server disconnected the socket before the probe', async () => {
    await using server = await startServer()
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    await connected(client)
    server.io.in(client.id!).disconnectSockets(true)
    await expect(nothingBeforeRoundTrip(server.io, client, 'disconnect')).rejects.toThrow(
      /unexpected "disconnect"/,
    )
  })
})
