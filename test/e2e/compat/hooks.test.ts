// The socketio-jwt drop-in's app hooks (the secret function, additional_auth, customDecoded) when
// they reject, return promises or never answer, in both modes (attack3 F11): every socket gets a
// coded answer within hookTimeoutMs, and nothing becomes an unhandled rejection.
import type { Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { afterAll, describe, expect, it } from 'vitest'
import {
  authorize,
  type AuthorizeOptions,
  type SecretFunction,
  type UnauthorizedPayload,
} from '../../../src/compat/socketio-jwt.js'
import { watchProcess } from '../../support/guard-e2e.js'
import { nextEvent, startServer, type PlainServer } from '../../support/socket-server.js'
import { SECRET, sign } from './support.js'

const crashes = watchProcess()
afterAll(() => {
  crashes.stop()
})

/** A bound short enough for the tests; the default is 5 s. */
const HOOK_TIMEOUT_MS = 300

type Mode = 'handshake' | 'post-connect'
const MODES: readonly Mode[] = ['handshake', 'post-connect']

/** What the client saw: admitted with its decoded token, or refused with a code and message. */
type Seen =
  | { readonly kind: 'admitted'; readonly decoded: unknown }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }

/** A server running the drop-in in `mode`; an admitted socket is sent its `decoded_token`. */
function serve(mode: Mode, options: AuthorizeOptions): Promise<PlainServer> {
  const tell = (socket: Socket): void => {
    socket.emit('decoded', (socket as unknown as Record<string, unknown>).decoded_token)
  }
  return startServer({
    guard: false,
    setup: (io) => {
      const settings = { hookTimeoutMs: HOOK_TIMEOUT_MS, ...options }
      if (mode === 'handshake') {
        io.use(authorize({ ...settings, handshake: true }))
        io.on('connection', tell)
      } else {
        // A long timeout: the hook's bound, not the flow's, must answer.
        io.sockets
          .on('connection', authorize({ timeout: 10_000, ...settings, handshake: false }))
          .on('authenticated', tell)
      }
    },
  })
}

/** Connects with a good token and reports how it ended. */
async function attempt(server: PlainServer, mode: Mode): Promise<Seen> {
  if (mode === 'handshake') {
    const client = server.connect({ auth: { token: sign() } })
    return Promise.race([
      nextEvent(client, 'decoded').then((decoded): Seen => ({ kind: 'admitted', decoded })),
      nextEvent<Error & { data: { code: string } }>(client, 'connect_error').then(
        (error): Seen => ({ kind: 'refused', code: error.data.code, message: error.message }),
      ),
    ])
  }
  const client: ClientSocket = server.connect()
  await nextEvent(client, 'connect')
  const seen = Promise.race([
    nextEvent(client, 'decoded').then((decoded): Seen => ({ kind: 'admitted', decoded })),
    nextEvent<UnauthorizedPayload>(client, 'unauthorized').then((payload): Seen => ({
      kind: 'refused',
      code: payload.data.code,
      message: payload.message,
    })),
  ])
  client.emit('authenticate', { token: sign() })
  return seen
}

/** Runs `attempt` and asserts that no rejection or exception escaped meanwhile. */
async function attemptCleanly(server: PlainServer, mode: Mode): Promise<Seen> {
  const before = crashes.errors.length
  const seen = await attempt(server, mode)
  // unhandledRejection is emitted once the microtask queue drains: a few macrotasks later.
  await new Promise((resolve) => setTimeout(resolve, 50))
  expect(crashes.errors.slice(before)).toEqual([])
  return seen
}

const SERVER_ERROR: Seen = { kind: 'refused', code: 'server_error', message: 'server error' }
const INVALID_SECRET: Seen = { kind: 'refused', code: 'invalid_secret', message: 'invalid secret' }

