// Attacks on the Socket.IO protocol around the guard, over real sockets: a flood of
// `authenticate` on a live socket while another client's round trip is measured, a refresh with
// another user's token, events and acks flooded before post-connect authentication, payloads over
// maxHttpBufferSize, and dynamic namespace names chosen by the client.
import type { Server, Socket } from 'socket.io'
import type { Socket as ClientSocket } from 'socket.io-client'
import { afterAll, describe, expect, it } from 'vitest'
import {
  authorizeEvents,
  requireScope,
  type AuthError,
  type AuthenticateAck,
  type SocketAuth,
} from '../../../src/index.js'
import {
  connected,
  disconnected,
  handshakeRoundTrip,
  recordEvents,
  watchProcess,
} from '../../support/guard-e2e.js'
import { nextEvent, startServer, type TestServer } from '../../support/socket-server.js'
import { codeOf, collectGarbage, outcome, roundTripMs } from './support.js'

const watch = watchProcess()
afterAll(() => {
  watch.stop()
})

/** Registers the `ping` probe the bystander uses to measure round trips. */
function answerPings(io: Server): void {
  io.on('connection', (socket: Socket) => {
    socket.on('ping', (ack: () => void) => {
      ack()
    })
  })
}

/** Emits `authenticate` and resolves with its ack. */
function authenticate(client: ClientSocket, token: unknown, timeoutMs = 10_000) {
  return client
    .timeout(timeoutMs)
    .emitWithAck('authenticate', { token }) as Promise<AuthenticateAck>
}

/** Round trips of `client` measured back to back until `until` settles. */
async function probeWhile(client: ClientSocket, until: Promise<unknown>): Promise<number[]> {
  const state = { done: false }
  void until.finally(() => {
    state.done = true
  })
  const samples: number[] = []
  while (!state.done) samples.push(await roundTripMs(client, 5_000))
  return samples
}

describe('a flood of authenticate on a live socket', () => {
  it('concurrent refreshes get rate_limited, every ack is answered, a bystander stays served', async () => {
    const FLOOD = 2_000
    // A refresh still running when the rest of the flood comes: the app's lookup (armed once the
    // sockets are connected) is held until the server has received every authenticate.
    const hold: { gate?: Promise<void> } = {}
    let received = 0
    let allReceived = (): void => undefined
    await using server = await startServer({
      guard: { onAuthenticated: () => hold.gate },
      setup(io) {
        answerPings(io)
        io.on('connection', (socket: Socket) => {
          socket.on('authenticate', () => {
            if (++received === FLOOD) allReceived()
          })
        })
      },
    })
    const attacker = server.connect({ auth: { token: server.issuer.sign({ sub: 'mallory' }) } })
    const bystander = server.connect({ auth: { token: server.issuer.sign({ sub: 'bob' }) } })
    await connected(attacker)
    await connected(bystander)
    const idle = await roundTripMs(bystander)
    const token = server.issuer.sign({ sub: 'mallory' })
    hold.gate = new Promise<void>((resolve) => {
      allReceived = resolve
    })
    const flood = Promise.all(
      Array.from({ length: FLOOD }, () => authenticate(attacker, token, 30_000)),
    )
    const samples = await probeWhile(bystander, flood)
    const acks = await flood
    const counts = { ok: 0, rate_limited: 0, other: 0 }
    for (const ack of acks) {
      if (ack.ok) counts.ok++
      else if (ack.code === 'rate_limited') counts.rate_limited++
      else counts.other++
    }
    expect(counts.other).toBe(0)
    expect(counts.ok).toBeGreaterThanOrEqual(1)
    expect(counts.rate_limited).toBeGreaterThan(FLOOD / 2)
    expect(samples.length).toBeGreaterThanOrEqual(1)
    // Loopback round trips are ~1 ms idle; a loaded 2-core machine gets a generous bound.
    expect(Math.max(...samples), `idle ${idle.toFixed(1)} ms`).toBeLessThan(1_500)
    expect(attacker.connected).toBe(true)
    expect(bystander.connected).toBe(true)
    const late = server.connect({ auth: { token: server.issuer.sign({ sub: 'carol' }) } })
    await connected(late)
  }, 60_000)

  it('a flood of bad tokens ends the socket at the first failure; the rest go nowhere', async () => {
    const failures: string[] = []
    await using server = await startServer({
      guard: { onFailure: (error: AuthError) => failures.push(error.code) },
      setup: answerPings,
    })
    const attacker = server.connect({ auth: { token: server.issuer.sign({ sub: 'mallory' }) } })
    await connected(attacker)
    const seen = recordEvents(attacker)
    for (let i = 0; i < 500; i++) attacker.emit('authenticate', { token: `garbage.${i}.x` })
    await disconnected(attacker)
    expect(seen.filter((e) => e.event === 'unauthorized')).toHaveLength(1)
    expect(seen.at(-1)).toMatchObject({ event: 'disconnect', args: ['io server disconnect'] })
    // The round trip of a control socket: the server has handled whatever it was going to.
    const control = server.connect({ auth: { token: server.issuer.sign({ sub: 'bob' }) } })
    await connected(control)
    await roundTripMs(control)
    expect(failures).toEqual(['token_malformed'])
    // The attacker's socket is gone; only the control is left.
    expect([...server.io.sockets.sockets.keys()]).toEqual([control.id])
  })
})

