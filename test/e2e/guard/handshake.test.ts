// The guard's handshake over real sockets, on WebSocket and on HTTP long-polling: where the token
// is read from and in which order, what a connected socket carries (auth, room, no raw token
// anywhere in its handshake), the onAuthenticated / onFailure hooks, and one refusal per error code
// a handshake can end with, each coded on the wire and free of the token.
import { inspect } from 'node:util'
import type { Server, Socket } from 'socket.io'
import { io as lookup } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import {
  AuthError,
  createGuard,
  createVerifier,
  type PublicJwk,
  type SocketAuth,
} from '../../../src/index.js'
import {
  TRANSPORTS,
  closedPort,
  connected,
  expectRefused,
  type Transport,
} from '../../support/guard-e2e.js'
import { createSigningKey, signToken } from '../../support/signing-key.js'
import { nowSeconds, startServer, type TestServer } from '../../support/socket-server.js'

const rsa = await createSigningKey('RS256', 'rsa-1')

/** What a socket looked like inside the app's `connection` handler. */
interface Snapshot {
  readonly socket: Socket
  readonly auth: Record<string, unknown>
  readonly headers: Record<string, unknown>
  readonly query: Record<string, unknown>
  readonly data: SocketAuth | undefined
  readonly rooms: string[]
}

/** The next connection of `io`, as seen by an app handler registered after the guard. */
function nextConnection(io: Server): Promise<Snapshot> {
  return new Promise((resolve) => {
    io.once('connection', (socket: Socket) => {
      resolve({
        socket,
        auth: { ...socket.handshake.auth },
        headers: { ...socket.handshake.headers },
        query: { ...socket.handshake.query },
        data: (socket.data as { auth?: SocketAuth }).auth,
        rooms: [...socket.rooms],
      })
    })
  })
}

/** Every string in the handshakes of `fetchSockets()`, serialised as an adapter would. */
async function fetchedHandshakes(server: TestServer): Promise<string> {
  const sockets = await server.io.fetchSockets()
  return JSON.stringify(sockets.map((socket) => socket.handshake))
}

