// The reference server with an OpenID Provider (`ISSUER_URL`, a real `oidc-provider` 9): it logs
// the back-channel logout URL to register at startup, serves it, and a logout at the provider ends
// the user's chat socket with `token_revoked`.
import { describe, expect, it } from 'vitest'
import { connected, disconnected, recordEvents } from '../../support/guard-e2e.js'
import { CLIENT_ID, RESOURCE, startProvider } from '../logout/oidc-provider-support.js'
import { chatServer } from './support.js'

describe('reference server: back-channel logout with ISSUER_URL', () => {
  it('logs the URL to register, and a logout at the provider ends the socket', async () => {
    await using provider = await startProvider()
    const lines: string[] = []
    await using chat = await chatServer({
      issuerUrl: provider.issuer,
      audience: RESOURCE,
      clientId: CLIENT_ID,
      logLevel: 'info',
      logStream: {
        write(line: string) {
          lines.push(line)
        },
      },
    })
    const announced = lines
      .map((line) => JSON.parse(line) as { msg: string; backchannelLogoutUri?: string })
      .find((entry) => entry.backchannelLogoutUri !== undefined)
    expect(announced?.backchannelLogoutUri).toBe(`${chat.url}/backchannel-logout`)
    provider.configure(announced!.backchannelLogoutUri!)

    const alice = await provider.login('alice')
    const socket = chat.connect(alice.accessToken)
    await connected(socket)
    const seen = recordEvents(socket)
    const { status } = await alice.logout()
    expect(status).toBeLessThan(400)
    expect(provider.backchannelErrors).toEqual([])
    await disconnected(socket, 2_000)
    expect(seen[0]).toMatchObject({ event: 'unauthorized', args: [{ code: 'token_revoked' }] })
    expect(lines.some((line) => line.includes('"msg":"back-channel logout"'))).toBe(true)
    // Anything else posted there is refused 400 and logged without the token.
    const forged = await fetch(`${chat.url}/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: alice.idToken }).toString(),
    })
    expect(forged.status).toBe(400)
    expect(lines.join('\n')).not.toContain(alice.idToken.split('.')[2])
    expect((await fetch(`${chat.url}/backchannel-logout`)).status).toBe(400)
  })

  it('no route without ISSUER_URL; CLIENT_ID alone is refused', async () => {
    await using chat = await chatServer()
    expect((await fetch(`${chat.url}/backchannel-logout`, { method: 'POST' })).status).toBe(404)
    await expect(chatServer({ clientId: 'x' })).rejects.toMatchObject({ variable: 'CLIENT_ID' })
  })
})
