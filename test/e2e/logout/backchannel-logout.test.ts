// The back-channel logout receiver over real HTTP, with a provider key made at run time: a valid
// logout token revokes the session (or the subject) and its sockets end; every malformed, forged,
// replayed, misdirected or mis-shaped request gets 400 `invalid_request` and nothing else happens.
import { createServer, type Server as HttpServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BACKCHANNEL_LOGOUT_EVENT,
  backchannelLogout,
  createMemoryRevocationStore,
  type BackchannelLogoutHandler,
  type BackchannelLogoutOptions,
  type Guard,
  type RevocationStore,
} from '../../../src/index.js'
import { connected, nothingBeforeRoundTrip, watchProcess } from '../../support/guard-e2e.js'
import { forge, signerFor } from '../../support/sign.js'
import { createSigningKey, type SigningKey } from '../../support/signing-key.js'
import { nextEvent, startServer } from '../../support/socket-server.js'

const ISS = 'https://idp.example'
const CLIENT = 'chat-client'

let key: SigningKey
let stranger: SigningKey
const watch = watchProcess()

beforeAll(async () => {
  key = await createSigningKey('RS256', 'k1')
  // Same kid, another key: a forgery that names the provider's key.
  stranger = await createSigningKey('RS256', 'k1')
})
afterAll(() => {
  watch.stop()
  expect(watch.errors).toEqual([])
})

const now = (): number => Math.floor(Date.now() / 1000)

/** A logout token as §2.4 shapes it; `claims` override (undefined removes). */
function logoutToken(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  signer: SigningKey = key,
): string {
  const all: Record<string, unknown> = {
    iss: ISS,
    aud: CLIENT,
    iat: now(),
    exp: now() + 120,
    jti: `j-${Math.random()}`,
    sid: 's-1',
    sub: 'alice',
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...claims,
  }
  const payload = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined))
  return forge(
    { alg: 'RS256', kid: 'k1', typ: 'logout+jwt', ...header },
    payload,
    signerFor('RS256', signer.privateKey),
  )
}

/** A plain node:http server running the handler. */
async function serve(handler: BackchannelLogoutHandler): Promise<HttpServer & AsyncDisposable> {
  const http = createServer((req, res) => {
    handler(req, res)
  })
  http.listen(0, '127.0.0.1')
  await once(http, 'listening')
  return Object.assign(http, {
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => {
          resolve()
        })
      }),
  })
}

const urlOf = (http: HttpServer): string =>
  `http://127.0.0.1:${(http.address() as AddressInfo).port}/logout`

function post(url: string, body: string, type = 'application/x-www-form-urlencoded') {
  return fetch(url, { method: 'POST', headers: { 'content-type': type }, body })
}

const form = (token: string): string => new URLSearchParams({ logout_token: token }).toString()

/** A guard recording the revocations asked of it. */
function recordingGuard(): Pick<Guard, 'revoke'> & { targets: unknown[] } {
  const targets: unknown[] = []
  return {
    targets,
    revoke: (target) => {
      targets.push(target)
      return Promise.resolve()
    },
  }
}

function options(guard: Pick<Guard, 'revoke'>): BackchannelLogoutOptions {
  return { guard, jwks: { keys: [key.jwk as never] }, issuer: ISS, audience: CLIENT }
}

describe('backchannelLogout: a valid logout token', () => {
  it('revokes the provider session through the guard: its sockets end, others stay', async () => {
    await using server = await startServer()
    const handler = backchannelLogout({ ...options(server.guard) })
    await using http = await serve(handler)
    const inSession = server.connect({
      auth: { token: server.issuer.sign({ iss: ISS, sid: 's-1' }) },
    })
    const other = server.connect({ auth: { token: server.issuer.sign({ iss: ISS, sid: 's-2' }) } })
    await connected(inSession)
    await connected(other)
    const ended = nextEvent<{ code: string }>(inSession, 'unauthorized', 2_000)
    const response = await post(urlOf(http), form(logoutToken()))
    expect(response.status).toBe(200)
    expect(response.headers.get('cache-control')).toBe('no-store')
    expect((await ended).code).toBe('token_revoked')
    await nothingBeforeRoundTrip(server.io, other, 'disconnect')
  })

  it('without sid revokes the subject; typ may be absent; exp may be absent', async () => {
    const guard = recordingGuard()
    await using http = await serve(backchannelLogout(options(guard)))
    const token = logoutToken({ sid: undefined, exp: undefined }, { typ: undefined })
    expect((await post(urlOf(http), form(token))).status).toBe(200)
    expect(guard.targets).toEqual([{ sub: 'alice' }])
  })

  it('works as Express middleware, also after express.urlencoded()', async () => {
    const guard = recordingGuard()
    const app = express()
    app.post('/logout', backchannelLogout(options(guard)))
    app.post(
      '/parsed/logout',
      express.urlencoded({ extended: false }),
      backchannelLogout(options(guard)),
    )
    const http = app.listen(0, '127.0.0.1')
    await once(http, 'listening')
    try {
      const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
      expect((await post(`${base}/logout`, form(logoutToken()))).status).toBe(200)
      expect((await post(`${base}/parsed/logout`, form(logoutToken()))).status).toBe(200)
      expect(guard.targets).toEqual([
        { sid: 's-1', iss: ISS },
        { sid: 's-1', iss: ISS },
      ])
      // The limit holds after a parser too: a valid token padded past 16 KiB (attack4 idp F1).
      const padded = `${form(logoutToken({ jti: 'padded' }))}&padding=${'a'.repeat(20_000)}`
      expect((await post(`${base}/parsed/logout`, padded)).status).toBe(400)
      expect(guard.targets).toHaveLength(2)
    } finally {
      http.closeAllConnections()
      http.close()
    }
  })
})