describe("a refresh with another user's token", () => {
  it('is refused with claim_invalid (claim sub) and the socket is disconnected', async () => {
    const failures: { code: string; claim: string | undefined }[] = []
    await using server = await startServer({
      guard: {
        onFailure: (error: AuthError) => failures.push({ code: error.code, claim: error.claim }),
      },
    })
    const connection = nextEvent<Socket>(server.io, 'connection')
    const alice = server.connect({ auth: { token: server.issuer.sign({ sub: 'alice' }) } })
    await connected(alice)
    const socket = await connection
    const seen = recordEvents(alice)
    const ack = await authenticate(alice, server.issuer.sign({ sub: 'bob', exp: 9_999_999_999 }))
    expect(ack).toEqual({
      ok: false,
      code: 'claim_invalid',
      message: expect.any(String) as unknown,
    })
    await disconnected(alice)
    expect(seen.map((e) => e.event)).toEqual(['unauthorized', 'disconnect'])
    expect(seen[0]!.args[0]).toMatchObject({ code: 'claim_invalid' })
    expect(failures).toEqual([{ code: 'claim_invalid', claim: 'sub' }])
    // The socket kept alice's identity to the end.
    expect((socket.data as { auth: SocketAuth }).auth.claims.sub).toBe('alice')
  })

  // FINDING (src/guard/live-session.ts, `refresh`; now src/guard/authenticate.ts):
  // `ctx.authenticate` runs the app's `onAuthenticated(claims, socket)` hook with bob's claims on
  // alice's socket before the subject is compared, so an app that loads the user there
  // (`socket.data.user = await load(sub)`) gives alice's socket bob's user until the refusal lands.
  // Fix: compare `sub` between `verify` and the hook (pass the expected subject into
  // `authenticate`, or split it into verify + admit).
  it("onAuthenticated never sees another subject's claims on a live socket", async () => {
    const hooked: string[] = []
    await using server = await startServer({
      guard: {
        onAuthenticated: (claims: { sub?: string }) => {
          hooked.push(String(claims.sub))
        },
      },
    })
    const alice = server.connect({ auth: { token: server.issuer.sign({ sub: 'alice' }) } })
    await connected(alice)
    const ack = await authenticate(alice, server.issuer.sign({ sub: 'bob' }))
    expect(ack).toMatchObject({ ok: false, code: 'claim_invalid' })
    expect(hooked).toEqual(['alice'])
  })
})

