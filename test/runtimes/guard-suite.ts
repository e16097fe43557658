// The guard's end-to-end suite, runtime-neutral: run by Node, Bun and Deno as a plain script
// (test/runtimes/runtimes.test.ts spawns it under each). It uses only node:assert, node:crypto,
// node:http, node:process, socket.io, socket.io-client and the package as built (the file named by
// SOCKGUARD_ENTRY, the packed package's dist/index.js), never vitest, so what it proves is the
// runtime's own behaviour.
//
// The clients run in the same process as the server: the tests move the guard's clock (an
// in-process variable, the `now` option) and call `guard.revoke()` in lockstep with what the
// clients see, which a client in another process would need a control channel for. The wire is
// still real: loopback TCP through the runtime's HTTP server (node:http, or Bun.serve through
// @socket.io/bun-engine with SUITE_ENGINE=bun-engine) and its WebSocket.
//
// Output: one JSON line per case on stdout, `{ case, status: 'pass' | 'fail' | 'skip', ms, error?,
// note? }`, after a first line `{ runtime, version, engine }`; the exit status is 1 when a case
// failed. Only erasable TypeScript (no enums, no parameter properties), so that Node strips the
// types natively; Node 20.19, which cannot, runs it through tsx.
import assert from 'node:assert/strict'
import { createHmac, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto'
import { createServer, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import process from 'node:process'
import { Server, type Socket } from 'socket.io'
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client'

type Sockguard = typeof import('../../src/index.js')

/** The cases, in order: runtimes.test.ts expects exactly these names. */
export const CASES = [
  'handshake accepted (websocket and polling, auth and header)',
  'key import and verify (RS256 PEM, PS256, ES256 JWK, EdDSA JWK)',
  'refused: token_missing',
  'refused: token_malformed',
  'refused: token_invalid',
  'refused: token_expired',
  'refused: token_not_active',
  'refused: claim_invalid',
  'refused: key_not_found',
  'refused: keys_unavailable',
  'refused: rate_limited',
  'refused: server_error',
  'refused: store_unavailable',
  'refused: auth_timeout (post-connect)',
  'post-connect authenticate accepted',
  'expiry of a live socket (auth:expiring, token_expired)',
  'in-band refresh (authenticate)',
  'revocation by sub',
  'revocation by jti',
  'per-event rules (authorizeEvents, requireScope, requireClaim)',
  'require(esm): a CommonJS require() of the package',
  'rooms: room:join allowed and denied (ack codes)',
  'rooms: a server-side join of a denied room does not happen',
  'rooms: a refresh and guard.recheck narrowing the claims remove the room (room:removed)',
] as const

const ENGINE = process.env.SUITE_ENGINE ?? 'node-http'
const ENTRY = process.env.SOCKGUARD_ENTRY
const ONLY = process.env.SUITE_ONLY

/** A whole-second instant far from the real clock, for tokens checked against the test clock. */
const EPOCH_S = 2_000_000_000
const SECRET = 'runtime-matrix-secret-0123456789abcdef'
const ISSUER = 'https://issuer.example'
const AUDIENCE = 'chat'

// The guard's clock: real speed from an instant the test sets (an in-process variable).
let offset = 0
const now = (): number => Date.now() + offset
const setClock = (ms: number): void => {
  offset = ms - Date.now()
}
const nowS = (): number => Math.floor(now() / 1000)

const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** HS256 token over `claims` (iss, aud, sub, iat, exp filled in unless given). */
function hs256(claims: Record<string, unknown> = {}, secret = SECRET): string {
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: nowS(), exp: nowS() + 3600 }
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ ...payload, ...claims })}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

/** A token signed with `key` by node:crypto (JOSE's R || S for ECDSA, PSS salt = hash length). */
function signed(alg: string, key: KeyObject, header: Record<string, unknown> = {}): string {
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'alice', iat: nowS(), exp: nowS() + 600 }
  const input = `${b64({ alg, ...header })}.${b64(payload)}`
  const data = Buffer.from(input)
  let signature: Buffer
  if (alg === 'ES256') signature = cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
  else if (alg === 'PS256')
    signature = cryptoSign('sha256', data, { key, padding: 6, saltLength: 32 })
  else if (alg === 'EdDSA') signature = cryptoSign(null, data, key)
  else signature = cryptoSign('sha256', data, key)
  return `${input}.${signature.toString('base64url')}`
}

interface Running {
  readonly io: Server
  readonly url: string
  readonly guard: ReturnType<Sockguard['createGuard']>
  readonly clients: ClientSocket[]
  close(): Promise<void>
}

