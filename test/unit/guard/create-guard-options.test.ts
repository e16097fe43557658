// createGuard validates every option at creation: a TypeError with code `invalid_option` naming
// the option, never a failure at the first connection.
import { describe, expect, it } from 'vitest'
import {
  InvalidOptionError,
  createGuard,
  createMemoryRevocationStore,
  createVerifier,
  type GuardOptions,
} from '../../../src/index.js'
import { createRedisRateLimiter, createRedisRevocationStore } from '../../../src/redis/index.js'

const key = { secret: 'k'.repeat(32), algorithms: ['HS256'] } as const
const verifier = createVerifier(key)

/** Calls createGuard with options the types would refuse, as JavaScript callers can. */
const create = (options: unknown) => (): void => {
  createGuard(options as GuardOptions)
}

/** Matches the InvalidOptionError of `option`. */
const invalid = (option: string): Error =>
  expect.objectContaining({ name: 'InvalidOptionError', code: 'invalid_option', option }) as Error

describe('createGuard option validation', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['tokenFrom empty', { tokenFrom: [] }, 'tokenFrom'],
    ['tokenFrom with an unknown source', { tokenFrom: ['auth', 'body'] }, 'tokenFrom'],
    ['tokenFrom as a string', { tokenFrom: 'auth' }, 'tokenFrom'],
    ['cookie without allowedOrigins', { tokenFrom: ['cookie'] }, 'allowedOrigins'],
    [
      'cookie with empty allowedOrigins',
      { tokenFrom: ['cookie'], allowedOrigins: [] },
      'allowedOrigins',
    ],
    ['allowedOrigins not URLs', { allowedOrigins: ['app.example'] }, 'allowedOrigins'],
    ['allowedOrigins not an array', { allowedOrigins: 'https://app.example' }, 'allowedOrigins'],
    ['cookieName with a space', { cookieName: 'my token' }, 'cookieName'],
    ['cookieName empty', { cookieName: '' }, 'cookieName'],
    ['mode unknown', { mode: 'lazy' }, 'mode'],
    ['timeoutMs zero', { timeoutMs: 0 }, 'timeoutMs'],
    ['timeoutMs fractional', { timeoutMs: 1.5 }, 'timeoutMs'],
    ['timeoutMs a string', { timeoutMs: '15000' }, 'timeoutMs'],
    ['expiringWarningMs negative', { expiringWarningMs: -1 }, 'expiringWarningMs'],
    ['clockToleranceMs above a minute', { clockToleranceMs: 120_000 }, 'clockToleranceMs'],
    ['revocationTtlMs zero', { revocationTtlMs: 0 }, 'revocationTtlMs'],
    ['revocationCheck unknown', { revocationCheck: 'closed' }, 'revocationCheck'],
    ['revocationSweepMs negative', { revocationSweepMs: -1 }, 'revocationSweepMs'],
    ['revocationSweepMs past setTimeout', { revocationSweepMs: 2 ** 31 }, 'revocationSweepMs'],
    ['now not a function', { now: 1_700_000_000_000 }, 'now'],
    ['revocationStore without methods', { revocationStore: {} }, 'revocationStore'],
    ['onAuthenticated not a function', { onAuthenticated: true }, 'onAuthenticated'],
    ['onFailure not a function', { onFailure: 'log' }, 'onFailure'],
    ['rateLimit a number', { rateLimit: 10 }, 'rateLimit'],
    ['rateLimit.points zero', { rateLimit: { points: 0 } }, 'rateLimit.points'],
    [
      'rateLimit.durationMs under a second',
      { rateLimit: { durationMs: 10 } },
      'rateLimit.durationMs',
    ],
    ['rateLimit.key not a function', { rateLimit: { key: 'ip' } }, 'rateLimit.key'],
    ['a typo in a rateLimit member', { rateLimit: { Points: 1 } }, 'rateLimit.Points'],
  ])('%s', (_name, options, option) => {
    // The same rule, whether the verifier is given or built inline.
    expect(create({ verifier, ...options })).toThrow(invalid(option))
    expect(create({ ...key, ...options })).toThrow(invalid(option))
    expect(create({ verifier, ...options })).toThrow(TypeError)
  })

  it('refuses verifier options beside a verifier, and unknown options', () => {
    expect(create({ verifier, secret: key.secret })).toThrow(invalid('secret'))
    expect(create({ verifier, audience: 'chat' })).toThrow(invalid('audience'))
    expect(create({ verifier, tokenfrom: ['auth'] })).toThrow(invalid('tokenfrom'))
  })

  it('refuses an unknown option with inline verifier options too', () => {
    expect(create({ ...key, tokenfrom: ['auth'] })).toThrow(InvalidOptionError)
  })

  it('refuses something that is not a verifier, and options that are not an object', () => {
    expect(create({ verifier: {} })).toThrow(invalid('verifier'))
    expect(create({ verifier: { verify: 'yes' } })).toThrow(invalid('verifier'))
    expect(create(null)).toThrow(invalid('options'))
    expect(create('secret')).toThrow(invalid('options'))
  })

  it('passes verifier errors through when building the verifier inline', () => {
    expect(create({ secret: 'short', algorithms: ['HS256'] })).toThrow(InvalidOptionError)
    expect(create({ secret: key.secret, algorithms: ['none'] })).toThrow(InvalidOptionError)
    expect(create({ tokenFrom: ['auth'] })).toThrow(InvalidOptionError)
  })

  it('accepts a complete, valid configuration', () => {
    const guard = createGuard({
      verifier,
      tokenFrom: ['query', 'cookie', 'header', 'auth'],
      cookieName: '__Host-token',
      allowedOrigins: ['https://app.example', 'http://localhost:3000'],
      mode: 'handshake',
      timeoutMs: 5_000,
      expiringWarningMs: 30_000,
      clockToleranceMs: 1_000,
      revocationStore: createMemoryRevocationStore(),
      revocationTtlMs: 3_600_000,
      revocationCheck: 'fail-open',
      revocationSweepMs: 0,
      onAuthenticated: () => undefined,
      onFailure: () => undefined,
      rateLimit: { points: 5, durationMs: 60_000, key: (socket) => socket.handshake.address },
      now: Date.now,
    })
    expect(guard.verifier).toBe(verifier)
    expect(Object.isFrozen(guard)).toBe(true)
    expect(createGuard({ ...key, audience: 'chat', rateLimit: false }).middleware).toBeTypeOf(
      'function',
    )
  })

  it('guard.revoke() refuses a target without sub or jti', async () => {
    const guard = createGuard({ verifier })
    await expect(guard.revoke({} as { sub: string })).rejects.toThrow(invalid('target'))
    await expect(guard.revoke({ sub: '' })).rejects.toThrow(invalid('target'))
    await guard.close()
  })
})

describe('the Redis factories refuse unknown option names', () => {
  // Enough of an ioredis client for option checking; nothing is sent on it.
  const redis = {
    call: () => undefined,
    duplicate: () => undefined,
    on: () => undefined,
    disconnect: () => undefined,
  } as never

  it.each<[string, Record<string, unknown>, string]>([
    ['Points', { Points: 1 }, 'Points'],
    ['keyprefix', { keyprefix: 'x' }, 'keyprefix'],
  ])('createRedisRateLimiter refuses %s', (_name, options, option) => {
    expect(() => createRedisRateLimiter({ redis, ...options })).toThrow(invalid(option))
  })

  it.each<[string, Record<string, unknown>, string]>([
    ['prefx', { prefx: 'x:' }, 'prefx'],
    ['checkTimeoutMS', { checkTimeoutMS: 100 }, 'checkTimeoutMS'],
  ])('createRedisRevocationStore refuses %s', (_name, options, option) => {
    expect(() => createRedisRevocationStore({ redis, ...options })).toThrow(invalid(option))
  })
})
