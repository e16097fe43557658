// Per-event authorization: a denied event never reaches its handler and the client is told,
// through its ack or the `forbidden` event; rules read the claims when the event arrives.
import type { Socket as ClientSocket } from 'socket.io-client'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  authorizeEvents,
  requireClaim,
  requireScope,
  type AuthorizeEventsOptions,
  type EventPolicy,
} from '../../src/index.js'
import { nextEvent, startServer, type TestServer } from '../support/socket-server.js'

const FORBIDDEN = { ok: false, code: 'forbidden', message: expect.any(String) as string }

const EVENTS = [
  'admin:kick',
  'chat',
  'billing:refund',
  'room:join',
  'boom',
  'async:boom',
  'truthy',
  'other',
  // What a numeric event name (`42[2,{}]`) becomes as an EventEmitter key.
  '2',
  '3',
]

/** A server whose handler of each of EVENTS records its call and acks 'done'. */
async function serve(
  policy: EventPolicy,
  options?: AuthorizeEventsOptions,
): Promise<TestServer & { readonly calls: unknown[][] }> {
  const calls: unknown[][] = []
  const server = await startServer({
    setup(io) {
      io.on('connection', authorizeEvents(policy, options))
      io.on('connection', (socket) => {
        // Handlers with socket.on: Socket.IO calls socket.onAny listeners before any socket.use
        // middleware, so those would see denied events (see docs/guard.md).
        for (const event of EVENTS) {
          socket.on(event, (...args: unknown[]) => {
            const ack = args[args.length - 1]
            if (typeof ack === 'function') {
              args.pop()
              ;(ack as (reply: string) => void)('done')
            }
            calls.push([event, ...args])
          })
        }
      })
    },
  })
  return Object.assign(server, { calls })
}

async function as(server: TestServer, claims: Record<string, unknown>): Promise<ClientSocket> {
  const client = server.connect({ auth: { token: server.issuer.sign(claims) } })
  await nextEvent(client, 'connect')
  return client
}

