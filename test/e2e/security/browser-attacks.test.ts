// Cross-site WebSocket hijacking: a page on another origin opens a socket to the app and the
// browser attaches the user's cookie. Played here with socket.io-client in Node sending the
// headers such a browser would (Origin, Cookie), on both transports: the cookie is honoured only
// under an allowed Origin, matched exactly.
import { describe, expect, it } from 'vitest'
import type { TokenSource } from '../../../src/index.js'
import { TRANSPORTS, type Transport } from '../../support/guard-e2e.js'
import { startServer, type TestServer } from '../../support/socket-server.js'
import { codeOf, outcome, type Outcome } from './support.js'

const APP = 'https://app.example'

/** Connects with `headers` (and optionally `auth`) and resolves with how it ended. */
function attempt(
  server: TestServer,
  transport: Transport,
  headers: Record<string, string>,
  auth?: Record<string, unknown>,
): Promise<Outcome> {
  return outcome(
    server.connect({ transports: [transport], extraHeaders: headers, ...(auth && { auth }) }),
  )
}

describe.each(TRANSPORTS)('cookie authentication over %s', (transport: Transport) => {
  const start = (tokenFrom: TokenSource[] = ['cookie']): Promise<TestServer> =>
    startServer({ guard: { tokenFrom, allowedOrigins: [APP] } })

  it('the cookie under the allowed Origin connects (the control)', async () => {
    await using server = await start()
    const cookie = `token=${server.issuer.sign()}`
    expect(await attempt(server, transport, { Origin: APP, Cookie: cookie })).toEqual({
      kind: 'connect',
    })
  })

  it.each([
    ['another site', 'https://evil.example'],
    ['the opaque origin of a sandboxed frame', 'null'],
    ['plain http (a downgrade)', 'http://app.example'],
    ['a subdomain', 'https://evil.app.example'],
    ['a look-alike suffix', 'https://app.example.evil.example'],
    ['another port', 'https://app.example:8443'],
    ['a trailing slash (not an origin)', 'https://app.example/'],
    ['two origins joined', `${APP}, https://evil.example`],
  ])('the cookie under %s is ignored: token_missing', async (_name, origin) => {
    await using server = await start()
    const token = server.issuer.sign()
    const result = await attempt(server, transport, { Origin: origin, Cookie: `token=${token}` })
    expect(codeOf(result)).toBe('token_missing')
    expect(JSON.stringify(result)).not.toContain(token.split('.')[2])
  })

  it('an allowed Origin in other letter case is the same origin (browsers send it lower-case)', async () => {
    await using server = await start()
    const result = await attempt(server, transport, {
      Origin: 'HTTPS://APP.EXAMPLE',
      Cookie: `token=${server.issuer.sign()}`,
    })
    expect(result).toEqual({ kind: 'connect' })
  })

  it('with auth as well: a foreign page still needs the token itself, the cookie adds nothing', async () => {
    await using server = await start(['cookie', 'auth'])
    const cookie = `token=${server.issuer.sign()}`
    const evil = { Origin: 'https://evil.example', Cookie: cookie }
    expect(codeOf(await attempt(server, transport, evil))).toBe('token_missing')
    expect(codeOf(await attempt(server, transport, evil, { token: 'stolen?' }))).toBe(
      'token_malformed',
    )
  })

  it('tokenFrom without cookie never reads one, whatever the Origin', async () => {
    await using server = await startServer({ guard: { allowedOrigins: [APP] } })
    const result = await attempt(server, transport, {
      Origin: APP,
      Cookie: `token=${server.issuer.sign()}`,
    })
    expect(codeOf(result)).toBe('token_missing')
  })

  it('two token cookies (cookie tossing from a sibling domain): the first one is used', async () => {
    // Documented in docs/security.md: name the cookie `__Host-…` so no sibling can set it.
    await using server = await start()
    const forged = `token=forged.not.valid; token=${server.issuer.sign()}`
    expect(codeOf(await attempt(server, transport, { Origin: APP, Cookie: forged }))).toBe(
      'token_malformed',
    )
  })
})