describe('backchannelLogout refuses with 400 invalid_request, and revokes nothing', () => {
  const cases: [string, () => { method?: string; type?: string; body?: string }][] = [
    [
      'a forged signature (another key, same kid)',
      () => ({ body: form(logoutToken({}, {}, stranger)) }),
    ],
    ['alg none', () => ({ body: form(logoutToken({}, { alg: 'none' }).replace(/[^.]+$/, '')) })],
    ['another audience', () => ({ body: form(logoutToken({ aud: 'other-client' })) })],
    ['another issuer', () => ({ body: form(logoutToken({ iss: 'https://evil.example' })) })],
    ['a nonce (an ID token)', () => ({ body: form(logoutToken({ nonce: 'n-1' })) })],
    ['no events', () => ({ body: form(logoutToken({ events: undefined })) })],
    [
      'events without the logout event',
      () => ({ body: form(logoutToken({ events: { other: {} } })) }),
    ],
    [
      'an event that is not an object',
      () => ({ body: form(logoutToken({ events: { [BACKCHANNEL_LOGOUT_EVENT]: 'yes' } })) }),
    ],
    [
      'events as an array',
      () => ({ body: form(logoutToken({ events: [BACKCHANNEL_LOGOUT_EVENT] })) }),
    ],
    [
      'neither sub nor sid',
      () => ({ body: form(logoutToken({ sub: undefined, sid: undefined })) }),
    ],
    ['no jti', () => ({ body: form(logoutToken({ jti: undefined })) })],
    ['no iat', () => ({ body: form(logoutToken({ iat: undefined })) })],
    ['an expired exp', () => ({ body: form(logoutToken({ iat: now() - 600, exp: now() - 300 })) })],
    [
      'an iat older than maxTokenAgeMs',
      () => ({ body: form(logoutToken({ iat: now() - 3_600, exp: undefined })) }),
    ],
    ['a numeric sid', () => ({ body: form(logoutToken({ sid: 123 })) })],
    ['typ JWT (an access or ID token)', () => ({ body: form(logoutToken({}, { typ: 'JWT' })) })],
    ['typ at+jwt', () => ({ body: form(logoutToken({}, { typ: 'at+jwt' })) })],
    ['a GET', () => ({ method: 'GET' })],
    ['a PUT', () => ({ method: 'PUT', body: form(logoutToken()) })],
    [
      'JSON',
      () => ({ type: 'application/json', body: JSON.stringify({ logout_token: logoutToken() }) }),
    ],
    ['text/plain', () => ({ type: 'text/plain', body: form(logoutToken()) })],
    ['no logout_token', () => ({ body: 'token=x' })],
    ['two logout_tokens', () => ({ body: `${form(logoutToken())}&${form(logoutToken())}` })],
    ['an empty logout_token', () => ({ body: 'logout_token=' })],
    ['garbage', () => ({ body: 'logout_token=%ZZ%00not.a.jwt' })],
    ['an oversized body', () => ({ body: `logout_token=${'a'.repeat(20_000)}` })],
  ]

  it.each(cases)('%s', async (_, make) => {
    const guard = recordingGuard()
    const failures: string[] = []
    await using http = await serve(
      backchannelLogout({ ...options(guard), onFailure: (error) => failures.push(error.code) }),
    )
    const { method = 'POST', type = 'application/x-www-form-urlencoded', body } = make()
    const response = await fetch(urlOf(http), {
      method,
      headers: { 'content-type': type },
      ...(body === undefined ? {} : { body }),
    })
    expect(response.status).toBe(400)
    expect(response.headers.get('cache-control')).toBe('no-store')
    const answer = (await response.json()) as Record<string, unknown>
    expect(answer).toEqual({
      error: 'invalid_request',
      error_description: expect.any(String) as unknown,
    })
    if (body !== undefined && body.length > 40) {
      const token = new URLSearchParams(body).get('logout_token') ?? ''
      const signature = token.split('.')[2] ?? ''
      if (signature.length > 8) expect(JSON.stringify(answer)).not.toContain(signature)
    }
    expect(guard.targets).toEqual([])
    expect(failures).toHaveLength(1)
  })

  it('a replayed token (same iss and jti), even re-encoded in the form', async () => {
    const guard = recordingGuard()
    await using http = await serve(backchannelLogout(options(guard)))
    const token = logoutToken({ jti: 'once' })
    expect((await post(urlOf(http), form(token))).status).toBe(200)
    const again = await post(urlOf(http), `logout_token=${token}`)
    expect(again.status).toBe(400)
    expect(await again.json()).toMatchObject({ error: 'invalid_request' })
    // Another token with the same jti is the same token id: refused too.
    expect((await post(urlOf(http), form(logoutToken({ jti: 'once', sid: 's-9' })))).status).toBe(
      400,
    )
    expect(guard.targets).toHaveLength(1)
  })

  it('an oversized body announced by Content-Length is refused before it is read', async () => {
    const guard = recordingGuard()
    await using http = await serve(backchannelLogout({ ...options(guard), maxBodyBytes: 1_024 }))
    const response = await post(urlOf(http), `logout_token=${'a'.repeat(2_000)}`)
    expect(response.status).toBe(400)
    expect(guard.targets).toEqual([])
  })
})

