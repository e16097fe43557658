// Ninth outside attack (the core), high: a page on a sibling subdomain hijacked a
// cookie-authenticated socket through Engine.IO's JSONP polling. A `<script src>` GET carries no
// `Origin` but the user's (same-site) cookie, and its JSONP answer hands the page the session id;
// a `<form>` POST then sends the CONNECT. These are the browser's requests, replayed over HTTP.
import { describe, expect, it } from 'vitest'
import { connected, expectRefused } from '../../support/guard-e2e.js'
import { startServer, type TestServer } from '../../support/socket-server.js'

const origin = 'https://app.example'
const guard = { tokenFrom: ['cookie'] as const, allowedOrigins: [origin] }

/** What a `<script src>` of the page gets: the JSONP text of one Engine.IO polling GET. */
async function scriptGet(server: TestServer, query: string, cookie: string): Promise<string> {
  const response = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling&j=0${query}`, {
    headers: {
      cookie,
      'sec-fetch-mode': 'no-cors',
      'sec-fetch-dest': 'script',
      'sec-fetch-site': 'same-site',
    },
  })
  return response.text()
}

describe('Engine.IO JSONP polling never carries the cookie (cross-site hijacking)', () => {
  it('a <script> handshake and a <form> CONNECT get token_missing, never the user', async () => {
    await using server = await startServer({ guard })
    let connections = 0
    server.io.on('connection', () => connections++)
    const token = server.issuer.sign({ sub: 'victim' })
    const cookie = `token=${token}`
    const open = await scriptGet(server, '', cookie)
    const sid = /\\"sid\\":\\"([^\\"]+)/.exec(open)?.[1]
    expect(sid).toBeDefined()
    const posted = await fetch(
      `${server.url}/socket.io/?EIO=4&transport=polling&j=0&sid=${String(sid)}`,
      {
        method: 'POST',
        headers: {
          cookie,
          origin: 'https://evil.app.example',
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-mode': 'navigate',
          'sec-fetch-site': 'same-site',
        },
        body: `d=${encodeURIComponent('40')}`,
      },
    )
    expect(posted.status).toBe(200)
    const answer = await scriptGet(server, `&sid=${String(sid)}`, cookie)
    // The CONNECT_ERROR packet (44) with the guard's code; no CONNECT (40) with a socket id.
    expect(answer).toContain('44')
    expect(answer).toContain('token_missing')
    expect(answer).not.toContain(token.split('.')[2])
    expect(connections).toBe(0)
  })

  it.each([
    ['a no-cors request (a <script>, an <img>)', { 'sec-fetch-mode': 'no-cors' }],
    ['a same-site request from another origin', { 'sec-fetch-site': 'same-site' }],
    ['a cross-site request', { 'sec-fetch-site': 'cross-site' }],
    ['a navigation', { 'sec-fetch-mode': 'navigate', 'sec-fetch-site': 'same-site' }],
  ])('without Origin, %s does not get to use the cookie: token_missing', async (_, headers) => {
    await using server = await startServer({ guard })
    const token = server.issuer.sign()
    const client = server.connect({
      transports: ['polling'],
      extraHeaders: { cookie: `token=${token}`, ...headers },
    })
    await expectRefused(client, 'token_missing', token)
  })

  it.each([
    [
      'a same-origin page (polling GETs carry no Origin)',
      { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' },
    ],
    ['a client that is no browser (no Sec-Fetch headers)', {}],
  ])('without Origin, %s still authenticates with the cookie', async (_, headers) => {
    await using server = await startServer({ guard })
    const client = server.connect({
      transports: ['polling'],
      extraHeaders: { cookie: `token=${server.issuer.sign()}`, ...headers },
    })
    await connected(client)
  })
})
