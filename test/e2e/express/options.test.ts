// requireAuth checks its options once, at creation: each mistake is an InvalidOptionError that
// names the option, never a failure at the first request.
import { describe, expect, it } from 'vitest'
import { createVerifier, InvalidOptionError } from '../../../src/index.js'
import { requireAuth, type RequireAuthOptions } from '../../../src/express/index.js'

const secret = 'x'.repeat(32)
const verifier = createVerifier({ secret, algorithms: ['HS256'] })

describe('requireAuth options', () => {
  it.each([
    ['options', null],
    ['verifier', { verifier: { verify: 'no' } }],
    ['verifier', { verifier: 'a verifier' }],
    ['secret', { verifier, secret }],
    ['realm', { verifier, realm: '' }],
    ['realm', { verifier, realm: 'api\r\nSet-Cookie: x=1' }],
    ['realm', { verifier, realm: 'réalm' }],
    ['realm', { verifier, realm: 42 }],
    ['revocationStore', { verifier, revocationStore: {} }],
    ['revocationStore', { verifier, revocationStore: null }],
    ['revocationCheck', { verifier, revocationCheck: 'fail-quietly' }],
    ['onFailure', { verifier, onFailure: 'log' }],
    ['retryAfterMs', { verifier, retryAfterMs: -1 }],
    ['retryAfterMs', { verifier, retryAfterMs: 1.5 }],
    ['now', { verifier, now: 0 }],
    ['algorithms', { secret }],
    ['secret', { secret: 'short', algorithms: ['HS256'] }],
  ])('refuses a bad `%s`', (option, options) => {
    let thrown: unknown
    try {
      requireAuth(options as unknown as RequireAuthOptions)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError)
    expect(thrown).toMatchObject({ code: 'invalid_option', option })
  })

  it('accepts every option beside a verifier, and verifier options inline', () => {
    expect(() =>
      requireAuth({
        verifier,
        realm: 'api "v2"',
        revocationStore: { isRevoked: () => false, revokeSubject() {}, revokeToken() {} },
        revocationCheck: 'fail-open',
        onFailure: () => undefined,
        retryAfterMs: 0,
        now: Date.now,
      }),
    ).not.toThrow()
    const inline = requireAuth({ secret, algorithms: ['HS256'], realm: 'api', issuer: 'me' })
    expect(inline.verifier).not.toBe(verifier)
  })
})
