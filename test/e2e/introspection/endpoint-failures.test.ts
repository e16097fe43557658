// createIntrospectionVerifier against a plain node:http introspection endpoint that answers what
// each test scripts: the request it receives (RFC 7662 §2.1), endpoints that are slow, down, or
// answer garbage, errors or oversized bodies (server_error, never token_invalid, never the token
// in a message), responses that refuse the token (active false, expired, wrong aud or iss), the
// token checks made before any request, and the cache's bounds (exp, maxTtlMs, maxEntries).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createIntrospectionVerifier,
  type IntrospectionVerifierOptions,
} from '../../../src/index.js'
import { closedPort } from '../../support/guard-e2e.js'

const T0 = 1_900_000_000_000
const ISSUER = 'https://auth.example.com/'
const AUDIENCE = 'chat-api'

interface Seen {
  readonly method: string
  readonly headers: IncomingMessage['headers']
  readonly body: string
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void

let handler: Handler
const seen: Seen[] = []
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8')
    seen.push({ method: req.method ?? '', headers: req.headers, body })
    handler(req, res, body)
  })
})
let url: string
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

let time = T0
beforeEach(() => {
  seen.length = 0
  time = T0
  handler = answer(active())
})

function active(members: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    active: true,
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'alice',
    client_id: 'web',
    scope: 'chat:read',
    token_type: 'Bearer',
    iat: T0 / 1000 - 10,
    exp: T0 / 1000 + 300,
    ...members,
  }
}

function answer(body: unknown, status = 200): Handler {
  return (_req, res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(text)
  }
}

const verifierFor = (options: Partial<IntrospectionVerifierOptions> = {}) =>
  createIntrospectionVerifier({
    url,
    clientId: 'chat:api',
    clientSecret: 's3cret +&%',
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => time,
    ...options,
  })

const TOKEN = 'opaque-7f3a9c0b2e1d4f5a6b7c8d9e0f1a2b3c'

async function refusal(
  promise: Promise<unknown>,
): Promise<Error & { code: string; claim?: string }> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal')
    },
    (e: unknown) => e as Error & { code: string; claim?: string },
  )
  // Never the token, whatever the path.
  expect(error.message).not.toContain(TOKEN)
  return error
}

describe('the request', () => {
  it('is a form POST of token and token_type_hint with HTTP Basic (form-encoded id and secret)', async () => {
    await verifierFor().verify(TOKEN)
    expect(seen).toHaveLength(1)
    const [request] = seen
    expect(request!.method).toBe('POST')
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(request!.headers.accept).toBe('application/json')
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
      token: TOKEN,
      token_type_hint: 'access_token',
    })
    // RFC 6749 §2.3.1: each of id and secret form-encoded, then joined by ":" and base64'd.
    const basic = Buffer.from(
      request!.headers.authorization!.replace(/^Basic /, ''),
      'base64',
    ).toString()
    expect(basic).toBe('chat%3Aapi:s3cret+%2B%26%25')
  })

  it('puts the credentials in the body with client_secret_post', async () => {
    await verifierFor({ clientAuth: 'client_secret_post' }).verify(TOKEN)
    const [request] = seen
    expect(request!.headers.authorization).toBeUndefined()
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
      token: TOKEN,
      token_type_hint: 'access_token',
      client_id: 'chat:api',
      client_secret: 's3cret +&%',
    })
  })

  it('refuses empty, oversized, non-string and non-ASCII tokens before any request', async () => {
    const verifier = verifierFor()
    expect((await refusal(verifier.verify(''))).code).toBe('token_missing')
    expect((await refusal(verifier.verify(undefined))).code).toBe('token_missing')
    expect((await refusal(verifier.verify(42))).code).toBe('token_malformed')
    expect((await refusal(verifier.verify('x'.repeat(8193)))).code).toBe('token_malformed')
    expect((await refusal(verifier.verify('two words'))).code).toBe('token_malformed')
    expect((await refusal(verifier.verify('tokén'))).code).toBe('token_malformed')
    expect((await refusal(verifier.verify('a\nb'))).code).toBe('token_malformed')
    await expect(verifier.verify('x'.repeat(8192))).resolves.toBeDefined()
    expect(seen).toHaveLength(1)
  })
})