describe('authorizeEvents', () => {
  let unhandled: unknown[] = []
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason)
  }
  beforeEach(() => {
    unhandled = []
    process.on('unhandledRejection', onUnhandled)
  })
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled)
    expect(unhandled).toEqual([])
  })

  it('answers a denied event with an ack { ok: false, code: forbidden }; the handler never runs', async () => {
    await using server = await serve({ 'admin:kick': requireScope('admin') })
    const client = await as(server, { scope: 'chat' })
    expect(await client.emitWithAck('admin:kick', 'bob')).toEqual(FORBIDDEN)
    expect(await client.emitWithAck('chat', 'hi')).toBe('done')
    expect(server.calls).toEqual([['chat', 'hi']])
  })

  it('emits forbidden { event, code, message } for a denied event without an ack', async () => {
    await using server = await serve({ 'admin:kick': requireScope('admin') })
    const client = await as(server, { scope: 'chat' })
    const forbidden = nextEvent(client, 'forbidden')
    client.emit('admin:kick', 'bob')
    expect(await forbidden).toEqual({
      event: 'admin:kick',
      code: 'forbidden',
      message: expect.any(String) as unknown,
    })
    expect(await client.emitWithAck('chat', 'after')).toBe('done')
    expect(server.calls).toEqual([['chat', 'after']])
  })

  it.each([
    ['a space-separated scope string', { scope: 'chat admin' }],
    ['an scp array', { scp: ['chat', 'admin'] }],
    ['an scp string', { scp: 'admin' }],
  ])('requireScope reads %s', async (_name, claims) => {
    await using server = await serve({ 'admin:kick': requireScope('admin') })
    const client = await as(server, claims)
    expect(await client.emitWithAck('admin:kick', 'bob')).toBe('done')
    expect(server.calls).toEqual([['admin:kick', 'bob']])
  })

  it('requireScope needs every scope it names', async () => {
    await using server = await serve({ 'admin:kick': requireScope('admin', 'audit') })
    const partial = await as(server, { scp: ['admin'] })
    const full = await as(server, { scope: 'audit admin' })
    expect(await partial.emitWithAck('admin:kick', 'bob')).toEqual(FORBIDDEN)
    expect(await full.emitWithAck('admin:kick', 'bob')).toBe('done')
  })

  it('requireClaim compares a value, or looks it up in an array claim', async () => {
    await using server = await serve({ 'billing:refund': requireClaim('role', 'finance') })
    const finance = await as(server, { role: 'finance' })
    const both = await as(server, { role: ['support', 'finance'] })
    const support = await as(server, { role: 'support' })
    expect(await finance.emitWithAck('billing:refund', 1)).toBe('done')
    expect(await both.emitWithAck('billing:refund', 2)).toBe('done')
    expect(await support.emitWithAck('billing:refund', 3)).toEqual(FORBIDDEN)
    expect(server.calls).toEqual([
      ['billing:refund', 1],
      ['billing:refund', 2],
    ])
  })

  it('awaits an async predicate, which gets the claims and the arguments without the ack', async () => {
    const seen: unknown[][] = []
    await using server = await serve({
      'room:join': async (claims, ...args: unknown[]) => {
        seen.push([claims.sub, ...args])
        // A macrotask boundary, as a lookup would: the guard must await the answer.
        await new Promise((resolve) => setImmediate(resolve))
        return args[0] === `private:${String(claims.sub)}` || String(args[0]).startsWith('public:')
      },
    })
    const client = await as(server, { sub: 'alice' })
    expect(await client.emitWithAck('room:join', 'public:lobby', { quiet: true })).toBe('done')
    expect(await client.emitWithAck('room:join', 'private:alice')).toBe('done')
    expect(await client.emitWithAck('room:join', 'private:bob')).toEqual(FORBIDDEN)
    expect(seen).toEqual([
      ['alice', 'public:lobby', { quiet: true }],
      ['alice', 'private:alice'],
      ['alice', 'private:bob'],
    ])
    expect(server.calls.map((call) => call[1])).toEqual(['public:lobby', 'private:alice'])
  })

  it('denies when a predicate throws or rejects, and the server carries on', async () => {
    await using server = await serve({
      boom: () => {
        throw new Error('predicate bug')
      },
      'async:boom': () => Promise.reject(new Error('predicate bug')),
      truthy: () => 1 as unknown as boolean,
    })
    const client = await as(server, {})
    expect(await client.emitWithAck('boom')).toEqual(FORBIDDEN)
    expect(await client.emitWithAck('async:boom')).toEqual(FORBIDDEN)
    // Only `true` allows.
    expect(await client.emitWithAck('truthy')).toEqual(FORBIDDEN)
    expect(await client.emitWithAck('chat', 'still here')).toBe('done')
    expect(server.calls).toEqual([['chat', 'still here']])
  })

  it("unlisted: 'deny' refuses events the policy does not name, but never authenticate", async () => {
    await using server = await serve({ chat: () => true }, { unlisted: 'deny' })
    const client = await as(server, {})
    expect(await client.emitWithAck('chat', 'ok')).toBe('done')
    expect(await client.emitWithAck('other', 'no')).toEqual(FORBIDDEN)
    const ack = (await client.emitWithAck('authenticate', { token: server.issuer.sign() })) as {
      ok: boolean
    }
    expect(ack.ok).toBe(true)
    expect(server.calls).toEqual([['chat', 'ok']])
  })

  it('reads the claims at event time: after an in-band refresh with more scope, the event is allowed', async () => {
    await using server = await serve({ 'admin:kick': requireScope('admin') })
    const client = await as(server, { sub: 'alice', scope: 'chat' })
    expect(await client.emitWithAck('admin:kick', 'bob')).toEqual(FORBIDDEN)
    const token = server.issuer.sign({ sub: 'alice', scope: 'chat admin' })
    expect(await client.emitWithAck('authenticate', { token })).toMatchObject({ ok: true })
    expect(await client.emitWithAck('admin:kick', 'bob')).toBe('done')
    expect(server.calls).toEqual([['admin:kick', 'bob']])
  })

  it('denies every listed event of a socket that is not authenticated (post-connect)', async () => {
    const calls: unknown[] = []
    await using server = await startServer({
      guard: { mode: 'post-connect', timeoutMs: 5_000 },
      setup(io) {
        io.on('connection', authorizeEvents({ chat: () => true }))
        io.on('connection', (socket) => {
          socket.on('chat', (text: string, ack: (reply: string) => void) => {
            calls.push(text)
            ack('done')
          })
        })
      },
    })
    const client = server.connect()
    await nextEvent(client, 'connect')
    expect(await client.emitWithAck('authenticate', { token: server.issuer.sign() })).toMatchObject(
      {
        ok: true,
      },
    )
    expect(await client.emitWithAck('chat', 'hi')).toBe('done')
    expect(calls).toEqual(['hi'])
  })

  it('throws a TypeError at creation for a rule that is not a function', () => {
    expect(() => authorizeEvents({ chat: 'admin' as never })).toThrow(TypeError)
    expect(() => requireScope('two words')).toThrow(TypeError)
    expect(() => requireClaim('', 'x')).toThrow(TypeError)
  })

  it('refuses an event whose name is a JSON number (42[2,...]): never past its rule to the handler of "2"', async () => {
    await using server = await serve({ '2': requireScope('admin') })
    const client = await as(server, { scope: 'chat' })
    // socket.io-client sends the number as is: the packet is `42[2,"x"]` plus an ack id.
    expect(await client.emitWithAck(2 as never, 'x')).toEqual(FORBIDDEN)
    const forbidden = nextEvent<Record<string, unknown>>(client, 'forbidden')
    client.emit(2 as never, 'y')
    expect(await forbidden).toEqual({
      event: '2',
      code: 'forbidden',
      message: expect.any(String) as string,
    })
    // An unlisted numeric name is refused as well (the default `unlisted: 'allow'` is for names).
    expect(await client.emitWithAck(3 as never, 'z')).toEqual(FORBIDDEN)
    // The round trip that proves the handlers of '2' and '3' never ran.
    expect(await client.emitWithAck('chat', 'control')).toBe('done')
    expect(server.calls).toEqual([['chat', 'control']])
  })

  it('an admin still reaches the handler of "2" by its string name', async () => {
    await using server = await serve({ '2': requireScope('admin') })
    const client = await as(server, { scope: 'admin' })
    expect(await client.emitWithAck('2', 'x')).toBe('done')
    expect(server.calls).toEqual([['2', 'x']])
  })
})

