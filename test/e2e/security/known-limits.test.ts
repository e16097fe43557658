// The limits docs/security.md names ("Known limits"), shown to be real so the warnings stay true:
// Socket.IO's own debug output prints tokens, two guards on one namespace refuse everything, and a
// subject revoked in a second cannot log in again within that second.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createGuard } from '../../../src/index.js'
import { EPOCH_S, testClock } from '../../support/guard-e2e.js'
import { startServer } from '../../support/socket-server.js'
import { codeOf, outcome } from './support.js'

const run = promisify(execFile)

describe('known limits (docs/security.md)', () => {
  it("DEBUG=socket.io* makes Socket.IO's own debug output print the handshake token", async () => {
    // A server and a client in one process, as an app with DEBUG set would run; the guard is not
    // involved: Socket.IO's parser logs every packet it decodes, the CONNECT packet's auth too.
    const program = `
      import { createServer } from 'node:http'
      import { Server } from 'socket.io'
      import { io as connect } from 'socket.io-client'
      const http = createServer()
      const io = new Server(http)
      http.listen(0, '127.0.0.1', () => {
        const client = connect('http://127.0.0.1:' + http.address().port, {
          auth: { token: 'tok.en-seen-in-debug-output' }, transports: ['websocket'],
        })
        client.on('connect', () => { client.close(); io.close(); })
      })`
    const { stderr } = await run(process.execPath, ['--input-type=module', '-e', program], {
      cwd: process.cwd(),
      env: { ...process.env, DEBUG: 'socket.io*', DEBUG_COLORS: '0' },
      timeout: 15_000,
    })
    expect(stderr).toContain('tok.en-seen-in-debug-output')
  })

  it('two guards on one namespace refuse every token: the first strips it from the handshake', async () => {
    await using server = await startServer()
    const second = createGuard({ secret: server.issuer.secret, algorithms: ['HS256'] })
    server.io.use(second.middleware) // attached twice by mistake, with the same key
    const result = await outcome(server.connect({ auth: { token: server.issuer.sign() } }))
    expect(codeOf(result)).toBe('token_missing')
    await second.close()
  })

  it('a subject revoked at second S cannot log in again with a token issued in S; S + 1 can', async () => {
    const clock = testClock()
    clock.set(EPOCH_S * 1000 + 400)
    await using server = await startServer({ guard: { now: clock.now } })
    const token = (iat: number): string =>
      server.issuer.sign({ sub: 'bob', iat, exp: EPOCH_S + 600 })
    await server.guard.revoke({ sub: 'bob' })
    // iat has one-second precision: a token of the same second may predate the revocation.
    expect(codeOf(await outcome(server.connect({ auth: { token: token(EPOCH_S) } })))).toBe(
      'token_revoked',
    )
    clock.set((EPOCH_S + 1) * 1000 + 10)
    expect((await outcome(server.connect({ auth: { token: token(EPOCH_S + 1) } }))).kind).toBe(
      'connect',
    )
  })
})
