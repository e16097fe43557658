// The socketio-jwt drop-in on Socket.IO v4: its options, events, error shapes and timeouts, with
// sockguard's verifier underneath (no `alg: none`, HS256 by default, secrets of 32+ bytes).
import { generateKeyPairSync } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import jwt from 'jsonwebtoken'
import type { Server, Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it, vi } from 'vitest'
import { InvalidOptionError } from '../../../src/errors.js'
import { authorizeEvents, requireScope } from '../../../src/index.js'
import socketioJwt, {
  authorize,
  UnauthorizedError,
  type AuthorizeOptions,
  type SecretFunction,
  type UnauthorizedPayload,
} from '../../../src/compat/socketio-jwt.js'
import { PROBE_EVENT, afterTimersOf } from '../../support/guard-e2e.js'
import { nextEvent, startServer, type PlainServer } from '../../support/socket-server.js'
import { SECRET, sign, signWithHeader, unsigned } from './support.js'

type Fields = Record<string, unknown>

/** A server running the post-connect flow, whose app handles `note` (acked) and `message`. */
async function serve(
  options: AuthorizeOptions,
  setup?: (io: Server) => void,
): Promise<PlainServer & { readonly notes: string[]; readonly announced: Socket[] }> {
  const notes: string[] = []
  const announced: Socket[] = []
  const server = await startServer({
    guard: false,
    setup: (io) => {
      io.sockets
        .on('connection', authorize({ ...options, handshake: false }))
        .on('authenticated', (socket: Socket) => {
          announced.push(socket)
        })
      io.on('connection', (socket) => {
        socket.on('note', (text: string, ack?: (reply: string) => void) => {
          notes.push(text)
          ack?.(`noted ${text}`)
        })
      })
      setup?.(io)
    },
  })
  return Object.assign(server, { notes, announced })
}

async function connected(client: ClientSocket): Promise<ClientSocket> {
  if (!client.connected) await nextEvent(client, 'connect')
  return client
}

function serverSocket(server: PlainServer, client: ClientSocket): Socket & Fields {
  const socket = server.io.of('/').sockets.get(client.id ?? '')
  if (socket === undefined) throw new Error('no server socket for this client')
  return socket as Socket & Fields
}

/** Emits `authenticate` and resolves with `authenticated` or the `unauthorized` payload. */
async function authenticate(
  client: ClientSocket,
  token: unknown,
): Promise<'authenticated' | UnauthorizedPayload> {
  const outcome = Promise.race([
    nextEvent(client, 'authenticated').then(() => 'authenticated' as const),
    nextEvent<UnauthorizedPayload>(client, 'unauthorized'),
  ])
  client.emit('authenticate', { token })
  return outcome
}

function serverSocketsOf(server: PlainServer): unknown[] {
  return [...server.io.of('/').sockets.values()]
}

function refusal(message: string, code = 'invalid_token'): UnauthorizedPayload {
  return { message, inner: { message }, data: { message, code, type: 'UnauthorizedError' } }
}