describe.each(MODES)('drop-in hooks, %s mode (attack3 F11)', (mode) => {
  it('an async additional_auth that rejects: server_error, no unhandled rejection', async () => {
    await using server = await serve(mode, {
      secret: SECRET,
      additional_auth: async () => {
        await Promise.resolve()
        throw new Error('pg: connection refused at db.internal')
      },
    })
    expect(await attemptCleanly(server, mode)).toEqual(SERVER_ERROR)
  })

  it('an additional_auth that never calls back: server_error after hookTimeoutMs', async () => {
    await using server = await serve(mode, { secret: SECRET, additional_auth: () => undefined })
    const started = Date.now()
    expect(await attemptCleanly(server, mode)).toEqual(SERVER_ERROR)
    expect(Date.now() - started).toBeGreaterThanOrEqual(HOOK_TIMEOUT_MS - 20)
  })

  it('an async additional_auth that calls onSuccess then rejects: admitted, rejection handled', async () => {
    await using server = await serve(mode, {
      secret: SECRET,
      additional_auth: async (_decoded, onSuccess) => {
        onSuccess()
        await Promise.resolve()
        throw new Error('audit log down')
      },
    })
    expect(await attemptCleanly(server, mode)).toMatchObject({ kind: 'admitted' })
  })

  it('a customDecoded returning a promise: decoded_token is what it resolves to', async () => {
    await using server = await serve(mode, {
      secret: SECRET,
      customDecoded: async (decoded) => {
        await new Promise((resolve) => setTimeout(resolve, 10))
        return { user: decoded.sub }
      },
    })
    expect(await attemptCleanly(server, mode)).toEqual({
      kind: 'admitted',
      decoded: { user: 'alice' },
    })
  })

  it('a customDecoded returning a rejected promise: server_error, no unhandled rejection', async () => {
    await using server = await serve(mode, {
      secret: SECRET,
      customDecoded: () => Promise.reject(new Error('profile service down')),
    })
    expect(await attemptCleanly(server, mode)).toEqual(SERVER_ERROR)
  })

  it('a customDecoded returning a thenable whose then throws: server_error', async () => {
    await using server = await serve(mode, {
      secret: SECRET,
      customDecoded: () => ({
        then() {
          throw new Error('odd thenable')
        },
      }),
    })
    expect(await attemptCleanly(server, mode)).toEqual(SERVER_ERROR)
  })

  it('a customDecoded whose promise never settles: server_error after hookTimeoutMs', async () => {
    await using server = await serve(mode, {
      secret: SECRET,
      customDecoded: () => new Promise(() => undefined),
    })
    expect(await attemptCleanly(server, mode)).toEqual(SERVER_ERROR)
  })

  it.each<[string, SecretFunction]>([
    [
      'an async secret function that rejects',
      async () => {
        await Promise.resolve()
        throw new Error('vault down')
      },
    ],
    [
      'a secret function returning a thenable that rejects',
      () => ({
        then: (_: unknown, reject: (error: unknown) => void) => {
          reject(new Error('vault down'))
        },
      }),
    ],
    ['a secret function that never calls back', () => undefined],
    ['a secret function whose promise never settles', () => new Promise<string>(() => undefined)],
  ])('%s: invalid_secret within hookTimeoutMs', async (_, secret) => {
    await using server = await serve(mode, { secret })
    expect(await attemptCleanly(server, mode)).toEqual(INVALID_SECRET)
  })

  it('a secret function returning a thenable of the secret: admitted', async () => {
    const secret = (() => ({
      then: (resolve: (value: string) => void) => {
        resolve(SECRET)
      },
    })) satisfies SecretFunction
    await using server = await serve(mode, { secret })
    expect(await attemptCleanly(server, mode)).toMatchObject({ kind: 'admitted' })
  })
})

describe('drop-in hooks on a re-authentication (attack3 F11)', () => {
  it('an additional_auth that never answers a refresh: server_error, then a new authenticate is not stuck', async () => {
    let calls = 0
    await using server = await serve('post-connect', {
      secret: SECRET,
      refreshIntervalMs: 0,
      additional_auth: (_decoded, onSuccess) => {
        calls++
        if (calls === 1) onSuccess()
      },
    })
    const client: ClientSocket = server.connect()
    await nextEvent(client, 'connect')
    const first = nextEvent(client, 'decoded')
    client.emit('authenticate', { token: sign() })
    await first
    const ack: unknown = await client
      .timeout(HOOK_TIMEOUT_MS * 5)
      .emitWithAck('authenticate', { token: sign() })
    expect(ack).toMatchObject({ ok: false, code: 'server_error' })
  })
})

describe('hookTimeoutMs', () => {
  it.each([0, -1, 1.5, '5000', Number.NaN, 2 ** 31])('refuses %s at creation', (value) => {
    expect(() => authorize({ secret: SECRET, hookTimeoutMs: value as number })).toThrow(
      expect.objectContaining({ code: 'invalid_option', option: 'hookTimeoutMs' }) as Error,
    )
  })
})