describe('backchannelLogout: a chunked body (no Content-Length)', () => {
  it('over the limit is refused 400 as it streams in', async () => {
    const guard = recordingGuard()
    await using http = await serve(backchannelLogout({ ...options(guard), maxBodyBytes: 1_024 }))
    const { request } = await import('node:http')
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(urlOf(http), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      })
      req.on('response', (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      req.on('error', reject)
      // A valid token: only the size can refuse it.
      req.write(form(logoutToken()))
      req.write(`&padding=${'b'.repeat(2_000)}`)
      req.end()
    })
    expect(status).toBe(400)
    expect(guard.targets).toEqual([])
  })
})

describe('backchannelLogout when the store or the keys fail', () => {
  it('a store that cannot keep the revocation: 503, no token echoed; the retry is heard', async () => {
    const memory = createMemoryRevocationStore()
    let down = true
    const store: RevocationStore = {
      revokeSubject: (...args) => memory.revokeSubject(...args),
      revokeToken: (...args) => memory.revokeToken(...args),
      revokeSession: (...args) =>
        down ? Promise.reject(new Error('ECONNREFUSED 6379')) : memory.revokeSession!(...args),
      isRevoked: (...args) => memory.isRevoked(...args),
    }
    await using server = await startServer({ guard: { revocationStore: store } })
    await using http = await serve(backchannelLogout(options(server.guard)))
    const token = logoutToken()
    const response = await post(urlOf(http), form(token))
    expect(response.status).toBe(503)
    const text = await response.text()
    expect(text).not.toContain(token.split('.')[2]!)
    expect(text).not.toContain('ECONNREFUSED')
    expect(JSON.parse(text)).toMatchObject({ error: 'temporarily_unavailable' })
    down = false
    expect((await post(urlOf(http), form(token))).status).toBe(200)
    expect(memory.isRevoked({ iss: ISS, sid: 's-1' }, Date.now())).toBe(true)
  })

  it('a provider whose keys cannot be fetched: 503', async () => {
    const guard = recordingGuard()
    await using http = await serve(
      backchannelLogout({
        guard,
        jwksUri: 'http://127.0.0.1:9/jwks.json',
        issuer: ISS,
        audience: CLIENT,
        timeoutMs: 500,
      }),
    )
    expect((await post(urlOf(http), form(logoutToken()))).status).toBe(503)
    expect(guard.targets).toEqual([])
  })

  it('validates its options at creation', () => {
    const guard = recordingGuard()
    const base = { guard, audience: CLIENT }
    expect(() => backchannelLogout({ ...base })).toThrow(/issuerUrl/)
    expect(() => backchannelLogout({ ...base, jwks: { keys: [key.jwk as never] } })).toThrow(
      /issuer/,
    )
    expect(() => backchannelLogout({ ...options(guard), audience: '' })).toThrow(/audience/)
    expect(() => backchannelLogout({ ...options(guard), guard: {} as never })).toThrow(/guard/)
    expect(() => backchannelLogout({ ...options(guard), maxBodyBytes: 0 })).toThrow(/maxBodyBytes/)
    expect(() => backchannelLogout({ ...options(guard), audiance: CLIENT } as never)).toThrow(
      /audiance/,
    )
  })
})
