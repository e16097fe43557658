// Attacks on revocation, over real sockets: authentication in flight while `revoke()` runs (the
// handshake, the post-connect `authenticate`, an in-band refresh; memory and Redis stores, one
// node and two), `revoke({ jti })` against a token that carries `iss`, and a client that leaves
// its subject's room to escape `revoke({ sub })`.
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import type { AuthenticateAck, JwtClaims } from '../../../src/index.js'
import { createRedisRevocationStore } from '../../../src/redis/index.js'
import {
  REDIS_URL,
  connectRedis,
  deleteKeys,
  startCluster,
  uniquePrefix,
} from '../../cluster/support.js'
import { connected, disconnected, nothingBeforeRoundTrip } from '../../support/guard-e2e.js'
import { nextEvent, startServer, type TestServer } from '../../support/socket-server.js'
import { outcome, type Outcome } from './support.js'

const ISS = 'https://idp.example'

/** An `onAuthenticated` hook that holds each authentication until the test lets it go. */
function gate(): {
  hook: (claims: JwtClaims) => Promise<void>
  entered: (count?: number) => Promise<void>
  open: () => void
} {
  let waiting = 0
  let release: () => void = () => undefined
  const opened = new Promise<void>((resolve) => {
    release = resolve
  })
  const watchers: (() => void)[] = []
  return {
    async hook() {
      waiting++
      for (const watch of watchers) watch()
      await opened
    },
    entered: (count = 1) =>
      new Promise<void>((resolve) => {
        const watch = (): void => {
          if (waiting >= count) resolve()
        }
        watchers.push(watch)
        watch()
      }),
    open: release,
  }
}

/**
 * True once the client has been refused or ended with `token_revoked`; false when it is still
 * connected after a round trip through the server.
 */
async function endedRevoked(client: ClientSocket, first: Promise<Outcome>): Promise<boolean> {
  const unauthorized = nextEvent<{ code: string }>(client, 'unauthorized', 3_000).catch(() => null)
  const result = await first
  if (result.kind === 'connect_error')
    return (result.data as { code?: string } | undefined)?.code === 'token_revoked'
  if (result.kind === 'disconnect') return false
  // Connected: it must be told and dropped at once.
  const told = await unauthorized
  if (told?.code !== 'token_revoked') return false
  if (client.connected) await nextEvent(client, 'disconnect', 2_000)
  return true
}

function echo(server: TestServer): void {
  server.io.on('connection', (socket) => {
    socket.on('ping', (ack: unknown) => {
      if (typeof ack === 'function') (ack as () => void)()
    })
  })
}