let sockguard: Sockguard

/** A Socket.IO server on loopback, on this run's engine, guarded by a guard of `options`. */
async function startServer(options: Record<string, unknown> = {}): Promise<Running> {
  const base = { secret: SECRET, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }
  const hasKeySource = ['secret', 'publicKey', 'jwks', 'jwksUri', 'verifier'].some(
    (key) => key in options,
  )
  const guard = sockguard.createGuard({
    now,
    refreshIntervalMs: 0,
    ...(hasKeySource ? {} : base),
    ...options,
  } as Parameters<Sockguard['createGuard']>[0])
  const clients: ClientSocket[] = []
  let url: string
  let stop: () => Promise<void>
  const io = new Server({ pingInterval: 60_000, pingTimeout: 60_000 })
  if (ENGINE === 'bun-engine') {
    const { Server: Engine } = (await import(process.env.BUN_ENGINE_ENTRY!)) as {
      Server: new (options: Record<string, unknown>) => {
        handler(): Record<string, unknown>
      }
    }
    const engine = new Engine({ path: '/socket.io/', pingInterval: 60_000, pingTimeout: 60_000 })
    ;(io as unknown as { bind(engine: unknown): void }).bind(engine)
    const bun = (globalThis as unknown as { Bun: { serve(o: object): BunServer } }).Bun
    interface BunServer {
      readonly port: number
      stop(force?: boolean): Promise<void> | void
    }
    const server = bun.serve({ port: 0, hostname: '127.0.0.1', ...engine.handler() })
    url = `http://127.0.0.1:${server.port}`
    stop = async () => {
      await server.stop(true)
    }
  } else {
    const http: HttpServer = createServer()
    io.attach(http)
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    // io.close() closes the HTTP server too.
    stop = () => Promise.resolve()
  }
  guard.attach(io)
  return {
    io,
    url,
    guard,
    clients,
    async close() {
      for (const client of clients) client.disconnect()
      await guard.close()
      io.disconnectSockets(true)
      await io.close()
      await stop()
    },
  }
}

type ClientOptions = Parameters<typeof connectClient>[1]

function connect(server: Running, options: ClientOptions = {}): ClientSocket {
  const client = connectClient(server.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
    ...options,
  })
  server.clients.push(client)
  return client
}

