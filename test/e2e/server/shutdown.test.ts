// startServer's close(), as SIGTERM runs it: connected clients are dropped at once, and a
// handshake that arrives while the server is closing is refused `server_error` (retry later,
// elsewhere), not `token_invalid`: the token is fine, the server is going away.
import { describe, expect, it } from 'vitest'
import { connected, expectRefused } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { chatServer } from './support.js'

describe('shutdown', () => {
  it('refuses a handshake that arrives while closing with server_error', async () => {
    await using chat = await chatServer()
    const token = await chat.token('alice')
    let closing: Promise<void> | undefined
    // Starts the shutdown just before Socket.IO reads the client's CONNECT packet: in the same
    // tick, so the handshake meets a server that is closing, its guard closed already.
    chat.server.io.engine.on('connection', (conn: NodeJS.EventEmitter) => {
      conn.on('packet', (packet: { type: string }) => {
        if (packet.type === 'message') closing ??= chat.server.close()
      })
    })
    const client = chat.connect(token)
    const refusal = await expectRefused(client, 'server_error', token)
    expect(refusal.message).toMatch(/shutting down/)
    await closing
  })

  it('drops connected clients at once, then releases the port', async () => {
    const chat = await chatServer()
    const client = chat.connect(await chat.token('alice'))
    await connected(client)
    const dropped = nextEvent<string>(client, 'disconnect')
    await chat.server.close()
    // A reason that lets socket.io-client reconnect (to another node, or this one once back).
    expect(await dropped).toBe('transport close')
    await expect(fetch(`${chat.url}/healthz`)).rejects.toThrow()
    await chat[Symbol.asyncDispose]()
  })
})