describe('post-connect: events before authentication', () => {
  it('500 events (with and without acks, binary too) never reach the handler; later ones do', async () => {
    let handled = 0
    await using server = await startServer({
      guard: { mode: 'post-connect', timeoutMs: 10_000 },
      setup(io) {
        io.on('connection', (socket) => {
          socket.on('note', (_payload: unknown, ack?: (reply: string) => void) => {
            handled++
            ack?.('noted')
          })
        })
      },
    })
    const client = await (async () => {
      const c = server.connect()
      await connected(c)
      return c
    })()
    const unanswered: Promise<unknown>[] = []
    for (let i = 0; i < 500; i++) {
      if (i % 5 === 0)
        unanswered.push(
          client
            .timeout(500)
            .emitWithAck('note', i)
            .then(
              () => 'answered',
              () => 'dropped',
            ),
        )
      else if (i % 5 === 1) client.emit('note', Buffer.from([i & 0xff]))
      else client.emit('note', { i })
    }
    expect(new Set(await Promise.all(unanswered))).toEqual(new Set(['dropped']))
    expect(handled).toBe(0)
    expect(await authenticate(client, server.issuer.sign())).toMatchObject({ ok: true })
    // The positive control: the same handler runs once the socket is authenticated.
    expect(await client.emitWithAck('note', 'late')).toBe('noted')
    expect(handled).toBe(1)
  })

  it('an authenticate ack flood: one verification, every other ack rate_limited', async () => {
    let verifications = 0
    // The first verification is held open until the other 499 have been answered.
    let release = (): void => undefined
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    await using server = await startServer({
      guard: {
        mode: 'post-connect',
        timeoutMs: 10_000,
        onAuthenticated: async () => {
          verifications++
          await held
        },
      },
    })
    const client = server.connect()
    await connected(client)
    const token = server.issuer.sign()
    const pending = Array.from({ length: 500 }, () => authenticate(client, token))
    await Promise.all(pending.slice(1))
    release()
    const acks = await Promise.all(pending)
    expect(acks.filter((ack) => ack.ok)).toHaveLength(1)
    expect(acks.filter((ack) => !ack.ok && ack.code === 'rate_limited')).toHaveLength(499)
    expect(verifications).toBe(1)
    // Once in, `authenticate` is the live refresh.
    expect(await authenticate(client, token)).toMatchObject({ ok: true })
    expect(client.connected).toBe(true)
  })

  it('an unauthenticated socket is invisible to io.fetchSockets() and to broadcasts', async () => {
    await using server = await startServer({ guard: { mode: 'post-connect', timeoutMs: 10_000 } })
    const stranger = server.connect()
    await connected(stranger)
    expect(await server.io.fetchSockets()).toHaveLength(0)
    const member = server.connect()
    await connected(member)
    await authenticate(member, server.issuer.sign({ sub: 'bob' }))
    expect((await server.io.fetchSockets()).map((s) => s.id)).toEqual([member.id])
  })
})

describe.each(['websocket', 'polling'] as const)(
  'a payload over maxHttpBufferSize (%s)',
  (transport) => {
    it('drops the sender before any handler; the server and other clients carry on', async () => {
      let handled = 0
      await using server = await startServer({
        server: { maxHttpBufferSize: 100_000 },
        setup(io) {
          answerPings(io)
          // A guarded event: the policy runs before the handler, the buffer limit before both.
          io.on('connection', authorizeEvents({ upload: requireScope('files') }))
          io.on('connection', (socket) => {
            socket.on('upload', () => {
              handled++
            })
          })
        },
      })
      const attacker = server.connect({
        transports: [transport],
        auth: { token: server.issuer.sign({ scope: 'files' }) },
      })
      const bystander = server.connect({
        auth: { token: server.issuer.sign({ sub: 'bob', scope: 'files' }) },
      })
      await connected(attacker)
      await connected(bystander)
      const gone = nextEvent<string>(attacker, 'disconnect', 10_000)
      attacker.emit('upload', 'x'.repeat(200_000))
      expect(await gone).toBe('transport close')
      expect(handled).toBe(0)
      expect(await roundTripMs(bystander)).toBeLessThan(1_000)
      await connected(server.connect({ auth: { token: server.issuer.sign({ sub: 'carol' }) } }))
      // Just under the limit is an ordinary event (the positive control).
      bystander.emit('upload', 'x'.repeat(90_000))
      await roundTripMs(bystander)
      expect(handled).toBe(1)
    })
  },
)

