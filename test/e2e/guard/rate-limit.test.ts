// The failed-handshake rate limit: after `points` failures from one client address, even a good
// token is refused with rate_limited (before verification), per key, with the built-in limiter
// or a rate-limiter-flexible one passed in.
import { RateLimiterMemory } from 'rate-limiter-flexible'
import { describe, expect, it } from 'vitest'
import {
  TRANSPORTS,
  connected,
  expectRefused,
  watchProcess,
  type Transport,
} from '../../support/guard-e2e.js'
import { startServer } from '../../support/socket-server.js'

describe.each(TRANSPORTS)('failed-handshake rate limit over %s', (transport: Transport) => {
  const base = { transports: [transport] }

  it('refuses a good token with rate_limited after `points` failures; successes do not count', async () => {
    const codes: string[] = []
    await using server = await startServer({
      guard: {
        rateLimit: { points: 2, durationMs: 60_000 },
        onFailure: (error) => codes.push(error.code),
      },
    })
    const good = server.issuer.sign()
    for (let i = 0; i < 3; i++) await connected(server.connect({ ...base, auth: { token: good } }))
    await expectRefused(server.connect({ ...base, auth: { token: 'a.b.c' } }), 'token_malformed')
    await expectRefused(server.connect({ ...base }), 'token_missing')
    const data = await expectRefused(
      server.connect({ ...base, auth: { token: good } }),
      'rate_limited',
      good,
    )
    expect(data.message).not.toMatch(/127\.0\.0\.1/)
    expect(codes).toEqual(['token_malformed', 'token_missing', 'rate_limited'])
  })

  it('counts per key: another client is not limited', async () => {
    await using server = await startServer({
      guard: {
        rateLimit: {
          points: 1,
          key: (socket) => String(socket.handshake.headers['x-client']),
        },
      },
    })
    const good = server.issuer.sign()
    const as = (client: string, token?: string) =>
      server.connect({
        ...base,
        extraHeaders: { 'x-client': client },
        ...(token === undefined ? {} : { auth: { token } }),
      })
    await expectRefused(as('mallory'), 'token_missing')
    await expectRefused(as('mallory', good), 'rate_limited')
    await connected(as('alice', good))
  })

  it('uses a rate-limiter-flexible limiter given as `limiter`, with its own points', async () => {
    await using server = await startServer({
      guard: { rateLimit: { limiter: new RateLimiterMemory({ points: 1, duration: 60 }) } },
    })
    await expectRefused(server.connect({ ...base, auth: { token: 'x' } }), 'token_malformed')
    await expectRefused(
      server.connect({ ...base, auth: { token: server.issuer.sign() } }),
      'rate_limited',
    )
  })

  it('a rate-limit key that throws gives server_error, no crash, no hang', async () => {
    const watch = watchProcess()
    try {
      await using server = await startServer({
        guard: {
          // A classic: the proxy header is missing for direct clients.
          rateLimit: {
            key: (socket) => (socket.handshake.headers['x-forwarded-for'] as string).split(',')[0]!,
          },
        },
      })
      const refusal = await expectRefused(server.connect({ ...base }), 'server_error')
      expect(refusal.message).not.toMatch(/split|undefined/)
      // A second handshake, refused the same way, is the round trip after which a rejection left
      // by the first would have been reported.
      await expectRefused(server.connect({ ...base }), 'server_error')
      expect(watch.errors).toEqual([])
    } finally {
      watch.stop()
    }
  })
})