describe('an endpoint that fails is server_error (retry later), never token_invalid', () => {
  it('slow: past timeoutMs', async () => {
    handler = (_req, res) => {
      setTimeout(() => {
        if (!res.destroyed) answer(active())(_req, res, '')
      }, 1_000)
    }
    const started = Date.now()
    const error = await refusal(verifierFor({ timeoutMs: 100 }).verify(TOKEN))
    expect(error.code).toBe('server_error')
    expect(Date.now() - started).toBeLessThan(900)
  })

  it('down: connection refused', async () => {
    const port = await closedPort()
    const error = await refusal(
      verifierFor({ url: `http://127.0.0.1:${port}/introspect` }).verify(TOKEN),
    )
    expect(error.code).toBe('server_error')
  })

  it.each([
    ['garbage', answer('<html>not json</html>')],
    ['a 500', answer({ error: 'server_error' }, 500)],
    ['a 401 (our credentials refused)', answer({ error: 'invalid_client' }, 401)],
    ['a redirect', answer({}, 302)],
    ['a JSON array', answer([active()])],
    ['a JSON string', answer('"active"')],
    ['JSON null', answer('null')],
    ['an empty body', answer('')],
  ])('%s', async (_name, behaviour) => {
    handler = behaviour
    const error = await refusal(verifierFor().verify(TOKEN))
    expect(error.code).toBe('server_error')
  })

  it('an oversized body, declared or streamed', async () => {
    const big = JSON.stringify(active({ padding: 'x'.repeat(70_000) }))
    handler = answer(big)
    expect((await refusal(verifierFor().verify(TOKEN))).code).toBe('server_error')
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(big.slice(0, 40_000))
      res.end(big.slice(40_000))
    }
    expect((await refusal(verifierFor().verify(TOKEN))).code).toBe('server_error')
    // The same body fits under a larger limit.
    await expect(verifierFor({ maxResponseBytes: 100_000 }).verify(TOKEN)).resolves.toBeDefined()
  })

  it('failures are not cached: the next call asks again', async () => {
    const verifier = verifierFor()
    handler = answer({}, 503)
    expect((await refusal(verifier.verify(TOKEN))).code).toBe('server_error')
    handler = answer(active())
    await expect(verifier.verify(TOKEN)).resolves.toBeDefined()
    expect(verifier.requests).toBe(2)
  })
})

