// No token in the logs: every line the server writes (at debug level, captured in memory) through
// issued tokens, accepted and refused handshakes, a refresh, HTTP refusals and a kick is searched
// for each token and for every 8-character piece of its signature.
import { afterEach, describe, expect, it } from 'vitest'
import { connected, expectRefused } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { createLogger, redactPath } from '../../../server/logger.js'
import { chatServer, tamper, type ChatHarness } from './support.js'

let harness: ChatHarness | undefined
afterEach(async () => {
  await harness?.[Symbol.asyncDispose]()
  harness = undefined
})

/** Every 8-character window of a token's signature. */
function signaturePieces(token: string): string[] {
  const signature = token.split('.')[2] ?? ''
  expect(signature.length).toBeGreaterThan(8)
  const pieces: string[] = []
  for (let i = 0; i + 8 <= signature.length; i++) pieces.push(signature.slice(i, i + 8))
  return pieces
}

describe('reference server logs', () => {
  it('never contain a token or a piece of its signature', async () => {
    const lines: string[] = []
    harness = await chatServer({
      logLevel: 'debug',
      logStream: {
        write(line: string) {
          lines.push(line)
        },
      },
    })
    const chat = harness
    const tokens: string[] = []
    const token = async (username: string, scope = 'chat'): Promise<string> => {
      const issued = await chat.token(username, scope)
      tokens.push(issued)
      return issued
    }

    // Success: a socket opens, chats and refreshes in band.
    const alice = chat.connect(await token('alice', 'chat admin'))
    await connected(alice)
    const bobToken = await token('bob')
    const bob = chat.connect(bobToken)
    await connected(bob)
    await alice.timeout(5_000).emitWithAck('message', 'hello')
    await alice
      .timeout(5_000)
      .emitWithAck('authenticate', { token: await token('alice', 'chat admin') })

    // Refusals: a forged token, in the handshake auth and in the Authorization header.
    const forged = tamper(await token('mallory', 'chat admin'))
    tokens.push(forged)
    await expectRefused(chat.connect(forged), 'token_invalid', forged)
    await expectRefused(chat.connect(undefined), 'token_missing')
    const refusedHttp = await fetch(`${chat.url}/api/me?access_token=${forged}`, {
      headers: { authorization: `Bearer ${forged}` },
    })
    expect(refusedHttp.status).toBe(401)
    expect(
      (await fetch(`${chat.url}/api/me`, { headers: { authorization: `Bearer ${bobToken}` } }))
        .status,
    ).toBe(200)

    // A kick, and the kicked user's old token refused.
    const kicked = nextEvent<{ code: string }>(bob, 'unauthorized')
    expect(await alice.timeout(5_000).emitWithAck('admin:kick', { sub: 'bob' })).toEqual({
      ok: true,
    })
    expect(await kicked).toMatchObject({ code: 'token_revoked' })
    await expectRefused(chat.connect(bobToken), 'token_revoked', bobToken)

    const log = lines.join('')
    // The test saw what it meant to: these events were logged, with ids and codes.
    for (const expected of [
      '"msg":"token issued"',
      '"msg":"socket connected"',
      '"msg":"token refreshed"',
      '"code":"token_invalid"',
      '"code":"token_missing"',
      '"code":"token_revoked"',
      '"msg":"user kicked"',
      '"msg":"http auth refused"',
      '"path":"/api/me"',
    ]) {
      expect(log).toContain(expected)
    }
    expect(tokens.length).toBeGreaterThanOrEqual(5)
    for (const issued of tokens) {
      expect(log).not.toContain(issued)
      for (const piece of signaturePieces(issued)) expect(log).not.toContain(piece)
    }
    expect(log).not.toContain('access_token')
  })

  it('redact tokens, authorization headers and cookies if a handler logs them anyway', () => {
    const lines: string[] = []
    const logger = createLogger({
      level: 'info',
      stream: {
        write(line: string) {
          lines.push(line)
        },
      },
    })
    logger.info(
      {
        handshake: {
          auth: { token: 'secret-1' },
          headers: { authorization: 'Bearer secret-2', cookie: 'token=secret-3' },
          query: { token: 'secret-4' },
        },
        req: { headers: { authorization: 'Bearer secret-5', cookie: 'sid=secret-6' } },
        auth: { token: 'secret-7' },
        body: { access_token: 'secret-8' },
        token: 'secret-9',
      },
      'careless',
    )
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('[redacted]')
    expect(lines[0]).not.toMatch(/secret-\d/)
  })

  it('redact a token placed in the URL path (debug request log), keeping the rest of the path', async () => {
    const lines: string[] = []
    harness = await chatServer({
      logLevel: 'debug',
      logStream: {
        write(line: string) {
          lines.push(line)
        },
      },
    })
    const token = await harness.token('alice')
    const forged = tamper(token)
    for (const path of [`/api/${token}`, `/x/${forged}/y`, `/x/${forged.replaceAll('.', '%2E')}`])
      expect((await fetch(`${harness.url}${path}`)).status).toBe(404)
    // A round trip after them: their lines were written when their responses finished.
    expect((await fetch(`${harness.url}/healthz`)).status).toBe(200)
    const paths = lines
      .map((line) => JSON.parse(line) as { msg: string; path?: string })
      .filter((line) => line.msg === 'http')
      .map((line) => line.path)
    expect(paths).toEqual(
      expect.arrayContaining(['/api/[redacted]', '/x/[redacted]/y', '/x/[redacted]']),
    )
    const log = lines.join('')
    for (const issued of [token, forged])
      for (const piece of signaturePieces(issued)) expect(log).not.toContain(piece)
  })

  it('keep path segments that only have dots (file names)', () => {
    for (const path of ['/socket.io/socket.io.js', '/lib/client/index.js', '/a.b.c', '/'])
      expect(redactPath(path)).toBe(path)
    expect(redactPath('/eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.')).toBe('/[redacted]')
  })
})