describe('dynamic namespaces named by the client', () => {
  const TENANTS = /^\/tenant-\w+$/
  const nspCount = (server: TestServer): number => server.io._nsps.size

  it('every child is guarded; without cleanup, Socket.IO keeps one namespace per name tried', async () => {
    await using server = await startServer({
      prepare(io) {
        io.of(TENANTS).on('connection', (socket) => {
          socket.emit('welcome', socket.nsp.name)
        })
      },
    })
    const before = nspCount(server)
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        outcome(server.connect({ auth: { token: `forged.${i}.x` } }, `/tenant-t${i}`)),
      ),
    )
    expect(results.map(codeOf)).toEqual(Array<string>(50).fill('token_malformed'))
    // Socket.IO creates the child namespace before any middleware runs, so the refused names
    // stay (documented in docs/security.md: use cleanupEmptyChildNamespaces or a name check).
    expect(nspCount(server)).toBe(before + 50)
    // A name outside the pattern creates nothing.
    const outside = await outcome(
      server.connect({ auth: { token: server.issuer.sign() } }, '/other'),
    )
    expect(outside).toMatchObject({ kind: 'connect_error', message: 'Invalid namespace' })
    expect(nspCount(server)).toBe(before + 50)
    // The positive control: a good token gets into a tenant.
    const good = server.connect({ auth: { token: server.issuer.sign() } }, '/tenant-acme')
    const welcome = nextEvent<string>(good, 'welcome')
    await connected(good)
    expect(await welcome).toBe('/tenant-acme')
  })

  it('with cleanupEmptyChildNamespaces, refused names leave no namespace behind', async () => {
    await using server = await startServer({
      server: { cleanupEmptyChildNamespaces: true },
      prepare(io) {
        io.of(TENANTS)
      },
    })
    const before = nspCount(server)
    for (let i = 0; i < 30; i++) {
      const result = await outcome(server.connect({ auth: { token: 'a.b.c' } }, `/tenant-x${i}`))
      expect(codeOf(result)).toBe('token_malformed')
    }
    expect(nspCount(server)).toBe(before)
  })

  // FINDING (src/guard/guarded-namespaces.ts): the guard keeps every namespace it ever protected.
  // Socket.IO deletes an empty child namespace with cleanupEmptyChildNamespaces, but the guard's
  // Set still holds it (and its adapter and listeners), so a client cycling through tenant names
  // grows the guard's memory without bound. Fix: keep the servers (or a WeakSet for the "already
  // hooked" test) and iterate `server._nsps` when revoking, sweeping and closing, so deleted
  // namespaces are forgotten.
  it('a deleted child namespace can be garbage-collected (the guard does not pin it)', async () => {
    await using server = await startServer({
      server: { cleanupEmptyChildNamespaces: true },
      prepare(io) {
        io.of(TENANTS)
      },
    })
    const refs: WeakRef<object>[] = []
    // The server's side of each refused client's connection, closed once the client drops it.
    const closed: Promise<unknown>[] = []
    server.io.engine.on('connection', (conn: Parameters<typeof nextEvent>[0]) => {
      closed.push(nextEvent(conn, 'close'))
    })
    for (let i = 0; i < 5; i++) {
      const created = nextEvent<object>(server.io, 'new_namespace')
      const attempt = outcome(server.connect({ auth: { token: 'a.b.c' } }, `/tenant-gc${i}`))
      refs.push(new WeakRef(await created))
      expect(codeOf(await attempt)).toBe('token_malformed')
    }
    await Promise.all(closed)
    collectGarbage()
    // A later turn: a WeakRef's target is kept until the job that made or read it has ended.
    await new Promise((resolve) => setImmediate(resolve))
    collectGarbage()
    // Without a guard, at most the last one is still referenced (by Socket.IO's own leftovers of
    // the last connection); with the guard as it is, all ten are.
    expect(refs.filter((ref) => ref.deref() !== undefined).length).toBeLessThanOrEqual(2)
  })
})

describe('the process', () => {
  it('saw no unhandled rejection and no uncaught exception', async () => {
    await handshakeRoundTrip()
    expect(watch.errors).toEqual([])
  })
})