describe('responses that refuse the token', () => {
  it.each([
    ['active: false', { active: false }, 'token_invalid', undefined],
    ['no active', { iss: ISSUER, aud: AUDIENCE, exp: T0 / 1000 + 60 }, 'token_invalid', undefined],
    ['active: "true"', active({ active: 'true' }), 'token_invalid', undefined],
    ['active: 1', active({ active: 1 }), 'token_invalid', undefined],
    ['an expired exp', active({ exp: T0 / 1000 - 1 }), 'token_expired', 'exp'],
    ['no exp', active({ exp: undefined }), 'claim_invalid', 'exp'],
    ['a string exp', active({ exp: String(T0 / 1000 + 60) }), 'claim_invalid', 'exp'],
    ['another audience', active({ aud: 'other-api' }), 'claim_invalid', 'aud'],
    ['another issuer', active({ iss: 'https://evil.example/' }), 'claim_invalid', 'iss'],
    ['an empty sub', active({ sub: '' }), 'claim_invalid', 'sub'],
    ['a future nbf', active({ nbf: T0 / 1000 + 60 }), 'token_not_active', 'nbf'],
    ['a scope array', active({ scope: ['chat:read'] }), 'claim_invalid', 'scope'],
    ['a numeric client_id', active({ client_id: 7 }), 'claim_invalid', 'client_id'],
  ])('%s', async (_name, body, code, claim) => {
    handler = answer(body)
    const verifier = verifierFor()
    const error = await refusal(verifier.verify(TOKEN))
    expect(error.code).toBe(code)
    if (claim !== undefined) expect(error.claim).toBe(claim)
    // Refusals are not cached either: a token that just became active is seen at once.
    handler = answer(active())
    await expect(verifier.verify(TOKEN)).resolves.toBeDefined()
  })

  it('requireExp: false accepts a token without exp (expiresAt null, cached for maxTtlMs)', async () => {
    handler = answer(active({ exp: undefined }))
    const verifier = verifierFor({ requireExp: false, cache: { maxTtlMs: 1_000 } })
    await expect(verifier.verify(TOKEN)).resolves.toMatchObject({ expiresAt: null })
    time += 999
    await verifier.verify(TOKEN)
    expect(verifier.requests).toBe(1)
    time += 1
    await verifier.verify(TOKEN)
    expect(verifier.requests).toBe(2)
  })

  it('clockToleranceMs, maxTokenAgeMs and validate apply as for a JWT', async () => {
    handler = answer(active({ exp: T0 / 1000 - 5 }))
    await expect(verifierFor({ clockToleranceMs: 10_000 }).verify(TOKEN)).resolves.toBeDefined()
    handler = answer(active())
    const aged = await verifierFor({ maxTokenAgeMs: 60_000 }).verify(TOKEN)
    expect(aged.expiresAt).toBe(T0 - 10_000 + 60_000)
    const error = await refusal(
      verifierFor({
        validate: (claims) => {
          if (claims.client_id !== 'mobile') throw new Error('not a ClaimInvalidError')
        },
      }).verify(TOKEN),
    )
    expect(error.code).toBe('server_error')
  })
})

describe('the cache', () => {
  it('never serves a result past exp', async () => {
    handler = answer(active({ exp: T0 / 1000 + 5 }))
    const verifier = verifierFor({ cache: { maxTtlMs: 60_000 } })
    await verifier.verify(TOKEN)
    time += 4_999
    await verifier.verify(TOKEN)
    expect(verifier.requests).toBe(1)
    time += 1
    // At exp the entry is gone; the endpoint is asked, and the verifier refuses the expired token.
    expect((await refusal(verifier.verify(TOKEN))).code).toBe('token_expired')
    expect(verifier.requests).toBe(2)
  })

  it('keeps at most maxEntries results (least recently used dropped first)', async () => {
    handler = answer(active())
    const verifier = verifierFor({ cache: { maxEntries: 2 } })
    await verifier.verify('token-a')
    await verifier.verify('token-b')
    await verifier.verify('token-a')
    await verifier.verify('token-c') // evicts token-b
    expect(verifier.requests).toBe(3)
    await verifier.verify('token-a')
    await verifier.verify('token-c')
    expect(verifier.requests).toBe(3)
    await verifier.verify('token-b')
    expect(verifier.requests).toBe(4)
  })

  it('cache: false asks every time; one request in flight per token still', async () => {
    const held: (() => void)[] = []
    handler = (req, res, body) => {
      held.push(() => {
        answer(active())(req, res, body)
      })
    }
    const verifier = verifierFor({ cache: false })
    const pending = Array.from({ length: 10 }, () => verifier.verify(TOKEN))
    const other = verifier.verify('another-token')
    // Ten concurrent verifications of one token, one of another: two requests in flight.
    await expect.poll(() => held.length).toBe(2)
    for (const release of held) release()
    const [first, ...rest] = await Promise.all(pending)
    for (const result of rest) expect(result).toBe(first)
    await other
    expect(verifier.requests).toBe(2)
    // Settled, and nothing cached: the next call asks again.
    handler = answer(active())
    await verifier.verify(TOKEN)
    expect(verifier.requests).toBe(3)
  })
})