describe('options are validated at creation (InvalidOptionError naming the option)', () => {
  const invalid = (option: string) =>
    expect.objectContaining({ name: 'InvalidOptionError', code: 'invalid_option', option }) as Error

  it.each([
    ['a typo in unlisted', { unlisted: 'Deny' }, 'unlisted'],
    ['a non-string unlisted', { unlisted: true }, 'unlisted'],
    ['an unknown option', { unlistd: 'deny' }, 'unlistd'],
    ['options that are not an object', 'deny', 'options'],
  ])('authorizeEvents refuses %s', (_name, options, option) => {
    expect(() => authorizeEvents({}, options as never)).toThrow(invalid(option))
  })

  it.each([
    ['null', null, 'policy'],
    ['an array', [() => true], 'policy'],
    ['a string rule', { chat: 'admin' }, 'policy.chat'],
    ['a null rule', { chat: null }, 'policy.chat'],
    // Shapes whose rules Object.entries would not see: the policy would silently allow all.
    ['a Map', new Map([['chat', requireScope('admin')]]), 'policy'],
    [
      'a class instance (rules as prototype methods)',
      new (class {
        chat(): boolean {
          return false
        }
      })(),
      'policy',
    ],
    ['Object.create(rules)', Object.create({ chat: requireScope('admin') }) as object, 'policy'],
    ['a function', () => true, 'policy'],
  ])('authorizeEvents refuses a policy that is %s', (_name, policy, option) => {
    expect(() => authorizeEvents(policy as never)).toThrow(invalid(option))
  })

  it('authorizeEvents accepts a plain object and a null-prototype object', () => {
    const bare = Object.assign(Object.create(null) as object, { chat: requireScope('admin') })
    expect(() => authorizeEvents(bare as never)).not.toThrow()
    expect(() => authorizeEvents({ chat: requireScope('admin') })).not.toThrow()
  })

  it.each([
    ['no scope', []],
    ['an empty scope', ['']],
    ['a scope with a space', ['two words']],
    ['a scope with a tab', ['a\tb']],
    ['a non-string scope', [42]],
  ])('requireScope refuses %s', (_name, scopes) => {
    expect(() => requireScope(...(scopes as [string]))).toThrow(invalid('scopes'))
  })

  it.each([
    ['an empty name', '', 'x', 'name'],
    ['a non-string name', 42, 'x', 'name'],
    ['a name with spaces', ' role ', 'x', 'name'],
    ['__proto__', '__proto__', 'x', 'name'],
    ['an object value', 'role', { admin: true }, 'value'],
    ['a NaN value', 'role', Number.NaN, 'value'],
  ])('requireClaim refuses %s', (_name, name, value, option) => {
    expect(() => requireClaim(name as string, value as string)).toThrow(invalid(option))
  })

  it('defaults stay as documented: an explicit { unlisted: "allow" } and no options are accepted', () => {
    expect(typeof authorizeEvents({}, { unlisted: 'allow' })).toBe('function')
    expect(typeof authorizeEvents({}, { unlisted: 'deny' })).toBe('function')
    expect(typeof authorizeEvents({})).toBe('function')
  })
})
