// The socketio-jwt drop-in (`sockguard/socketio-jwt`, handshake mode) must not leave the token it
// used where io.fetchSockets() and cluster adapters carry the handshake: `auth`, `headers`,
// `query` and `url` (which repeats the query string).
import { describe, expect, it } from 'vitest'
import { authorize } from '../../../src/compat/socketio-jwt.js'
import { connected } from '../../support/guard-e2e.js'
import { startServer } from '../../support/socket-server.js'
import { SECRET, sign } from '../compat/support.js'
import { leakedPieces, tokenPieces } from './support.js'

describe('socketio-jwt drop-in, handshake mode', () => {
  it.each([
    ['the token query parameter', (token: string) => ({ query: { token, lang: 'en' } })],
    ['auth.token', (token: string) => ({ auth: { token, room: 'x' } })],
    [
      'an Authorization header',
      (token: string) => ({ extraHeaders: { Authorization: `Bearer ${token}` } }),
    ],
  ])('leaves no trace of a token from %s in fetchSockets()', async (_name, options) => {
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.use(authorize({ secret: SECRET, handshake: true }))
      },
    })
    const token = sign()
    await connected(server.connect(options(token)))
    const sockets = await server.io.fetchSockets()
    expect(sockets).toHaveLength(1)
    const text = JSON.stringify(
      sockets.map((s) => ({ handshake: s.handshake, data: s.data as unknown })),
    )
    expect(leakedPieces(text, tokenPieces(token))).toEqual([])
    // The other members are still there.
    expect(text).toMatch(/"lang":"en"|"room":"x"|"host"/)
  })
})