/** The next `event` of `emitter`'s, with its first argument; rejects after `ms`. */
function next<T = unknown>(
  emitter: { once(event: string, listener: (value: T) => void): unknown; off?: unknown },
  event: string,
  ms = 5_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no "${event}" within ${ms} ms`))
    }, ms)
    emitter.once(event, (value: T) => {
      clearTimeout(timer)
      resolve(value)
    })
  })
}

/** Resolves when the client is connected; rejects with the refusal's code. */
async function connected(client: ClientSocket): Promise<string> {
  if (client.connected) return client.id!
  await Promise.race([
    next(client, 'connect'),
    next<Error & { data?: { code?: string } }>(client, 'connect_error').then((error) => {
      throw new Error(`refused: ${error.message} ${JSON.stringify(error.data)}`)
    }),
  ])
  return client.id!
}

/** The refusal's `{ code, message }`, checked to hold neither the token nor a stack frame. */
async function refused(client: ClientSocket, token?: string): Promise<string> {
  const error = await Promise.race([
    next<Error & { data?: { code: string; message: string } }>(client, 'connect_error'),
    next(client, 'connect').then(() => {
      throw new Error('connected, expected a refusal')
    }),
  ])
  const data = error.data
  assert.ok(data !== undefined, `connect_error without data: ${error.message}`)
  assert.deepEqual(Object.keys(data).sort(), ['code', 'message'])
  const seen = `${error.message}\n${JSON.stringify(data)}`
  if (token !== undefined) assert.ok(!seen.includes(token), 'the refusal leaks the token')
  assert.doesNotMatch(seen, /\bat .+:\d+:\d+/)
  return data.code
}

/** A refused handshake of a guard of `options` with `auth`, expected to carry `code`. */
async function expectCode(
  code: string,
  auth: Record<string, unknown>,
  options: Record<string, unknown> = {},
): Promise<void> {
  const server = await startServer(options)
  try {
    const token = typeof auth.token === 'string' ? auth.token : undefined
    assert.equal(await refused(connect(server, { auth }), token), code)
  } finally {
    await server.close()
  }
}

const authOf = (socket: Socket): { claims: Record<string, unknown>; expiresAt: number | null } =>
  (socket.data as { auth: { claims: Record<string, unknown>; expiresAt: number | null } }).auth

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve()
    }),
  )
  return port
}

/** Resolves if `event` does not come within `ms`; rejects when it does. */
function nothing(client: ClientSocket, event: string, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const listener = (value: unknown): void => {
      clearTimeout(timer)
      reject(new Error(`unexpected "${event}": ${JSON.stringify(value)}`))
    }
    const timer = setTimeout(() => {
      client.off(event, listener)
      resolve()
    }, ms)
    client.once(event, listener)
  })
}

type Ack = { ok: boolean; code?: string; expiresAt?: number | null }
const refresh = (client: ClientSocket, token: string): Promise<Ack> =>
  client.timeout(5_000).emitWithAck('authenticate', { token }) as Promise<Ack>

type RoomAck = { ok: boolean; code?: string; message?: string }

/**
 * Proves that a broadcast to `room` does not reach `outsider`: `control`, in the room, receives
 * `msg` n, and `outsider` receives a message sent after the broadcast (to its own room) first.
 * One connection keeps the server's packets in order, so a broadcast that reached it would come
 * before.
 */
async function noBroadcast(
  server: Running,
  room: string,
  control: ClientSocket,
  outsider: ClientSocket,
  n: number,
): Promise<void> {
  const got = next<number>(control, 'msg')
  let leaked: unknown
  const listener = (value: unknown): void => {
    leaked = value
  }
  outsider.on('msg', listener)
  try {
    const probed = next(outsider, 'probe')
    server.io.to(room).emit('msg', n)
    server.io.to(outsider.id!).emit('probe')
    await probed
    assert.equal(leaked, undefined, `the broadcast to ${room} reached a socket outside it`)
    assert.equal(await got, n)
  } finally {
    outsider.off('msg', listener)
  }
}

/** Marks a case skipped, with the reason. */
class Skip extends Error {}

const cases: Record<(typeof CASES)[number], () => Promise<unknown>> = {
  async 'handshake accepted (websocket and polling, auth and header)'() {
    const server = await startServer()
    try {
      const seen: Socket[] = []
      server.io.on('connection', (socket) => seen.push(socket))
      const token = hs256({ sub: 'alice' })
      await connected(connect(server, { auth: { token } }))
      const polling = connect(server, {
        transports: ['polling'],
        extraHeaders: { authorization: `Bearer ${hs256({ sub: 'bob' })}` },
      })
      await connected(polling)
      assert.equal(seen.length, 2)
      assert.equal(authOf(seen[0]!).claims.sub, 'alice')
      assert.equal(authOf(seen[1]!).claims.sub, 'bob')
      assert.equal(typeof authOf(seen[0]!).expiresAt, 'number')
      assert.equal((seen[0]!.handshake.auth as { token?: unknown }).token, undefined)
      // An event round trip on each transport.
      server.io.on('connection', () => undefined)
      for (const socket of seen)
        socket.on('echo', (value: unknown, ack: (v: unknown) => void) => {
          ack(value)
        })
      for (const client of server.clients)
        assert.equal(await client.timeout(5_000).emitWithAck('echo', 42), 42)
      // Which server engine carried it: Bun's engine hands Socket.IO a Fetch Request.
      const request = seen[0]!.request as unknown as { constructor: { name: string } }
      return `server request object: ${request.constructor.name}`
    } finally {
      await server.close()
    }
  },

  async 'key import and verify (RS256 PEM, PS256, ES256 JWK, EdDSA JWK)'() {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const ed = generateKeyPairSync('ed25519')
    const common = { issuer: ISSUER, audience: AUDIENCE, now }
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString()
    const rs = sockguard.createVerifier({
      publicKey: pem,
      algorithms: ['RS256', 'PS256'],
      ...common,
    })
    assert.equal((await rs.verify(signed('RS256', rsa.privateKey))).claims.sub, 'alice')
    assert.equal((await rs.verify(signed('PS256', rsa.privateKey))).claims.sub, 'alice')
    const jwk = (key: KeyObject, kid: string, alg: string) => ({
      ...(key.export({ format: 'jwk' }) as Record<string, unknown>),
      kid,
      alg,
      use: 'sig',
    })
    const jwks = { keys: [jwk(ec.publicKey, 'ec-1', 'ES256'), jwk(ed.publicKey, 'ed-1', 'EdDSA')] }
    const set = sockguard.createVerifier({
      jwks,
      algorithms: ['ES256', 'EdDSA'],
      ...common,
    } as never)
    assert.equal(
      (await set.verify(signed('ES256', ec.privateKey, { kid: 'ec-1' }))).claims.sub,
      'alice',
    )
    assert.equal(
      (await set.verify(signed('EdDSA', ed.privateKey, { kid: 'ed-1' }))).claims.sub,
      'alice',
    )
    // A forged signature (another key of the same curve) is token_invalid.
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    await assert.rejects(set.verify(signed('ES256', other.privateKey, { kid: 'ec-1' })), {
      code: 'token_invalid',
    })
    // And the guard over that verifier admits an ES256 handshake.
    const server = await startServer({ verifier: set })
    try {
      await connected(
        connect(server, { auth: { token: signed('ES256', ec.privateKey, { kid: 'ec-1' }) } }),
      )
    } finally {
      await server.close()
    }
  },

  'refused: token_missing': () => expectCode('token_missing', {}),
  'refused: token_malformed': () => expectCode('token_malformed', { token: 'not.a-jws' }),
  'refused: token_invalid': () =>
    expectCode('token_invalid', { token: hs256({}, 'another-secret-0123456789abcdefghij') }),
  'refused: token_expired': () =>
    expectCode('token_expired', { token: hs256({ iat: nowS() - 120, exp: nowS() - 60 }) }),
  'refused: token_not_active': () =>
    expectCode('token_not_active', { token: hs256({ nbf: nowS() + 600 }) }),
  'refused: claim_invalid': () =>
    expectCode('claim_invalid', { token: hs256({ aud: 'another-service' }) }),

  async 'refused: key_not_found'() {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = {
      ...(ec.publicKey.export({ format: 'jwk' }) as object),
      kid: 'known',
      alg: 'ES256',
      use: 'sig',
    }
    const token = signed('ES256', ec.privateKey, { kid: 'unknown' })
    await expectCode('key_not_found', { token }, { jwks: { keys: [jwk] }, algorithms: ['ES256'] })
  },

  async 'refused: keys_unavailable'() {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwksUri = `http://127.0.0.1:${await closedPort()}/jwks.json`
    const token = signed('ES256', ec.privateKey, { kid: 'k' })
    await expectCode('keys_unavailable', { token }, { jwksUri, algorithms: ['ES256'] })
  },

  async 'refused: rate_limited'() {
    const server = await startServer({ rateLimit: { points: 2, durationMs: 60_000 } })
    try {
      const bad = hs256({}, 'another-secret-0123456789abcdefghij')
      assert.equal(await refused(connect(server, { auth: { token: bad } })), 'token_invalid')
      assert.equal(await refused(connect(server, { auth: { token: bad } })), 'token_invalid')
      assert.equal(await refused(connect(server, { auth: { token: hs256() } })), 'rate_limited')
    } finally {
      await server.close()
    }
  },

  'refused: server_error': () =>
    expectCode(
      'server_error',
      { token: hs256() },
      {
        onAuthenticated() {
          throw new Error('the user database is down')
        },
      },
    ),

  'refused: store_unavailable': () =>
    expectCode(
      'store_unavailable',
      { token: hs256() },
      {
        revocationSweepMs: 0,
        revocationStore: {
          revokeSubject() {},
          revokeToken() {},
          isRevoked() {
            return Promise.reject(new Error('redis is down'))
          },
        },
      },
    ),

  async 'refused: auth_timeout (post-connect)'() {
    const server = await startServer({ mode: 'post-connect', timeoutMs: 300 })
    try {
      const client = connect(server)
      const unauthorized = next<{ code: string }>(client, 'unauthorized', 5_000)
      const gone = next(client, 'disconnect', 5_000)
      await connected(client)
      assert.equal((await unauthorized).code, 'auth_timeout')
      await gone
    } finally {
      await server.close()
    }
  },

  async 'post-connect authenticate accepted'() {
    const server = await startServer({ mode: 'post-connect', timeoutMs: 5_000 })
    try {
      const client = connect(server)
      await connected(client)
      const ack = await refresh(client, hs256({ sub: 'carol' }))
      assert.equal(ack.ok, true)
      const bad = await refresh(client, 'garbage')
      assert.equal(bad.ok, false) // a refresh with garbage now: refused, the socket ends
    } finally {
      await server.close()
    }
  },

  async 'expiry of a live socket (auth:expiring, token_expired)'() {
    const server = await startServer({ expiringWarningMs: 500 })
    try {
      const exp = EPOCH_S
      setClock(exp * 1000 - 1_500)
      const client = connect(server, { auth: { token: hs256({ iat: exp - 3600, exp }) } })
      const order: string[] = []
      client.onAny((event: string) => order.push(event))
      client.on('disconnect', () => order.push('disconnect'))
      const expiring = next<{ expiresAt: number }>(client, 'auth:expiring', 5_000)
      const unauthorized = next<{ code: string }>(client, 'unauthorized', 5_000)
      const gone = next(client, 'disconnect', 5_000)
      await connected(client)
      assert.equal((await expiring).expiresAt, exp * 1000)
      assert.equal((await unauthorized).code, 'token_expired')
      await gone
      assert.deepEqual(order, ['auth:expiring', 'unauthorized', 'disconnect'])
    } finally {
      offset = 0
      await server.close()
    }
  },

  async 'in-band refresh (authenticate)'() {
    const server = await startServer({ expiringWarningMs: 200 })
    try {
      const exp = EPOCH_S
      setClock(exp * 1000 - 1_500)
      const client = connect(server, { auth: { token: hs256({ iat: exp - 3600, exp, jti: 'a' }) } })
      const id = await connected(client)
      const authenticated = next<{ expiresAt: number }>(client, 'authenticated')
      const ack = await refresh(client, hs256({ iat: exp - 10, exp: exp + 3600, jti: 'b' }))
      assert.deepEqual(ack, { ok: true, expiresAt: (exp + 3600) * 1000 })
      assert.equal((await authenticated).expiresAt, (exp + 3600) * 1000)
      // The old deadline passes: the socket stays, on the same id.
      await nothing(client, 'unauthorized', 1_700)
      assert.equal(client.connected, true)
      assert.equal(client.id, id)
      // Another subject is refused, and ends the socket.
      const unauthorized = next<{ code: string }>(client, 'unauthorized')
      const gone = next(client, 'disconnect')
      const denied = await refresh(client, hs256({ sub: 'mallory', exp: exp + 7200 }))
      assert.equal(denied.ok, false)
      assert.equal(denied.code, 'claim_invalid')
      assert.equal((await unauthorized).code, 'claim_invalid')
      await gone
    } finally {
      offset = 0
      await server.close()
    }
  },

  async 'revocation by sub'() {
    const server = await startServer()
    try {
      const iat = nowS() - 5
      const alice1 = connect(server, { auth: { token: hs256({ sub: 'alice', iat, jti: '1' }) } })
      const alice2 = connect(server, {
        transports: ['polling'],
        auth: { token: hs256({ sub: 'alice', iat, jti: '2' }) },
      })
      const bob = connect(server, { auth: { token: hs256({ sub: 'bob', iat }) } })
      await Promise.all([connected(alice1), connected(alice2), connected(bob)])
      const told = [alice1, alice2].map((c) => next<{ code: string }>(c, 'unauthorized'))
      const gone = [alice1, alice2].map((c) => next(c, 'disconnect'))
      await server.guard.revoke({ sub: 'alice' })
      for (const payload of await Promise.all(told)) assert.equal(payload.code, 'token_revoked')
      await Promise.all(gone)
      await nothing(bob, 'unauthorized', 200)
      assert.equal(bob.connected, true)
      // A handshake with a token issued before the revocation is refused.
      const again = connect(server, { auth: { token: hs256({ sub: 'alice', iat }) } })
      assert.equal(await refused(again), 'token_revoked')
    } finally {
      await server.close()
    }
  },

  async 'revocation by jti'() {
    const server = await startServer()
    try {
      const one = connect(server, { auth: { token: hs256({ jti: 'one' }) } })
      const two = connect(server, { auth: { token: hs256({ jti: 'two' }) } })
      await Promise.all([connected(one), connected(two)])
      const told = next<{ code: string }>(one, 'unauthorized')
      await server.guard.revoke({ jti: 'one', iss: ISSUER })
      assert.equal((await told).code, 'token_revoked')
      await nothing(two, 'unauthorized', 200)
      assert.equal(two.connected, true)
      assert.equal(
        await refused(connect(server, { auth: { token: hs256({ jti: 'one' }) } })),
        'token_revoked',
      )
      await connected(connect(server, { auth: { token: hs256({ jti: 'three' }) } }))
    } finally {
      await server.close()
    }
  },

  async 'per-event rules (authorizeEvents, requireScope, requireClaim)'() {
    const server = await startServer()
    try {
      const { authorizeEvents, requireScope, requireClaim } = sockguard
      const reached: string[] = []
      const policy = authorizeEvents({
        'admin:kick': requireScope('admin'),
        'billing:refund': requireClaim('role', 'finance'),
      })
      server.io.on('connection', (socket) => {
        policy(socket)
        for (const event of ['admin:kick', 'billing:refund', 'chat:send'])
          socket.on(event, (...args: unknown[]) => {
            reached.push(event)
            const ack = args.at(-1)
            if (typeof ack === 'function') (ack as (v: unknown) => void)({ ok: true })
          })
      })
      const client = connect(server, {
        auth: { token: hs256({ scope: 'chat read', role: ['support', 'finance'] }) },
      })
      await connected(client)
      const call = (event: string) =>
        client.timeout(5_000).emitWithAck(event, 'x') as Promise<{ ok: boolean; code?: string }>
      assert.deepEqual(await call('chat:send'), { ok: true })
      assert.deepEqual(await call('billing:refund'), { ok: true })
      const denied = await call('admin:kick')
      assert.equal(denied.ok, false)
      assert.equal(denied.code, 'forbidden')
      // Without an ack, a `forbidden` event.
      const forbidden = next<{ event: string; code: string }>(client, 'forbidden')
      client.emit('admin:kick', 'y')
      assert.deepEqual(
        { ...(await forbidden), message: undefined },
        { event: 'admin:kick', code: 'forbidden', message: undefined },
      )
      assert.deepEqual(reached, ['chat:send', 'billing:refund'])
      // A refresh granting the scope takes effect on the next event.
      assert.equal((await refresh(client, hs256({ scope: 'chat admin' }))).ok, true)
      assert.deepEqual(await call('admin:kick'), { ok: true })
      assert.deepEqual(await call('billing:refund').then((a) => a.code), 'forbidden')
    } finally {
      await server.close()
    }
  },

  async 'require(esm): a CommonJS require() of the package'() {
    // What a CommonJS app (NestJS's default) does: require() of the ESM entry, unflagged from
    // Node 20.19 on. On Node 20.19 this suite runs under tsx, whose require hook loads a second
    // copy of the module, so only Node 26, Bun and Deno also show that require() returns the very
    // module import() loaded.
    const required = createRequire(import.meta.url)(ENTRY!) as Sockguard
    assert.equal(typeof required.createGuard, 'function')
    if (!process.execArgv.includes('tsx')) assert.equal(required.AuthError, sockguard.AuthError)
    const verifier = required.createVerifier({
      secret: SECRET,
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    })
    assert.equal((await verifier.verify(hs256())).claims.sub, 'alice')
  },

  async 'rooms: room:join allowed and denied (ack codes)'() {
    const { requireScope } = sockguard
    const server = await startServer({
      rooms: {
        policy: {
          admin: requireScope('admin'),
          'user:{sub}': (claims: { sub?: unknown }, _room: string, params: { sub: string }) =>
            claims.sub === params.sub,
          // An async rule, as a database lookup would be.
          'doc:{id}': (_claims: unknown, _room: string, params: { id: string }) =>
            Promise.resolve(params.id === '1'),
        },
        grantsClaim: 'rooms',
      },
    })
    try {
      const joined = next<Socket>(server.io, 'connection')
      const client = connect(server, {
        auth: { token: hs256({ sub: 'alice', scope: 'chat', rooms: ['team:*'] }) },
      })
      await connected(client)
      const socket = await joined
      const call = (event: string, payload: unknown) =>
        client.timeout(5_000).emitWithAck(event, payload) as Promise<RoomAck>
      const join = (room: string) => call('room:join', { room })
      for (const room of ['user:alice', 'team:red', 'doc:1'])
        assert.deepEqual(await join(room), { ok: true }, room)
      // Another user's room, a missing scope, an async rule saying no, an unlisted room, another
      // socket's id, and a payload that is not `{ room }`: refused, and the socket stays.
      const other = connect(server, { auth: { token: hs256({ sub: 'bob' }) } })
      const otherId = await connected(other)
      for (const payload of [
        { room: 'user:bob' },
        { room: 'admin' },
        { room: 'doc:2' },
        { room: 'lobby' },
        { room: otherId },
        { room: '' },
        'admin',
      ]) {
        const ack = await call('room:join', payload)
        assert.equal(ack.ok, false, JSON.stringify(payload))
        assert.equal(ack.code, 'forbidden', JSON.stringify(payload))
        assert.equal(typeof ack.message, 'string')
      }
      assert.equal(client.connected, true)
      assert.deepEqual(
        [...socket.rooms].sort(),
        [socket.id, 'doc:1', 'team:red', 'user:alice'].sort(),
      )
      // The joins are real: a broadcast to each room reaches the client.
      for (const [n, room] of ['user:alice', 'team:red', 'doc:1'].entries()) {
        const got = next<number>(client, 'msg')
        server.io.to(room).emit('msg', n)
        assert.equal(await got, n)
      }
      // room:leave, also of a room the socket is not in; without an ack, a `forbidden` event.
      assert.deepEqual(await call('room:leave', { room: 'doc:1' }), { ok: true })
      assert.deepEqual(await call('room:leave', { room: 'doc:7' }), { ok: true })
      assert.equal(socket.rooms.has('doc:1'), false)
      const forbidden = next<{ event: string; code: string; message: string }>(client, 'forbidden')
      client.emit('room:join', { room: 'admin' })
      const event = await forbidden
      assert.deepEqual(
        { ...event, message: typeof event.message },
        {
          event: 'room:join',
          code: 'forbidden',
          message: 'string',
        },
      )
      assert.equal(socket.rooms.has('admin'), false)
    } finally {
      await server.close()
    }
  },

  async 'rooms: a server-side join of a denied room does not happen'() {
    const { requireScope } = sockguard
    const failures: { code: string; room: string | undefined; id: string }[] = []
    const server = await startServer({
      onFailure(error: { code: string; room?: string }, socket: Socket) {
        failures.push({ code: error.code, room: error.room, id: socket.id })
      },
      rooms: {
        policy: {
          admin: requireScope('admin'),
          'doc:{id}': (claims: { sub?: unknown }, _room: string, params: { id: string }) =>
            Promise.resolve(claims.sub === 'root' || params.id === '1'),
        },
      },
    })
    try {
      // The handler the guard exists for: it joins whatever room the client names.
      server.io.on('connection', (socket) => {
        socket.on('join', async (room: string, ack: (inRoom: boolean) => void) => {
          await socket.join(room)
          ack(socket.rooms.has(room))
        })
      })
      const control = connect(server, { auth: { token: hs256({ sub: 'root', scope: 'admin' }) } })
      const alice = connect(server, { auth: { token: hs256({ sub: 'alice', scope: 'chat' }) } })
      const aliceId = await connected(alice)
      await connected(control)
      const join = (client: ClientSocket, room: string) =>
        client.timeout(5_000).emitWithAck('join', room) as Promise<boolean>
      for (const room of ['admin', 'doc:1', 'doc:2', 'lobby'])
        assert.equal(await join(control, room), true, room)
      // Denied by a sync rule and by an async one; an allowed room and an unlisted one (the app's
      // business) are joined.
      assert.equal(await join(alice, 'admin'), false)
      assert.equal(await join(alice, 'doc:2'), false)
      assert.equal(await join(alice, 'doc:1'), true)
      assert.equal(await join(alice, 'lobby'), true)
      // And through socketsJoin, the server's other join path.
      server.io.in(aliceId).socketsJoin('admin')
      assert.deepEqual(failures, [
        { code: 'forbidden', room: 'admin', id: aliceId },
        { code: 'forbidden', room: 'doc:2', id: aliceId },
        { code: 'forbidden', room: 'admin', id: aliceId },
      ])
      // A broadcast to each denied room reaches the control socket, and alice receives a later
      // message (to her own room) first: on one connection packets keep their order, so a
      // broadcast that had reached her would have come before it.
      for (const [n, room] of ['admin', 'doc:2'].entries()) {
        await noBroadcast(server, room, control, alice, n)
      }
      // The allowed rooms do reach her.
      for (const [n, room] of ['doc:1', 'lobby'].entries()) {
        const got = next<number>(alice, 'msg')
        server.io.to(room).emit('msg', n)
        assert.equal(await got, n)
      }
    } finally {
      await server.close()
    }
  },

  async 'rooms: a refresh and guard.recheck narrowing the claims remove the room (room:removed)'() {
    const allowed = new Set(['alice', 'bob', 'root'])
    const server = await startServer({
      rooms: {
        // A permission the app keeps in its database: re-read by guard.recheck.
        policy: {
          'doc:{id}': (claims: { sub?: unknown }) => allowed.has(String(claims.sub)),
        },
        grantsClaim: 'rooms',
      },
    })
    try {
      setClock(EPOCH_S * 1000)
      const token = (sub: string, rooms: string[]) =>
        hs256({ sub, rooms, iat: nowS(), exp: nowS() + 3600 })
      const control = connect(server, { auth: { token: token('root', ['team:*']) } })
      const alice = connect(server, { auth: { token: token('alice', ['team:red', 'team:blue']) } })
      const bob = connect(server, { auth: { token: token('bob', []) } })
      await Promise.all([connected(control), connected(alice), connected(bob)])
      const join = (client: ClientSocket, room: string) =>
        client.timeout(5_000).emitWithAck('room:join', { room }) as Promise<RoomAck>
      for (const [client, room] of [
        [control, 'team:red'],
        [control, 'team:blue'],
        [control, 'doc:1'],
        [alice, 'team:red'],
        [alice, 'team:blue'],
        [alice, 'doc:1'],
        [bob, 'doc:1'],
      ] as const)
        assert.deepEqual(await join(client, room), { ok: true }, room)
      const removed: unknown[] = []
      alice.on('room:removed', (payload: unknown) => removed.push(payload))
      bob.on('room:removed', (payload: unknown) => removed.push(payload))
      const withdrawn = (room: string) => ({
        room,
        code: 'forbidden',
        message: 'Your access to this room was withdrawn.',
      })

      // A refresh whose token grants less: team:blue is left at once.
      const first = next(alice, 'room:removed')
      const ack = await refresh(alice, token('alice', ['team:red']))
      assert.equal(ack.ok, true)
      await first
      await noBroadcast(server, 'team:blue', control, alice, 1)
      assert.deepEqual(removed, [withdrawn('team:blue')])

      // The database withdraws doc:1 from alice and bob; guard.recheck asks for alice only (bob
      // keeps it until his next check), and with refreshWithinMs asks her for a fresh token
      // within that time of the guard's clock.
      allowed.delete('alice')
      allowed.delete('bob')
      const second = next(alice, 'room:removed')
      const expiring = next<{ expiresAt: number }>(alice, 'auth:expiring')
      const before = now()
      await server.guard.recheck({ sub: 'alice' }, { refreshWithinMs: 10_000 })
      const after = now()
      await second
      const { expiresAt } = await expiring
      assert.ok(
        expiresAt >= before + 10_000 && expiresAt <= after + 10_000,
        `auth:expiring at ${expiresAt}, asked between ${before} and ${after} + 10 s`,
      )
      // Bob was not asked: still in doc:1 (he gets the same broadcast), and nothing removed.
      const bobGot = next<number>(bob, 'msg')
      await noBroadcast(server, 'doc:1', control, alice, 2)
      assert.equal(await bobGot, 2)
      assert.deepEqual(removed, [withdrawn('team:blue'), withdrawn('doc:1')])
      // team:red, still granted, still reaches alice.
      const red = next<number>(alice, 'msg')
      server.io.to('team:red').emit('msg', 3)
      assert.equal(await red, 3)
      assert.equal(alice.connected, true)
    } finally {
      offset = 0
      await server.close()
    }
  },
}

