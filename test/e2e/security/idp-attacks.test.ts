// A slow or compromised identity provider, seen from a guarded Socket.IO server: handshakes wait
// at most `timeoutMs` for a key set that never comes, share one fetch, then fail fast with
// keys_unavailable for the cooldown, while connected clients keep being served; a compromised
// key set cannot smuggle in an HMAC secret or redirect the lookup.
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createGuard, createVerifier } from '../../../src/index.js'
import { connected } from '../../support/guard-e2e.js'
import { startServer } from '../../support/socket-server.js'
import {
  codeOf,
  countingServer,
  ecPair,
  ecSigner,
  forge,
  goodClaims,
  hmacSigner,
  outcome,
  roundTripMs,
} from './support.js'

/** An HTTP server on loopback that takes requests and never answers them. */
async function silentServer(): Promise<{ url: string; hits: () => number } & AsyncDisposable> {
  const pending: ServerResponse[] = []
  const http = createServer((_req, res) => {
    pending.push(res)
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    hits: () => pending.length,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => {
          resolve()
        })
      }),
  }
}

const key = ecPair()
const token = (): string =>
  forge({ alg: 'ES256', kid: 'k1' }, goodClaims(), ecSigner(key.privateKey))

describe('a slow identity provider', () => {
  it('50 handshakes share one fetch, fail at timeoutMs, then fail fast for the cooldown', async () => {
    await using idp = await silentServer()
    const verifier = createVerifier({
      jwksUri: `${idp.url}/jwks.json`,
      algorithms: ['ES256'],
      timeoutMs: 1_500,
      cooldownMs: 60_000,
    })
    await using server = await startServer({ guard: { verifier } })
    const started = performance.now()
    const attempts = Array.from({ length: 50 }, () =>
      outcome(server.connect({ auth: { token: token() } })),
    )
    const results = await Promise.all(attempts)
    const waited = performance.now() - started
    expect(results.map(codeOf)).toEqual(Array<string>(50).fill('keys_unavailable'))
    expect(waited).toBeGreaterThanOrEqual(1_400)
    expect(waited).toBeLessThan(6_000)
    expect(idp.hits()).toBe(1)
    // Within the cooldown: an immediate answer, no new request.
    const fastStart = performance.now()
    expect(codeOf(await outcome(server.connect({ auth: { token: token() } })))).toBe(
      'keys_unavailable',
    )
    expect(performance.now() - fastStart).toBeLessThan(1_000)
    expect(idp.hits()).toBe(1)
  })

  it('a connected client keeps its round trips while new handshakes wait on the provider', async () => {
    await using idp = await silentServer()
    // Two guards: the bystander's namespace uses a healthy local set, /slow the silent provider.
    const healthy = createVerifier({ jwks: { keys: [{ ...key.jwk, kid: 'k1', alg: 'ES256' }] } })
    const slow = createVerifier({
      jwksUri: `${idp.url}/jwks.json`,
      algorithms: ['ES256'],
      timeoutMs: 1_000,
    })
    await using server = await startServer({
      guard: { verifier: healthy },
      middlewareOnly: true,
      setup(io) {
        io.on('connection', (socket) => {
          socket.on('ping', (ack: () => void) => {
            ack()
          })
        })
      },
    })
    const slowGuard = createGuard({ verifier: slow })
    server.io.of('/slow').use(slowGuard.middleware)
    const bystander = server.connect({ auth: { token: token() } })
    await connected(bystander)
    const waiting = Promise.all(
      Array.from({ length: 20 }, () =>
        outcome(server.connect({ auth: { token: token() } }, '/slow'), 5_000),
      ),
    )
    const samples: number[] = []
    for (let i = 0; i < 5; i++) samples.push(await roundTripMs(bystander))
    expect(Math.max(...samples)).toBeLessThan(1_000)
    expect((await waiting).map(codeOf)).toEqual(Array<string>(20).fill('keys_unavailable'))
    await slowGuard.close()
  })
})

describe('a compromised key set', () => {
  it('an HMAC secret served in the key set cannot sign tokens', async () => {
    const secret = 'k'.repeat(32)
    await using idp = await countingServer({
      keys: [
        { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'x', alg: 'HS256' },
        { ...key.jwk, kid: 'k1', alg: 'ES256' },
      ],
    })
    const verifier = createVerifier({ jwksUri: `${idp.url}/jwks.json`, algorithms: ['ES256'] })
    await using server = await startServer({ guard: { verifier } })
    const forged = forge({ alg: 'HS256', kid: 'x' }, goodClaims(), hmacSigner(secret))
    expect(codeOf(await outcome(server.connect({ auth: { token: forged } })))).toBe('token_invalid')
    const forgedEs = forge({ alg: 'ES256', kid: 'x' }, goodClaims(), hmacSigner(secret))
    expect(codeOf(await outcome(server.connect({ auth: { token: forgedEs } })))).toBe(
      'key_not_found',
    )
    // The positive control: the real key of the same set works.
    expect(await outcome(server.connect({ auth: { token: token() } }))).toEqual({ kind: 'connect' })
  })
})