describe('post-connect flow', () => {
  it('sets socket.decoded_token and socket.data.auth, and announces the socket on its namespace once', async () => {
    // No refresh floor: the re-authentication below comes at once.
    await using server = await serve({ secret: SECRET, refreshIntervalMs: 0 })
    const client = await connected(server.connect())
    const args = new Promise<unknown[]>((resolve) => {
      client.once('authenticated', (...given: unknown[]) => {
        resolve(given)
      })
    })
    expect(await authenticate(client, sign({ name: 'Alice' }))).toBe('authenticated')
    expect(await args).toEqual([])
    const socket = serverSocket(server, client)
    expect(socket.decoded_token).toMatchObject({ sub: 'alice', name: 'Alice' })
    expect(socket.data).toMatchObject({ auth: { claims: { sub: 'alice' }, expiresAt: null } })
    expect(socket.encoded_token).toBeUndefined()
    expect(server.announced).toEqual([socket])

    // Re-authenticating (a refresh) updates the token, but is not announced again.
    const exp = Math.floor(Date.now() / 1000) + 600
    expect(await authenticate(client, sign({ name: 'Alice B.', exp }))).toBe('authenticated')
    expect(socket.decoded_token).toMatchObject({ name: 'Alice B.' })
    expect(socket.data).toMatchObject({ auth: { expiresAt: exp * 1000 } })
    expect(server.announced).toHaveLength(1)
  })

  it('acks authenticate when the client asks: { ok: true, expiresAt } or { ok: false, code, message }', async () => {
    await using server = await serve({ secret: SECRET })
    const good = await connected(server.connect())
    expect(await good.emitWithAck('authenticate', { token: sign() })).toEqual({
      ok: true,
      expiresAt: null,
    })
    const bad = await connected(server.connect())
    expect(await bad.emitWithAck('authenticate', { token: sign({}, `${SECRET}!`) })).toEqual({
      ok: false,
      code: 'invalid_token',
      message: 'invalid signature',
    })
  })

  it('applies decodedPropertyName, customDecoded and encodedPropertyName', async () => {
    await using server = await serve({
      secret: SECRET,
      decodedPropertyName: 'user',
      encodedPropertyName: 'jwt',
      customDecoded: (decoded) => ({ displayName: decoded.name }),
    })
    const client = await connected(server.connect())
    const token = sign({ name: 'Alice' })
    expect(await authenticate(client, token)).toBe('authenticated')
    const socket = serverSocket(server, client)
    expect(socket.user).toEqual({ displayName: 'Alice' })
    expect(socket.jwt).toBe(token)
    expect(socket.decoded_token).toBeUndefined()
    expect(socket.data).toMatchObject({ auth: { claims: { name: 'Alice' } } })
  })

  it.each([
    ['a forged signature', sign({}, `${SECRET}-other`), refusal('invalid signature')],
    ['an expired token', sign({ exp: 1_000_000 }), refusal('jwt expired')],
    ['a malformed token', 'not.a.jwt', refusal('invalid token')],
    ['a token of two segments', 'not.a', refusal('jwt malformed')],
    ['a token that is not a string', 42, refusal('invalid token datatype')],
    ['no token', undefined, refusal('invalid token datatype')],
    ["an 'alg: none' token", unsigned(), refusal('jwt signature is required')],
  ])(
    "refuses %s with socketio-jwt's unauthorized payload, then disconnects",
    async (_name, token, payload) => {
      await using server = await serve({ secret: SECRET })
      const client = await connected(server.connect())
      const disconnect = nextEvent<string>(client, 'disconnect')
      expect(await authenticate(client, token)).toEqual(payload)
      expect(await disconnect).toBe('io server disconnect')
      expect(server.announced).toEqual([])
    },
  )

  it('asks for an ack with unauthorized (callback: ms waits for it, then disconnects)', async () => {
    await using server = await serve({ secret: SECRET, callback: 5_000 })
    const client = await connected(server.connect())
    const unauthorized = new Promise<[unknown, unknown]>((resolve) => {
      client.once('unauthorized', (error: unknown, callback: unknown) => {
        resolve([error, callback])
      })
    })
    client.emit('authenticate', { token: sign({ exp: 1_000_000 }) })
    const [error, callback] = await unauthorized
    expect(error).toEqual(refusal('jwt expired'))
    expect(typeof callback).toBe('function')
    // Not disconnected while the ack is awaited: a disconnect sent with the refusal would come
    // before this probe (emitted on the socket itself: a quarantined socket gets no broadcast).
    const disconnects: unknown[] = []
    client.on('disconnect', (reason) => disconnects.push(reason))
    const probed = nextEvent(client, PROBE_EVENT)
    server.io.of('/').sockets.get(client.id!)!.emit(PROBE_EVENT)
    await probed
    expect(disconnects).toEqual([])
    expect(client.connected).toBe(true)
    const disconnect = nextEvent<string>(client, 'disconnect')
    ;(callback as () => void)()
    expect(await disconnect).toBe('io server disconnect')
  })

  it('disconnects after callback ms when the client does not ack', async () => {
    await using server = await serve({ secret: SECRET, callback: 200 })
    const client = await connected(server.connect())
    const disconnect = nextEvent<string>(client, 'disconnect')
    const started = Date.now()
    client.emit('authenticate', { token: unsigned() })
    expect(await disconnect).toBe('io server disconnect')
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
  })

  it('disconnects a socket that does not authenticate within timeout, without an unauthorized event', async () => {
    await using server = await serve({ secret: SECRET, timeout: 300 })
    const client = await connected(server.connect())
    const events: string[] = []
    client.onAny((event: string) => events.push(event))
    const started = Date.now()
    expect(await nextEvent(client, 'disconnect')).toBe('io server disconnect')
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(events).toEqual([])
  })

  it('drops events sent before authentication; handlers run after', async () => {
    await using server = await serve({ secret: SECRET })
    const client = await connected(server.connect())
    client.emit('note', 'early')
    await expect(client.timeout(300).emitWithAck('note', 'early with ack')).rejects.toThrow()
    expect(await authenticate(client, sign())).toBe('authenticated')
    expect(await client.emitWithAck('note', 'late')).toBe('noted late')
    expect(server.notes).toEqual(['late'])
  })

  it('refuses a re-authentication for another subject', async () => {
    // No refresh floor: this test is about identity.
    await using server = await serve({ secret: SECRET, refreshIntervalMs: 0 })
    const client = await connected(server.connect())
    expect(await authenticate(client, sign({ sub: 'alice' }))).toBe('authenticated')
    const disconnect = nextEvent<string>(client, 'disconnect')
    expect(await authenticate(client, sign({ sub: 'mallory' }))).toEqual(
      refusal('jwt subject invalid'),
    )
    expect(await disconnect).toBe('io server disconnect')
  })

  it('refuses a re-authentication that switches issuer for the same sub (issue 10, B4)', async () => {
    // No refresh floor: this test is about identity.
    await using server = await serve({ secret: SECRET, refreshIntervalMs: 0 })
    const client = await connected(server.connect())
    expect(await authenticate(client, sign({ sub: 'alice', iss: 'https://a' }))).toBe(
      'authenticated',
    )
    const disconnect = nextEvent<string>(client, 'disconnect')
    expect(await authenticate(client, sign({ sub: 'alice', iss: 'https://b' }))).toEqual(
      refusal('jwt issuer invalid'),
    )
    expect(await disconnect).toBe('io server disconnect')
    expect(serverSocketsOf(server)).toEqual([])
  })

  it('refuses a re-authentication between tokens without sub (issue 10, B4)', async () => {
    // No refresh floor: this test is about identity.
    await using server = await serve({ secret: SECRET, refreshIntervalMs: 0 })
    const client = await connected(server.connect())
    expect(await authenticate(client, sign({ sub: undefined, name: 'anyone' }))).toBe(
      'authenticated',
    )
    const disconnect = nextEvent<string>(client, 'disconnect')
    expect(await authenticate(client, sign({ sub: undefined, name: 'admin' }))).toEqual(
      refusal('jwt subject invalid'),
    )
    expect(await disconnect).toBe('io server disconnect')
  })

  it('refuses a token whose sub is empty (issue 10, B5): "" names nobody', async () => {
    await using server = await serve({ secret: SECRET })
    const client = await connected(server.connect())
    expect(await authenticate(client, sign({ sub: '' }))).toEqual(refusal('jwt subject invalid'))
  })

  it('refuses a re-authentication sooner than refreshIntervalMs: rate_limited ack, socket kept, no additional_auth (issue 10, B6)', async () => {
    let checks = 0
    await using server = await serve({
      secret: SECRET,
      additional_auth: (_decoded, onSuccess) => {
        checks++
        onSuccess()
      },
    })
    const client = await connected(server.connect())
    // Only Date is faked: the drop-in's clock (and jsonwebtoken's). Sockets and timers run for
    // real. It starts a second behind, so that no token is ever issued ahead of the verifier's
    // own clock.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 1_000 })
    try {
      expect(await authenticate(client, sign())).toBe('authenticated')
      vi.advanceTimersByTime(400)
      const ack = (await client.timeout(2_000).emitWithAck('authenticate', {
        token: sign(),
      })) as Fields
      expect(ack).toMatchObject({ ok: false, code: 'rate_limited', retryAfterMs: 600 })
      expect(checks).toBe(1)
      // Still there, still authenticated: the app's handlers answer.
      expect(await client.emitWithAck('note', 'kept')).toBe('noted kept')
      vi.advanceTimersByTime(600)
      const later = (await client.timeout(2_000).emitWithAck('authenticate', {
        token: sign(),
      })) as Fields
      expect(later).toEqual({ ok: true, expiresAt: null })
      expect(checks).toBe(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('an additional_auth that throws is a server fault: server_error, its message never sent (issue 10, B7)', async () => {
    await using server = await serve({
      secret: SECRET,
      additional_auth: () => {
        throw Object.assign(new Error('pg: password authentication failed'), {
          code: 'token_invalid',
        })
      },
    })
    const client = await connected(server.connect())
    const payload = await authenticate(client, sign())
    expect(payload).toEqual(refusal('server error', 'server_error'))
  })

  it('runs additional_auth: onError(message, code) refuses with them, onSuccess admits', async () => {
    await using server = await serve({
      secret: SECRET,
      additional_auth: (decoded, onSuccess, onError) => {
        if (decoded.sub === 'banned') onError('you are banned', 'user_banned')
        else onSuccess()
      },
    })
    const banned = await connected(server.connect())
    expect(await authenticate(banned, sign({ sub: 'banned' }))).toEqual(
      refusal('you are banned', 'user_banned'),
    )
    const alice = await connected(server.connect())
    expect(await authenticate(alice, sign())).toBe('authenticated')
  })

  it('with required: false, never times out and does not hold the socket back', async () => {
    await using server = await serve({ secret: SECRET, required: false, timeout: 200 })
    const client = await connected(server.connect())
    // Real time: the drop-in's timeout is a plain timer (no clock to inject). Once any timer of up
    // to 200 ms set at the connection has come due, a disconnect it sent would precede the ack.
    await afterTimersOf(200)
    expect(await client.timeout(2_000).emitWithAck('note', 'anonymous')).toBe('noted anonymous')
    expect(client.connected).toBe(true)
  })

  it('also works when given to io.use() (as socketio-jwt README once showed)', async () => {
    await using server = await startServer({
      guard: false,
      setup: (io) => {
        io.use(socketioJwt.authorize({ secret: SECRET }))
        io.on('connection', (socket) => {
          socket.on('message', (text: string) => {
            io.emit('message', text)
          })
        })
      },
    })
    const alice = await connected(server.connect())
    const stranger = await connected(server.connect())
    const heard: unknown[] = []
    stranger.on('probe', (ack: () => void) => {
      ack()
    })
    stranger.onAny((event: string, ...args: unknown[]) => {
      if (event !== 'probe') heard.push([event, ...args])
    })
    expect(await authenticate(alice, sign())).toBe('authenticated')
    const message = nextEvent(alice, 'message')
    alice.emit('message', 'hi')
    expect(await message).toBe('hi')
    // A round trip on the stranger's connection: anything broadcast to it has arrived by now.
    await serverSocket(server, stranger).timeout(2_000).emitWithAck('probe')
    expect(heard).toEqual([])
  })

  it('gives authorizeEvents the claims (socket.data.auth)', async () => {
    await using server = await serve({ secret: SECRET }, (io) => {
      io.on('connection', authorizeEvents({ 'admin:kick': requireScope('admin') }))
      io.on('connection', (socket) => {
        socket.on('admin:kick', (_who: string, ack: (reply: string) => void) => {
          ack('kicked')
        })
      })
    })
    const user = await connected(server.connect())
    const admin = await connected(server.connect())
    expect(await authenticate(user, sign({ scope: 'chat' }))).toBe('authenticated')
    expect(await authenticate(admin, sign({ scope: 'chat admin' }))).toBe('authenticated')
    expect(await user.emitWithAck('admin:kick', 'bob')).toMatchObject({ code: 'forbidden' })
    expect(await admin.emitWithAck('admin:kick', 'bob')).toBe('kicked')
  })
})

describe('secret functions', () => {
  const SECRETS: Readonly<Record<string, string>> = {
    alice: `${SECRET}-for-alice`,
    bob: `${SECRET}-for-bob`,
  }

  it('calls (request, decodedToken, callback) with the unverified claims and the handshake request', async () => {
    const requests: unknown[] = []
    const secret: SecretFunction = (request, decoded, callback) => {
      requests.push((request as IncomingMessage).headers.host)
      callback(null, SECRETS[String(decoded.sub)])
    }
    await using server = await serve({ secret })
    const alice = await connected(server.connect())
    expect(await authenticate(alice, sign({ sub: 'alice' }, SECRETS.alice))).toBe('authenticated')
    const bob = await connected(server.connect())
    // Signed with Alice's secret but claiming to be Bob: Bob's secret does not verify it.
    expect(await authenticate(bob, sign({ sub: 'bob' }, SECRETS.alice))).toEqual(
      refusal('invalid signature'),
    )
    expect(requests).toEqual([
      expect.stringContaining('127.0.0.1'),
      expect.stringContaining('127.0.0.1'),
    ])
  })

  it('calls (request, header, decodedToken, callback) when the function takes four arguments', async () => {
    const keys: Readonly<Record<string, string>> = { k1: SECRET }
    await using server = await serve({
      secret: (
        _request: unknown,
        header: Fields,
        _decoded: Fields,
        callback: (e: unknown, s?: unknown) => void,
      ) => {
        callback(null, keys[String(header.kid)])
      },
    })
    const client = await connected(server.connect())
    expect(await authenticate(client, signWithHeader({ kid: 'k1' }, { sub: 'alice' }))).toBe(
      'authenticated',
    )
  })

  it('accepts a function returning a promise', async () => {
    await using server = await serve({
      secret: ((_request: unknown, decoded: Fields) =>
        Promise.resolve(SECRETS[String(decoded.sub)])) satisfies SecretFunction,
    })
    const client = await connected(server.connect())
    expect(await authenticate(client, sign({ sub: 'bob' }, SECRETS.bob))).toBe('authenticated')
  })

  it.each([
    [
      'an error',
      (callback: (e: unknown, s?: unknown) => void) => {
        callback(new Error('db at 10.0.0.7 down'))
      },
    ],
    [
      'no secret',
      (callback: (e: unknown, s?: unknown) => void) => {
        callback(null)
      },
    ],
    [
      'an empty secret',
      (callback: (e: unknown, s?: unknown) => void) => {
        callback(null, '')
      },
    ],
    [
      'a short secret',
      (callback: (e: unknown, s?: unknown) => void) => {
        callback(null, 'SECRET_KEY')
      },
    ],
    [
      'a thrown error',
      () => {
        throw new Error('bug')
      },
    ],
  ])(
    'refuses with invalid_secret when the function gives %s, and says nothing more',
    async (_name, give) => {
      await using server = await serve({
        secret: ((_request, _decoded, callback) => {
          give(callback)
        }) satisfies SecretFunction,
      })
      const client = await connected(server.connect())
      expect(await authenticate(client, sign())).toEqual(
        refusal('invalid secret', 'invalid_secret'),
      )
    },
  )

  it("refuses an 'alg: none' token before calling the function", async () => {
    let called = false
    await using server = await serve({
      secret: ((_request, _decoded, callback) => {
        called = true
        callback(null, '')
      }) satisfies SecretFunction,
    })
    const client = await connected(server.connect())
    expect(await authenticate(client, unsigned())).toEqual(refusal('jwt signature is required'))
    expect(called).toBe(false)
  })
})

describe('keys and algorithms', () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const claims: Fields = { sub: 'alice' }

  it('verifies RS256 with a PEM public key as `secret` and algorithms: [RS256]', async () => {
    await using server = await serve({ secret: publicPem, algorithms: ['RS256'] })
    const client = await connected(server.connect())
    const token = jwt.sign(claims, privateKey, { algorithm: 'RS256' })
    expect(await authenticate(client, token)).toBe('authenticated')
    // The classic confusion: HS256 signed with the public key as the HMAC secret.
    const confused = await connected(server.connect())
    expect(await authenticate(confused, sign({}, publicPem))).toEqual(refusal('invalid algorithm'))
  })

  it('refuses a PEM key with the default HMAC algorithms at creation', () => {
    expect(() => authorize({ secret: publicPem })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'secret' }),
    )
  })

  it('accepts only HS256 by default', async () => {
    await using server = await serve({ secret: SECRET })
    const client = await connected(server.connect())
    expect(await authenticate(client, jwt.sign(claims, SECRET, { algorithm: 'HS512' }))).toEqual(
      refusal('invalid algorithm'),
    )
  })

  it.each([
    ['audience', { audience: 'chat' }, { aud: 'billing' }, 'jwt audience invalid. expected: chat'],
    [
      'issuer',
      { issuer: 'https://idp.example' },
      { iss: 'https://evil.example' },
      'jwt issuer invalid. expected: https://idp.example',
    ],
    ['jwtid', { jwtid: 'abc' }, { jti: 'xyz' }, 'jwt jwtid invalid. expected: abc'],
    ['maxAge', { maxAge: 60 }, { iat: Math.floor(Date.now() / 1000) - 3_600 }, 'maxAge exceeded'],
    ['requireExp', { requireExp: true }, {}, null],
  ])("checks jsonwebtoken's %s option", async (_name, options, claims, message) => {
    await using server = await serve({ secret: SECRET, ...options })
    const client = await connected(server.connect())
    const outcome = await authenticate(client, sign(claims))
    expect(outcome).not.toBe('authenticated')
    if (message !== null) expect(outcome).toEqual(refusal(message))
  })
})

describe('handshake mode', () => {
  const start = (options: Omit<AuthorizeOptions, 'handshake'> = {}): Promise<PlainServer> =>
    startServer({
      guard: false,
      setup: (io) => {
        io.use(authorize({ secret: SECRET, ...options, handshake: true }))
        io.on('connection', (socket) => {
          const auth: Fields = socket.handshake.auth
          socket.emit('welcome', {
            decoded: (socket as unknown as Fields).decoded_token,
            query: socket.handshake.query.token ?? null,
            auth: auth.token ?? null,
            header: socket.handshake.headers.authorization ?? null,
          })
        })
      },
    })

  it.each([
    ['the token query parameter', { query: { token: sign() } }],
    ['auth.token', { auth: { token: sign() } }],
    ['auth.token with Bearer', { auth: { token: `Bearer ${sign()}` } }],
    ['an Authorization: Bearer header', { extraHeaders: { Authorization: `Bearer ${sign()}` } }],
  ])(
    'takes the token from %s, sets decoded_token and removes the token',
    async (_name, options) => {
      await using server = await start()
      const client = server.connect(options)
      const welcome = await nextEvent<Fields>(client, 'welcome')
      expect(welcome).toEqual({
        decoded: expect.objectContaining({ sub: 'alice', name: 'Alice' }) as unknown,
        query: null,
        auth: null,
        header: null,
      })
    },
  )

  it.each([
    ['no token', {}, 'credentials_required', 'no token provided'],
    [
      'a bad Authorization header',
      { extraHeaders: { Authorization: 'Bearer a b' } },
      'credentials_bad_format',
      'Format is Authorization: Bearer [token]',
    ],
    [
      'an expired token',
      { auth: { token: sign({ exp: 1_000_000 }) } },
      'invalid_token',
      'jwt expired',
    ],
    [
      'an alg none token',
      { query: { token: unsigned() } },
      'invalid_token',
      'jwt signature is required',
    ],
    [
      'a token that is not a string',
      { auth: { token: 123 } },
      'invalid_token',
      'jwt must be a string',
    ],
  ])("refuses %s with socketio-jwt's connect_error data", async (_name, options, code, message) => {
    await using server = await start()
    const client = server.connect(options)
    const error = await nextEvent<Error & { data: unknown }>(client, 'connect_error')
    expect(error.message).toBe(message)
    expect(error.data).toEqual({ message, code, type: 'UnauthorizedError' })
  })

  it('with auth_header_required, takes the token from the Authorization header only', async () => {
    await using server = await start({ auth_header_required: true })
    const queried = server.connect({ query: { token: sign() } })
    expect((await nextEvent<Error & { data: unknown }>(queried, 'connect_error')).data).toEqual({
      message: 'Server requires Authorization Header',
      code: 'missing_authorization_header',
      type: 'UnauthorizedError',
    })
    const headed = server.connect({ extraHeaders: { Authorization: `Bearer ${sign()}` } })
    expect(await nextEvent(headed, 'welcome')).toMatchObject({ decoded: { sub: 'alice' } })
  })

  it('runs the secret function, customDecoded and additional_auth', async () => {
    await using server = await start({
      secret: ((_request, decoded, callback) => {
        callback(null, decoded.sub === 'alice' ? SECRET : undefined)
      }) satisfies SecretFunction,
      customDecoded: (decoded) => ({ who: decoded.sub }),
      additional_auth: (decoded, onSuccess, onError) => {
        if (decoded.name === 'Eve') onError({ message: 'not you' }, 'not_allowed')
        else onSuccess()
      },
    })
    const alice = server.connect({ query: { token: sign() } })
    expect(await nextEvent(alice, 'welcome')).toMatchObject({ decoded: { who: 'alice' } })
    const eve = server.connect({ query: { token: sign({ name: 'Eve' }) } })
    expect((await nextEvent<Error & { data: unknown }>(eve, 'connect_error')).data).toEqual({
      message: 'not you',
      code: 'not_allowed',
      type: 'UnauthorizedError',
    })
    const bob = server.connect({ query: { token: sign({ sub: 'bob' }) } })
    expect((await nextEvent<Error & { data: unknown }>(bob, 'connect_error')).data).toMatchObject({
      code: 'invalid_secret',
    })
  })
})

describe('options', () => {
  it.each([
    ['cookie', { cookie: 'token' }],
    ['ignoreExpiration', { ignoreExpiration: true }],
    ['ignoreNotBefore', { ignoreNotBefore: true }],
    ['complete', { complete: true }],
    ['nonce', { nonce: 'n' }],
    ['jwks', { jwks: 'https://idp.example/jwks' }],
    ['audiance', { audiance: 'typo' }],
    ['algorithms', { algorithms: ['none'] }],
    ['algorithms', { algorithms: ['HS256', 'RS256'] }],
    ['maxAge', { maxAge: '2d' }],
    ['audience', { audience: /chat/ }],
    ['decodedPropertyName', { decodedPropertyName: 'emit' }],
    ['decodedPropertyName', { decodedPropertyName: 'data' }],
    // Issue 10, B8: inherited socket methods and Object.prototype names.
    ...[
      'emitReserved',
      'on',
      'listeners',
      'removeAllListeners',
      'toString',
      'valueOf',
      'prototype',
      'constructor',
      'hasOwnProperty',
      'id',
      'handshake',
      'nsp',
    ].flatMap((name): [string, Fields][] => [
      ['decodedPropertyName', { decodedPropertyName: name }],
      ['encodedPropertyName', { encodedPropertyName: name }],
    ]),
    ['callback', { callback: true }],
    ['timeout', { timeout: 1.5 }],
    // attack3 F4: the raw token would replace the claims (and be logged as them).
    ['encodedPropertyName', { encodedPropertyName: 'decoded_token' }],
    ['encodedPropertyName', { decodedPropertyName: 'user', encodedPropertyName: 'user' }],
    ['encodedPropertyName', { handshake: true, encodedPropertyName: 'decoded_token' }],
  ])('throws a TypeError naming %s at creation', (option, extra) => {
    let error: unknown
    try {
      authorize({ secret: SECRET, ...extra } as AuthorizeOptions)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TypeError)
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect(error).toMatchObject({ code: 'invalid_option', option })
  })

  it.each([
    ['a missing secret', {}],
    ['an empty secret', { secret: '' }],
    ["the seed's 10-byte secret", { secret: 'SECRET_KEY' }],
  ])('throws for %s', (_name, options) => {
    expect(() => authorize(options as AuthorizeOptions)).toThrow(InvalidOptionError)
  })

  it("has socketio-jwt's CommonJS shape and error class", () => {
    expect(socketioJwt.authorize).toBe(authorize)
    expect(socketioJwt.UnauthorizedError).toBe(UnauthorizedError)
    const error = new UnauthorizedError('invalid_token', { message: 'jwt expired' })
    expect(error).toBeInstanceOf(Error)
    expect(JSON.parse(JSON.stringify(error))).toEqual(refusal('jwt expired'))
  })
})