describe('revocation while authentication is in flight', () => {
  it('a handshake held in onAuthenticated does not survive revoke({ sub })', async () => {
    const held = gate()
    await using server = await startServer({ guard: { onAuthenticated: held.hook } })
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    const first = outcome(client)
    await held.entered()
    const done = server.guard.revoke({ sub: 'alice' })
    held.open()
    await done
    expect(await endedRevoked(client, first)).toBe(true)
  })

  it('a handshake held in onAuthenticated does not survive revoke({ jti })', async () => {
    const held = gate()
    await using server = await startServer({ guard: { onAuthenticated: held.hook } })
    const client = server.connect({ auth: { token: server.issuer.sign({ iss: ISS, jti: 't1' }) } })
    const first = outcome(client)
    await held.entered()
    await server.guard.revoke({ jti: 't1', iss: ISS })
    held.open()
    expect(await endedRevoked(client, first)).toBe(true)
  })

  // Tenth outside attack on the core (F2): the connection listener ran for a handshake held in
  // an async namespaces rule across revoke(), and the socket was only then told and dropped.
  it('a handshake held in an async namespaces rule is refused token_revoked; no connection listener runs', async () => {
    const held = gate()
    await using server = await startServer({
      guard: {
        namespaces: {
          '/': (claims: JwtClaims | null) => held.hook(claims as JwtClaims).then(() => true),
        },
      },
    })
    let listened = 0
    server.io.on('connection', () => listened++)
    const client = server.connect({ auth: { token: server.issuer.sign() } })
    const first = outcome(client)
    await held.entered()
    await server.guard.revoke({ sub: 'alice' })
    held.open()
    const result = await first
    expect(result).toMatchObject({ kind: 'connect_error', data: { code: 'token_revoked' } })
    expect(listened).toBe(0)
  })

  it('a post-connect authenticate held in onAuthenticated does not survive revoke({ sub })', async () => {
    const held = gate()
    await using server = await startServer({
      guard: { mode: 'post-connect', onAuthenticated: held.hook },
    })
    const client = server.connect()
    await connected(client)
    const answer = client
      .timeout(3_000)
      .emitWithAck('authenticate', { token: server.issuer.sign() }) as Promise<AuthenticateAck>
    const unauthorized = nextEvent<{ code: string }>(client, 'unauthorized', 3_000)
    await held.entered()
    await server.guard.revoke({ sub: 'alice' })
    held.open()
    const ack = await answer
    const told = await unauthorized
    expect(told.code).toBe('token_revoked')
    if (!ack.ok) expect(ack.code).toBe('token_revoked')
    await disconnected(client)
    expect(client.connected).toBe(false)
  })

  it('a refresh held in onAuthenticated does not commit a token revoked meanwhile', async () => {
    const hold = gate()
    // Only the refresh is held, not the handshake before it.
    let holding = false
    await using server = await startServer({
      guard: {
        onAuthenticated: async (claims) => {
          if (holding) await hold.hook(claims)
        },
      },
    })
    const client = server.connect({ auth: { token: server.issuer.sign({ jti: 'old' }) } })
    await connected(client)
    holding = true
    const unauthorized = nextEvent<{ code: string }>(client, 'unauthorized', 3_000)
    const answer = client
      .timeout(3_000)
      .emitWithAck('authenticate', { token: server.issuer.sign({ jti: 'new' }) })
      .catch(() => undefined)
    await hold.entered()
    await server.guard.revoke({ jti: 'new' })
    hold.open()
    await answer
    expect((await unauthorized).code).toBe('token_revoked')
    await disconnected(client)
    expect(client.connected).toBe(false)
  })

  it('with the Redis store, none of 20 handshakes in flight survives revoke({ sub })', async () => {
    const redis = connectRedis(REDIS_URL)
    const prefix = uniquePrefix()
    const held = gate()
    try {
      await using server = await startServer({
        guard: {
          onAuthenticated: held.hook,
          revocationStore: createRedisRevocationStore({ redis, prefix }),
        },
      })
      echo(server)
      const bob = server.connect({ auth: { token: server.issuer.sign({ sub: 'bob' }) } })
      // bob's handshake enters the hook too: let it through before alice's flood.
      await held.entered()
      const clients = Array.from({ length: 20 }, () =>
        server.connect({ auth: { token: server.issuer.sign() } }),
      )
      const firsts = clients.map((client) => outcome(client))
      await held.entered(21)
      await server.guard.revoke({ sub: 'alice' })
      held.open()
      const ended = await Promise.all(clients.map((c, i) => endedRevoked(c, firsts[i]!)))
      expect(ended.filter((yes) => !yes)).toEqual([])
      await connected(bob)
      await bob.timeout(2_000).emitWithAck('ping')
      expect(bob.connected).toBe(true)
    } finally {
      await deleteKeys(redis, prefix)
      redis.disconnect()
    }
  })

  it('across two nodes, a handshake in flight on B does not survive revoke({ sub }) on A', async () => {
    const held = gate()
    await using cluster = await startCluster({
      url: REDIS_URL,
      guard: { onAuthenticated: held.hook },
    })
    const client = cluster.b.server.connect({ auth: { token: cluster.issuer.sign() } })
    const first = outcome(client)
    await held.entered()
    // B hears of it through its store's change feed: the guard's listener (subscribed when it was
    // attached) is called before this one, so once this resolves B's guard knows.
    const heardOnB = new Promise<void>((resolve) => {
      const stop = cluster.b.store.subscribe((target) => {
        if (target.sub !== 'alice') return
        stop()
        resolve()
      })
    })
    await cluster.a.server.guard.revoke({ sub: 'alice' })
    await heardOnB
    held.open()
    expect(await endedRevoked(client, first)).toBe(true)
  })
})

describe('revoke({ jti }) and issuers', () => {
  it('revoke({ jti }) without iss ends and refuses a token that carries iss', async () => {
    await using server = await startServer()
    const token = server.issuer.sign({ iss: ISS, jti: 'j1' })
    const client = server.connect({ auth: { token } })
    const control = server.connect({ auth: { token: server.issuer.sign({ iss: ISS, jti: 'j2' }) } })
    await connected(client)
    await connected(control)
    const told = nextEvent<{ code: string }>(client, 'unauthorized', 2_000)
    await server.guard.revoke({ jti: 'j1' })
    expect((await told).code).toBe('token_revoked')
    await nothingBeforeRoundTrip(server.io, control, 'unauthorized')
    const again = await outcome(server.connect({ auth: { token } }))
    expect(again).toMatchObject({ kind: 'connect_error', data: { code: 'token_revoked' } })
  })

  it('revoke({ jti, iss }) leaves the same id from another issuer alone', async () => {
    await using server = await startServer()
    const other = server.issuer.sign({ iss: 'https://other.example', jti: 'j1' })
    const client = server.connect({ auth: { token: other } })
    await connected(client)
    await server.guard.revoke({ jti: 'j1', iss: ISS })
    await nothingBeforeRoundTrip(server.io, client, 'unauthorized')
    expect(await outcome(server.connect({ auth: { token: other } }))).toEqual({ kind: 'connect' })
  })

  it('the Redis store: revoke({ jti }) without iss refuses a token that carries iss', async () => {
    const redis = connectRedis(REDIS_URL)
    const prefix = uniquePrefix()
    try {
      const store = createRedisRevocationStore({ redis, prefix })
      const now = Date.now()
      await store.revokeToken(undefined, 'j1', now + 60_000)
      expect(await store.isRevoked({ iss: ISS, jti: 'j1' }, now)).toBe(true)
      expect(await store.isRevoked({ jti: 'j1' }, now)).toBe(true)
      await store.revokeToken(ISS, 'j2', now + 60_000)
      expect(await store.isRevoked({ iss: 'https://other.example', jti: 'j2' }, now)).toBe(false)
      expect(await store.isRevokedMany([{ iss: ISS, jti: 'j2' }, { jti: 'j2' }], now)).toEqual([
        true,
        false,
      ])
      await store.close()
    } finally {
      await deleteKeys(redis, prefix)
      redis.disconnect()
    }
  })
})

