// App hooks that never settle (attack7 H1): an `onAuthenticated`, a `namespaces` rule or a room
// rule that never answers must not hold a handshake, a refresh or a join for ever. `hookTimeoutMs`
// bounds each: the handshake and the refresh are refused with `server_error` (the client retries),
// the join is denied (and reported to onFailure as `server_error` with its room).
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { createGuard, type RoomAck } from '../../../src/index.js'
import { connected, expectRefused } from '../../support/guard-e2e.js'
import { startServer } from '../../support/socket-server.js'
import { roomServer, user } from '../rooms/support.js'

const never = (): Promise<never> => new Promise<never>(() => undefined)
// Well under the 5 s default, well over a loaded machine's handshake.
const HOOK_TIMEOUT_MS = 400
// The refusal must come from the bound, not from a client or test timeout.
const WITHIN_MS = 4_000

const ask = (client: ClientSocket, event: string, payload: unknown): Promise<RoomAck> =>
  client.timeout(WITHIN_MS).emitWithAck(event, payload) as Promise<RoomAck>

describe('app hooks that never settle are bounded by hookTimeoutMs', () => {
  it('an onAuthenticated that never settles: the handshake is refused with server_error', async () => {
    await using server = await startServer({
      guard: { onAuthenticated: never, hookTimeoutMs: HOOK_TIMEOUT_MS },
    })
    const token = server.issuer.sign()
    const started = Date.now()
    await expectRefused(server.connect({ auth: { token } }), 'server_error', token)
    expect(Date.now() - started).toBeLessThan(WITHIN_MS)
  })

  it('a namespaces rule that never settles: the handshake is refused with server_error', async () => {
    await using server = await startServer({
      guard: { namespaces: { '/slow': never }, hookTimeoutMs: HOOK_TIMEOUT_MS },
      prepare: (io) => io.of('/slow'),
    })
    const token = server.issuer.sign()
    const started = Date.now()
    await expectRefused(server.connect({ auth: { token } }, '/slow'), 'server_error', token)
    expect(Date.now() - started).toBeLessThan(WITHIN_MS)
    // The bound is per hook: the root namespace, without a rule, still admits the same token.
    await connected(server.connect({ auth: { token } }))
  })

  it('a refresh whose onAuthenticated never settles is answered server_error, the socket kept', async () => {
    let calls = 0
    await using server = await startServer({
      guard: {
        // The handshake's call answers; the refresh's never does.
        onAuthenticated: () => (++calls === 1 ? undefined : never()),
        hookTimeoutMs: HOOK_TIMEOUT_MS,
        refreshIntervalMs: 0,
      },
    })
    const client = server.connect({ auth: { token: server.issuer.sign({ sub: 'alice' }) } })
    await connected(client)
    const ack = (await client
      .timeout(WITHIN_MS)
      .emitWithAck('authenticate', { token: server.issuer.sign({ sub: 'alice' }) })) as {
      ok: boolean
      code?: string
    }
    expect(ack).toMatchObject({ ok: false, code: 'server_error' })
    expect(client.connected).toBe(true)
  })

  it('a room rule that never settles: the join is denied and reported, and nothing hangs', async () => {
    await using server = await roomServer(
      { policy: { 'slow:{id}': never, 'fast:{id}': () => true } },
      { guardOptions: { hookTimeoutMs: HOOK_TIMEOUT_MS } },
    )
    const alice = await user(server, { sub: 'alice' })
    const started = Date.now()
    expect(await ask(alice.client, 'room:join', { room: 'slow:1' })).toMatchObject({
      ok: false,
      code: 'forbidden',
    })
    expect(Date.now() - started).toBeLessThan(WITHIN_MS)
    expect(alice.socket.rooms.has('slow:1')).toBe(false)
    expect(server.failures).toContainEqual(
      expect.objectContaining({ code: 'server_error', room: 'slow:1' }),
    )
    // The socket goes on: another room's join is answered at once.
    expect(await ask(alice.client, 'room:join', { room: 'fast:1' })).toEqual({ ok: true })
  })

  it('a server-side join under a room rule that never settles does not happen', async () => {
    await using server = await roomServer(
      { policy: { 'slow:{id}': never } },
      { guardOptions: { hookTimeoutMs: HOOK_TIMEOUT_MS } },
    )
    const alice = await user(server, { sub: 'alice' })
    await alice.socket.join('slow:2')
    expect(alice.socket.rooms.has('slow:2')).toBe(false)
    await expect
      .poll(() => server.failures.some((f) => f.code === 'server_error' && f.room === 'slow:2'), {
        timeout: WITHIN_MS,
      })
      .toBe(true)
  })

  // The last outside attack on the core: timeoutMs 2 ** 31 was accepted, then Node's timer
  // overflowed to 1 ms and every post-connect socket was ended at once.
  it('timers past what setTimeout holds are refused at creation', () => {
    const base = { secret: 'k'.repeat(32), algorithms: ['HS256'] as ['HS256'] }
    for (const [option, value] of [
      ['timeoutMs', 2 ** 31],
      ['timeoutMs', 30 * 86_400_000],
      ['expiringWarningMs', 2 ** 31],
    ] as const)
      expect(() => createGuard({ ...base, mode: 'post-connect', [option]: value })).toThrow(
        expect.objectContaining({ code: 'invalid_option', option }) as Error,
      )
    expect(() =>
      createGuard({ ...base, mode: 'post-connect', timeoutMs: 2 ** 31 - 1 }),
    ).not.toThrow()
  })

  it('hookTimeoutMs is validated', () => {
    const base = { secret: 'k'.repeat(32), algorithms: ['HS256'] as ['HS256'] }
    for (const hookTimeoutMs of [0, -1, 1.5, '500', 2 ** 31])
      expect(() => createGuard({ ...base, hookTimeoutMs } as never)).toThrow(
        expect.objectContaining({ code: 'invalid_option', option: 'hookTimeoutMs' }) as Error,
      )
    expect(() => createGuard({ ...base, hookTimeoutMs: 100 })).not.toThrow()
  })
})
