// One verifier for HTTP and Socket.IO: an Express route and a guard on a Socket.IO server
// attached to the same http server accept the same token, refuse a bad one with the same code,
// and (given the same revocation store) a guard.revoke() reaches the HTTP route too.
import express from 'express'
import { describe, expect, it } from 'vitest'
import { createMemoryRevocationStore, createVerifier } from '../../../src/index.js'
import { requireAuth } from '../../../src/express/index.js'
import { connected, expectRefused } from '../../support/guard-e2e.js'
import { createIssuer, nowSeconds, startServer } from '../../support/socket-server.js'
import { expectRefusal } from './support.js'

const issuer = createIssuer()
const stranger = createIssuer()

/** Express and Socket.IO on one http server, sharing one verifier and one revocation store. */
async function startBoth() {
  const verifier = createVerifier({ secret: issuer.secret, algorithms: ['HS256'] })
  const revocationStore = createMemoryRevocationStore()
  const app = express()
  app.get('/api/me', requireAuth({ verifier, revocationStore }), (req, res) => {
    res.json(req.auth.claims)
  })
  const server = await startServer({
    requestListener: app,
    guard: { verifier, revocationStore },
    setup: (io) => {
      io.on('connection', (socket) => {
        socket.on('whoami', (ack: (sub: unknown) => void) => {
          ack((socket.data as { auth: { claims: { sub?: string } } }).auth.claims.sub)
        })
      })
    },
  })
  return Object.assign(server, {
    verifier,
    /** `fetch(url + path)`, with `Authorization: Bearer <token>` when a token is given. */
    get: (path: string, token?: string): Promise<Response> =>
      fetch(`${server.url}${path}`, {
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      }),
  })
}

describe('one verifier for Express and Socket.IO', () => {
  it('the guard exposes the verifier it was given', async () => {
    await using both = await startBoth()
    expect(both.guard.verifier).toBe(both.verifier)
  })

  it('accepts the same token on both', async () => {
    await using both = await startBoth()
    const { get } = both
    const token = issuer.sign({ sub: 'alice' })
    const response = await get('/api/me', token)
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ sub: 'alice' })
    const client = both.connect({ auth: { token } })
    await connected(client)
    expect(await client.emitWithAck('whoami')).toBe('alice')
  })

  it.each([
    ['a bad signature', 'token_invalid', () => stranger.sign()],
    [
      'an expired token',
      'token_expired',
      () => issuer.sign({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 }),
    ],
    ['a token that is not a JWS', 'token_malformed', () => 'abc.def'],
  ])('refuses %s on both with %s', async (_, code, make) => {
    await using both = await startBoth()
    const { get } = both
    const token = make()
    const http = await expectRefusal(await get('/api/me', token), 401, code, token)
    const socket = await expectRefused(both.connect({ auth: { token } }), code, token)
    expect(socket).toEqual({ code: http.body.error, message: http.body.message })
  })

  it('guard.revoke() with the shared store reaches the HTTP route', async () => {
    await using both = await startBoth()
    const { get, guard } = both
    const token = issuer.sign({ sub: 'alice', iat: nowSeconds() - 1 })
    expect((await get('/api/me', token)).status).toBe(200)
    await guard.revoke({ sub: 'alice' })
    await expectRefusal(await get('/api/me', token), 401, 'token_revoked', token)
    await expectRefused(both.connect({ auth: { token } }), 'token_revoked', token)
  })
})