describe('the subject room is not the revocation index', () => {
  it("a client that leaves its subject's room is still ended by revoke({ sub })", async () => {
    await using server = await startServer({
      setup(io) {
        io.on('connection', (socket) => {
          socket.on('leave', async (room: string, ack: () => void) => {
            await socket.leave(room)
            ack()
          })
          socket.on('join', async (room: string, ack: () => void) => {
            await socket.join(room)
            ack()
          })
        })
      },
    })
    const alice = server.connect({ auth: { token: server.issuer.sign() } })
    const mallory = server.connect({ auth: { token: server.issuer.sign({ sub: 'mallory' }) } })
    await connected(alice)
    await connected(mallory)
    await alice.timeout(2_000).emitWithAck('leave', 'sockguard:sub:alice')
    // mallory joins alice's room: revoking alice must not end mallory.
    await mallory.timeout(2_000).emitWithAck('join', 'sockguard:sub:alice')
    const told = nextEvent<{ code: string }>(alice, 'unauthorized', 2_000)
    await server.guard.revoke({ sub: 'alice' })
    expect((await told).code).toBe('token_revoked')
    await nothingBeforeRoundTrip(server.io, mallory, 'unauthorized')
    expect(mallory.connected).toBe(true)
  })

  it('across two nodes, leaving the room on B does not escape revoke({ sub }) on A', async () => {
    await using cluster = await startCluster({ url: REDIS_URL })
    cluster.b.server.io.on('connection', (socket) => {
      socket.on('leave', async (room: string, ack: () => void) => {
        await socket.leave(room)
        ack()
      })
    })
    const alice = cluster.b.server.connect({ auth: { token: cluster.issuer.sign() } })
    await connected(alice)
    await alice.timeout(2_000).emitWithAck('leave', 'sockguard:sub:alice')
    const told = nextEvent<{ code: string }>(alice, 'unauthorized', 2_000)
    await cluster.a.server.guard.revoke({ sub: 'alice' })
    expect((await told).code).toBe('token_revoked')
  })
})

describe('revoke({ sub }) and clock skew (issue 10, B3)', () => {
  // A token minted by a clock up to `clockToleranceMs` ahead is accepted; a subject revocation
  // must cover it too, or the kicked socket reconnects with the very same token.
  for (const storeName of ['memory', 'redis'] as const) {
    it(`${storeName} store: a token with iat up to the tolerance ahead does not reconnect after revoke({ sub })`, async () => {
      const redis = storeName === 'redis' ? connectRedis(REDIS_URL) : undefined
      const prefix = uniquePrefix()
      try {
        await using server = await startServer({
          guard: {
            clockToleranceMs: 10_000,
            ...(redis === undefined
              ? {}
              : { revocationStore: createRedisRevocationStore({ redis, prefix }) }),
          },
        })
        echo(server)
        const ahead = server.issuer.sign({ iat: Math.floor(Date.now() / 1000) + 5 })
        const client = server.connect({ auth: { token: ahead } })
        await connected(client)
        const kicked = nextEvent<{ code: string }>(client, 'unauthorized')
        await server.guard.revoke({ sub: 'alice' })
        expect((await kicked).code).toBe('token_revoked')
        const again = await outcome(server.connect({ auth: { token: ahead } }))
        expect(again).toMatchObject({ kind: 'connect_error', data: { code: 'token_revoked' } })
        // A token of another subject, just as far ahead, still connects (the control).
        const bob = server.connect({
          auth: {
            token: server.issuer.sign({ sub: 'bob', iat: Math.floor(Date.now() / 1000) + 5 }),
          },
        })
        await connected(bob)
        await bob.timeout(2_000).emitWithAck('ping')
      } finally {
        if (redis !== undefined) {
          await deleteKeys(redis, prefix)
          redis.disconnect()
        }
      }
    })
  }
})