function versionLine(): Record<string, string> {
  const g = globalThis as unknown as {
    Bun?: { version: string }
    Deno?: { version: { deno: string } }
  }
  if (g.Deno !== undefined) return { runtime: 'deno', version: g.Deno.version.deno }
  if (g.Bun !== undefined) return { runtime: 'bun', version: g.Bun.version }
  return { runtime: 'node', version: process.versions.node }
}

async function main(): Promise<void> {
  const write = (line: unknown): void => {
    process.stdout.write(`${JSON.stringify(line)}\n`)
  }
  write({ ...versionLine(), engine: ENGINE })
  sockguard = (await import(new URL(`file://${ENTRY!}`).href)) as Sockguard
  let failed = 0
  for (const name of CASES) {
    if (ONLY !== undefined && !name.includes(ONLY)) continue
    const started = performance.now()
    try {
      const note = await cases[name]()
      const ms = Math.round(performance.now() - started)
      write({ case: name, status: 'pass', ms, ...(typeof note === 'string' ? { note } : {}) })
    } catch (error) {
      const ms = Math.round(performance.now() - started)
      if (error instanceof Skip) write({ case: name, status: 'skip', ms, note: error.message })
      else {
        failed++
        const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
        write({ case: name, status: 'fail', ms, error: text })
      }
    } finally {
      offset = 0
    }
  }
  // Nothing may keep the process alive: the exit is explicit (runtimes differ in what they keep).
  process.exit(failed === 0 ? 0 : 1)
}

// Imported by runtimes.test.ts for CASES only: the suite runs when the package entry is named.
if (ENTRY !== undefined) await main()