describe.each(TRANSPORTS)('handshake over %s', (transport: Transport) => {
  const base = { transports: [transport] }

  describe('token extraction', () => {
    it('reads auth.token and stores { claims, expiresAt }; the token is gone from the handshake', async () => {
      await using server = await startServer()
      const exp = nowSeconds() + 120
      const token = server.issuer.sign({ exp, jti: 'j-1' })
      const seen = nextConnection(server.io)
      const client = server.connect({ ...base, auth: { token, room: 'lobby' } })
      const id = await connected(client)
      const snap = await seen

      expect(snap.socket.id).toBe(id)
      expect(snap.data).toEqual({
        claims: expect.objectContaining({ sub: 'alice', exp, jti: 'j-1' }) as unknown,
        expiresAt: exp * 1000,
      })
      expect(Object.keys(snap.data!).sort()).toEqual(['claims', 'expiresAt'])
      // No room of the guard's: revocation finds sockets through its own index.
      expect(snap.rooms.filter((room) => room.startsWith('sockguard:'))).toEqual([])
      // The token goes; the rest of what the client sent stays.
      expect(snap.auth).toEqual({ room: 'lobby' })
      expect(JSON.stringify(snap.socket.handshake)).not.toContain(token)
      expect(await fetchedHandshakes(server)).not.toContain(token)
      const [remote] = await server.io.fetchSockets()
      expect(remote!.data).toMatchObject({ auth: { claims: { sub: 'alice' } } })
      expect([...remote!.rooms].filter((room) => room.startsWith('sockguard:'))).toEqual([])
    })

    it('accepts a leading "Bearer " in auth.token', async () => {
      await using server = await startServer()
      const token = server.issuer.sign()
      const seen = nextConnection(server.io)
      await connected(server.connect({ ...base, auth: { token: `Bearer ${token}` } }))
      const snap = await seen
      expect(snap.data?.claims.sub).toBe('alice')
      expect(snap.auth).toEqual({})
      expect(await fetchedHandshakes(server)).not.toContain(token.split('.')[2])
    })

    it('reads an Authorization: Bearer header and removes it from the handshake only', async () => {
      await using server = await startServer()
      const token = server.issuer.sign({ sub: 'bob' })
      const seen = nextConnection(server.io)
      const client = server.connect({
        ...base,
        extraHeaders: { authorization: `Bearer ${token}`, 'x-app': 'chat' },
      })
      await connected(client)
      const snap = await seen
      expect(snap.data?.claims.sub).toBe('bob')
      expect(snap.rooms.filter((room) => room.startsWith('sockguard:'))).toEqual([])
      expect(snap.headers.authorization).toBeUndefined()
      expect(snap.headers['x-app']).toBe('chat')
      expect(await fetchedHandshakes(server)).not.toContain(token.split('.')[2])
    })

    it('ignores an Authorization header of another scheme: token_missing', async () => {
      await using server = await startServer()
      const client = server.connect({ ...base, extraHeaders: { authorization: 'Basic YTpi' } })
      await expectRefused(client, 'token_missing')
    })

    it('looks in the documented order: auth.token first, then the header', async () => {
      await using server = await startServer()
      const good = server.issuer.sign()
      // auth.token is present, so the header is not looked at.
      const first = server.connect({
        ...base,
        auth: { token: 'not-a-jwt' },
        extraHeaders: { authorization: `Bearer ${good}` },
      })
      await expectRefused(first, 'token_malformed', good)
      // An empty auth.token counts as absent.
      const second = server.connect({
        ...base,
        auth: { token: '' },
        extraHeaders: { authorization: `Bearer ${good}` },
      })
      await connected(second)
    })

    it('follows tokenFrom: header before auth when configured so', async () => {
      await using server = await startServer({ guard: { tokenFrom: ['header', 'auth'] } })
      const good = server.issuer.sign()
      const client = server.connect({
        ...base,
        auth: { token: 'not-a-jwt' },
        extraHeaders: { authorization: `Bearer ${good}` },
      })
      await connected(client)
      const auth = server.connect({ ...base, auth: { token: good } })
      await connected(auth)
      // Only the configured sources are read.
      await using headerOnly = await startServer({ guard: { tokenFrom: ['header'] } })
      const refused = headerOnly.connect({ ...base, auth: { token: headerOnly.issuer.sign() } })
      await expectRefused(refused, 'token_missing')
    })

    it.each([
      ['a number', 123],
      ['an object', { value: 'x' }],
      ['an array', ['a.b.c']],
      ['true', true],
      ['false', false],
    ])('refuses auth.token that is %s: token_malformed', async (_name, token) => {
      await using server = await startServer()
      await expectRefused(server.connect({ ...base, auth: { token } }), 'token_malformed')
    })

    it('treats auth.token null as no token: token_missing', async () => {
      await using server = await startServer()
      await expectRefused(server.connect({ ...base, auth: { token: null } }), 'token_missing')
    })

    describe('cookie (opt-in)', () => {
      const origin = 'https://app.example'
      const guard = { tokenFrom: ['cookie'] as const, allowedOrigins: [origin] }

      it('is refused at creation without allowedOrigins', () => {
        expect(() =>
          createGuard({ secret: 'x'.repeat(32), algorithms: ['HS256'], tokenFrom: ['cookie'] }),
        ).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'allowedOrigins' }))
      })

      it('accepts an allowed Origin and strips only the token cookie', async () => {
        await using server = await startServer({ guard })
        const token = server.issuer.sign()
        const seen = nextConnection(server.io)
        const client = server.connect({
          ...base,
          extraHeaders: { cookie: `theme=dark; token=${token}; lang=en`, origin },
        })
        await connected(client)
        const snap = await seen
        expect(snap.data?.claims.sub).toBe('alice')
        expect(String(snap.headers.cookie)).not.toContain('token=')
        expect(String(snap.headers.cookie)).toContain('theme=dark')
        expect(String(snap.headers.cookie)).toContain('lang=en')
        expect(await fetchedHandshakes(server)).not.toContain(token.split('.')[2])
      })

      it('ignores the cookie under a foreign Origin (cross-site WebSocket hijacking): token_missing', async () => {
        await using server = await startServer({ guard })
        const token = server.issuer.sign()
        const client = server.connect({
          ...base,
          extraHeaders: { cookie: `token=${token}`, origin: 'https://evil.example' },
        })
        await expectRefused(client, 'token_missing', token)
      })

      it('accepts a request without Origin (not a browser)', async () => {
        await using server = await startServer({ guard })
        const client = server.connect({
          ...base,
          extraHeaders: { cookie: `token=${server.issuer.sign()}` },
        })
        await connected(client)
      })
    })

    describe('query (opt-in)', () => {
      it('is not read by default: token_missing', async () => {
        await using server = await startServer()
        const client = server.connect({ ...base, query: { token: server.issuer.sign() } })
        await expectRefused(client, 'token_missing')
      })

      it('reads ?token= when tokenFrom includes query, and removes it', async () => {
        await using server = await startServer({
          guard: { tokenFrom: ['auth', 'header', 'query'] },
        })
        const token = server.issuer.sign()
        const seen = nextConnection(server.io)
        await connected(server.connect({ ...base, query: { token, lang: 'en' } }))
        const snap = await seen
        expect(snap.data?.claims.sub).toBe('alice')
        expect(snap.query.token).toBeUndefined()
        expect(snap.query.lang).toBe('en')
        expect(await fetchedHandshakes(server)).not.toContain(token.split('.')[2])
      })
    })
  })

  describe('hooks', () => {
    it('onAuthenticated receives the claims and socket, and may refuse with claim_invalid', async () => {
      const calls: [string | undefined, boolean][] = []
      await using server = await startServer({
        guard: {
          onAuthenticated: (claims, socket) => {
            calls.push([claims.sub, typeof socket.id === 'string'])
            if (claims.sub === 'mallory')
              throw new AuthError('claim_invalid', 'This user is banned.', { claim: 'sub' })
          },
        },
      })
      await connected(server.connect({ ...base, auth: { token: server.issuer.sign() } }))
      const token = server.issuer.sign({ sub: 'mallory' })
      const data = await expectRefused(
        server.connect({ ...base, auth: { token } }),
        'claim_invalid',
        token,
      )
      expect(data.message).toBe('This user is banned.')
      expect(calls).toEqual([
        ['alice', true],
        ['mallory', true],
      ])
    })

    it('onAuthenticated throwing a plain Error gives server_error without its message', async () => {
      await using server = await startServer({
        guard: {
          onAuthenticated: () => Promise.reject(new Error('db password=hunter2 at users.ts:12:3')),
        },
      })
      const token = server.issuer.sign()
      const data = await expectRefused(
        server.connect({ ...base, auth: { token } }),
        'server_error',
        token,
      )
      expect(data.message).not.toContain('hunter2')
      expect(data.message).not.toContain('users.ts')
    })

    it('onFailure gets the AuthError, never the token', async () => {
      const failures: { error: unknown; handshake: string }[] = []
      await using server = await startServer({
        guard: {
          onFailure: (error, socket) => {
            failures.push({ error, handshake: JSON.stringify(socket.handshake) })
          },
        },
      })
      const expired = server.issuer.sign({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 })
      await expectRefused(server.connect({ ...base, auth: { token: expired } }), 'token_expired')
      const forged = `${server.issuer.sign().slice(0, -4)}AAAA`
      await expectRefused(
        server.connect({ ...base, extraHeaders: { authorization: `Bearer ${forged}` } }),
        'token_invalid',
      )
      expect(failures).toHaveLength(2)
      const [first, second] = failures
      expect(first!.error).toBeInstanceOf(AuthError)
      expect((first!.error as AuthError).code).toBe('token_expired')
      expect((second!.error as AuthError).code).toBe('token_invalid')
      for (const [{ error, handshake }, token] of [
        [first!, expired],
        [second!, forged],
      ] as const) {
        const text = inspect(error, { depth: 10, showHidden: true })
        expect(text).not.toContain(token)
        expect(text).not.toContain(token.split('.')[2])
        // The socket handed to the hook no longer carries the token either (apps log it).
        expect(handshake).not.toContain(token.split('.')[2])
      }
    })

    it('a throwing onFailure does not change the refusal', async () => {
      await using server = await startServer({
        guard: {
          onFailure: () => {
            throw new Error('logger down')
          },
        },
      })
      await expectRefused(server.connect({ ...base, auth: { token: 'x.y.z' } }), 'token_malformed')
      await connected(server.connect({ ...base, auth: { token: server.issuer.sign() } }))
    })
  })

  describe('a coded refusal for every handshake error', () => {
    const refuses = async (
      server: TestServer,
      token: string,
      code: string,
    ): Promise<{ code: string; message: string }> =>
      expectRefused(server.connect({ ...base, auth: { token } }), code, token)

    it('token_missing', async () => {
      await using server = await startServer()
      await expectRefused(server.connect({ ...base }), 'token_missing')
      await expectRefused(server.connect({ ...base, auth: { other: 1 } }), 'token_missing')
    })

    it('token_malformed', async () => {
      await using server = await startServer()
      await refuses(server, 'not-a-jwt', 'token_malformed')
      await refuses(server, 'a.b.c', 'token_malformed')
    })

    it('token_invalid (wrong key, alg none)', async () => {
      await using server = await startServer()
      await using other = await startServer()
      await refuses(server, other.issuer.sign(), 'token_invalid')
      const [header, payload] = server.issuer.sign().split('.')
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload!}.`
      expect(header).toBeDefined()
      await refuses(server, none, 'token_invalid')
    })

    it('token_expired', async () => {
      await using server = await startServer()
      const token = server.issuer.sign({ iat: nowSeconds() - 100, exp: nowSeconds() - 10 })
      await refuses(server, token, 'token_expired')
    })

    it('token_not_active', async () => {
      await using server = await startServer()
      await refuses(server, server.issuer.sign({ nbf: nowSeconds() + 300 }), 'token_not_active')
      await refuses(server, server.issuer.sign({ iat: nowSeconds() + 300 }), 'token_not_active')
    })

    it('claim_invalid (audience policy)', async () => {
      await using server = await startServer({ guard: { audience: 'chat' } })
      await refuses(server, server.issuer.sign({ aud: 'billing' }), 'claim_invalid')
      await refuses(server, server.issuer.sign(), 'claim_invalid')
      await connected(
        server.connect({ ...base, auth: { token: server.issuer.sign({ aud: 'chat' }) } }),
      )
    })

    it("key_not_found (a local JWK set without the token's kid)", async () => {
      const verifier = createVerifier({
        jwks: { keys: [rsa.jwk as PublicJwk] },
        algorithms: ['RS256'],
      })
      await using server = await startServer({ guard: { verifier } })
      await connected(server.connect({ ...base, auth: { token: await signToken(rsa) } }))
      const token = await signToken(rsa, { kid: 'rotated-away' })
      const data = await refuses(server, token, 'key_not_found')
      expect(data.message).not.toContain('rotated-away')
    })

    it('keys_unavailable (jwksUri on a closed loopback port)', async () => {
      const port = await closedPort()
      const verifier = createVerifier({
        jwksUri: `http://127.0.0.1:${port}/jwks.json`,
        algorithms: ['RS256'],
        timeoutMs: 2_000,
      })
      await using server = await startServer({ guard: { verifier } })
      await refuses(server, await signToken(rsa), 'keys_unavailable')
    })

    it('token_revoked', async () => {
      await using server = await startServer()
      const token = server.issuer.sign({ iat: nowSeconds() - 5 })
      await server.guard.revoke({ sub: 'alice' })
      await refuses(server, token, 'token_revoked')
      await connected(
        server.connect({ ...base, auth: { token: server.issuer.sign({ sub: 'bob' }) } }),
      )
    })
  })
})

describe("the seed's query-token client, unchanged", () => {
  // The seed calls the client's global `io.connect`; socket.io-client has it at run time (an alias
  // of `io`) but its types leave it out.
  const io = lookup as typeof lookup & { connect: typeof lookup }

  it('io.connect(url, { query: { token } }) connects against tokenFrom with query', async () => {
    await using server = await startServer({ guard: { tokenFrom: ['auth', 'header', 'query'] } })
    const token = server.issuer.sign()
    const seen = nextConnection(server.io)
    const socket = io.connect(server.url, {
      query: { token },
    })
    try {
      await connected(socket)
      const snap = await seen
      expect(snap.data?.claims.sub).toBe('alice')
      expect(snap.query.token).toBeUndefined()
    } finally {
      socket.close()
    }
  })
})
