// The raw token never travels through Redis: MONITOR on a private redis-server records every
// command of two nodes (adapter, revocation store, rate limiter) during handshakes, a refresh, a
// failed handshake, revocations and a cross-node fetchSockets(), and no token, nor any 8-character
// piece of a signature, is in them. fetchSockets() results hold no token either.
import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { connected, expectRefused } from '../support/guard-e2e.js'
import { createIssuer, nextEvent } from '../support/socket-server.js'
import { connectRedis, startCluster, startPrivateRedis } from './support.js'

/** Every 8-character window of each token's signature, and each token whole. */
function secretPieces(tokens: readonly string[]): string[] {
  const pieces: string[] = []
  for (const token of tokens) {
    pieces.push(token)
    const signature = token.split('.')[2]!
    for (let start = 0; start + 8 <= signature.length; start++)
      pieces.push(signature.slice(start, start + 8))
  }
  return pieces
}

/** Records every command Redis runs, as text, until stopped. */
async function monitor(redis: Redis): Promise<{
  text(): Promise<string>
  more(command: string, count: number): Promise<void>
  stop(): void
}> {
  const monitored = await redis.monitor()
  monitored.on('error', () => undefined)
  const lines: string[] = []
  monitored.on('monitor', (_time: string, args: string[]) => {
    lines.push(args.join(' '))
  })
  return {
    // Waits for a marker command, so every command sent before it has been seen.
    async text() {
      const marker = `marker-${randomUUID()}`
      const seen = new Promise<void>((resolve) => {
        const check = (_time: string, args: string[]): void => {
          if (args.includes(marker)) {
            monitored.off('monitor', check)
            resolve()
          }
        }
        monitored.on('monitor', check)
      })
      await redis.echo(marker)
      await seen
      return lines.join('\n')
    },
    /** Resolves once Redis has run `count` more `command`s from now. */
    more(command, count) {
      let left = count
      return new Promise<void>((resolve) => {
        const check = (_time: string, args: string[]): void => {
          if (args[0]?.toUpperCase() !== command || --left > 0) return
          monitored.off('monitor', check)
          resolve()
        }
        monitored.on('monitor', check)
      })
    },
    stop() {
      monitored.disconnect()
    },
  }
}

describe('token secrecy in Redis traffic', () => {
  it('no token and no piece of a signature reaches Redis; fetchSockets() carries none', async () => {
    await using redis = await startPrivateRedis()
    const control = connectRedis(redis.url)
    const recording = await monitor(control)
    try {
      await using cluster = await startCluster({
        url: redis.url,
        guard: { revocationSweepMs: 100 },
        rateLimit: { points: 5 },
      })
      const { a, b, issuer } = cluster
      const ISS = 'https://idp.example'
      const tokens = [
        issuer.sign({ sub: 'alice', iss: ISS, jti: 'a-1' }),
        issuer.sign({ sub: 'alice', iss: ISS, jti: 'a-2' }),
        issuer.sign({ sub: 'bob', iss: ISS, jti: 'b-1' }),
      ]
      const [first, refreshed, bobToken] = tokens as [string, string, string]
      // A token signed with another key: refused, and counted by the rate limiter.
      const forged = createIssuer().sign({ sub: 'alice', iss: ISS, jti: 'a-1' })
      tokens.push(forged)

      const alice = b.server.connect({ auth: { token: first } })
      const bob = a.server.connect({ extraHeaders: { authorization: `Bearer ${bobToken}` } })
      await connected(alice)
      await connected(bob)
      await expectRefused(a.server.connect({ auth: { token: forged } }), 'token_invalid')
      const ack: unknown = await alice
        .timeout(2_000)
        .emitWithAck('authenticate', { token: refreshed })
      expect(ack).toMatchObject({ ok: true })
      // Let a sweep or two run over both sockets: each node's sweep is one MGET per interval.
      await recording.more('MGET', 4)

      // Node A asks B for its sockets through the adapter (and B ships handshake and data).
      const sockets = await a.server.io.fetchSockets()
      expect(sockets).toHaveLength(2)
      const shipped = JSON.stringify(
        sockets.map((socket) => ({ handshake: socket.handshake, data: socket.data as unknown })),
      )
      expect(shipped).toContain('alice') // the claims travel, as they should
      for (const piece of secretPieces(tokens)) expect(shipped).not.toContain(piece)

      const aliceEnds = nextEvent(alice, 'unauthorized', 3_000)
      await a.server.guard.revoke({ jti: 'a-2', iss: ISS })
      await aliceEnds
      const bobEnds = nextEvent(bob, 'unauthorized', 3_000)
      await b.server.guard.revoke({ sub: 'bob' })
      await bobEnds

      const text = await recording.text()
      // The recording did see the nodes' traffic: the store, the limiter and the adapter.
      expect(text).toMatch(/MGET/i)
      expect(text).toMatch(/EVAL/i)
      expect(text).toMatch(/PUBLISH/i)
      expect(text).toContain('a-2') // a token id is no secret
      for (const piece of secretPieces(tokens)) expect(text).not.toContain(piece)
    } finally {
      recording.stop()
      control.disconnect()
    }
  })
})
