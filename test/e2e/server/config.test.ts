// loadConfig: defaults, flags over variables, and a ConfigError naming the variable for each
// bad setting (checked at start, before anything listens).
import { describe, expect, it } from 'vitest'
import { CONFIG_VARIABLES, ConfigError, loadConfig, resolveConfig } from '../../../server/config.js'

const SECRET = 'k'.repeat(32)

/** The ConfigError `loadConfig` throws for `env` and `argv`. */
function failure(env: Record<string, string>, argv: string[] = []): ConfigError {
  try {
    loadConfig(env, argv)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`loadConfig accepted ${JSON.stringify({ env, argv })}`)
}

describe('loadConfig', () => {
  it('has defaults: 127.0.0.1:3000, the development issuer, info logs', () => {
    expect(loadConfig({})).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      tokenTtlSeconds: 300,
      logLevel: 'info',
      handshakeRateLimit: 30,
      jwtSecret: undefined,
      jwksUri: undefined,
      issuerUrl: undefined,
    })
  })

  it('reads variables, and flags win over them', () => {
    const env = { PORT: '4000', HOST: 'localhost', TOKEN_TTL: '60', LOG_LEVEL: 'debug' }
    expect(loadConfig(env)).toMatchObject({ port: 4000, host: 'localhost', tokenTtlSeconds: 60 })
    expect(loadConfig(env, ['--port', '5000', '--log-level=warn'])).toMatchObject({
      port: 5000,
      logLevel: 'warn',
      tokenTtlSeconds: 60,
    })
    // Empty variables count as unset (as docker-compose passes them).
    expect(loadConfig({ PORT: '', JWT_SECRET: '' })).toMatchObject({ port: 3000 })
  })

  it('configures an external issuer', () => {
    expect(loadConfig({ JWT_SECRET: SECRET, AUDIENCE: 'chat' })).toMatchObject({
      jwtSecret: SECRET,
      algorithms: ['HS256'],
      audience: 'chat',
    })
    expect(
      loadConfig({
        JWKS_URI: 'https://id.example/jwks.json',
        AUDIENCE: 'chat',
        ALGORITHMS: 'ES256, RS256',
        HOST: '0.0.0.0',
      }),
    ).toMatchObject({ algorithms: ['ES256', 'RS256'], host: '0.0.0.0' })
    expect(loadConfig({ ISSUER_URL: 'https://id.example', AUDIENCE: 'chat' })).toMatchObject({
      algorithms: ['RS256'],
    })
  })

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['PORT', { PORT: '3.5' }],
    ['TOKEN_TTL', { TOKEN_TTL: '0' }],
    ['HANDSHAKE_RATE_LIMIT', { HANDSHAKE_RATE_LIMIT: 'many' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['JWT_SECRET', { JWT_SECRET: 'short-secret' }],
    ['JWT_SECRET', { JWT_SECRET: SECRET, ALGORITHMS: 'HS512' }],
    ['JWKS_URI', { JWT_SECRET: SECRET, JWKS_URI: 'https://id.example/jwks.json' }],
    ['ISSUER_URL', { JWKS_URI: 'https://id.example/jwks', ISSUER_URL: 'https://id.example' }],
    ['ALGORITHMS', { JWT_SECRET: SECRET, ALGORITHMS: 'RS256' }],
    ['ALGORITHMS', { JWKS_URI: 'https://id.example/jwks', AUDIENCE: 'a', ALGORITHMS: 'HS256' }],
    ['ALGORITHMS', { JWKS_URI: 'https://id.example/jwks', AUDIENCE: 'a', ALGORITHMS: 'none' }],
    ['ALGORITHMS', { JWKS_URI: 'https://id.example/jwks', AUDIENCE: 'a', ALGORITHMS: 'RS256,' }],
    ['ALGORITHMS', { ALGORITHMS: 'ES256' }],
    ['ISSUER', { ISSUER: 'https://id.example' }],
    ['AUDIENCE', { JWKS_URI: 'https://id.example/jwks' }],
    ['JWKS_URI', { JWKS_URI: 'http://id.example/jwks', AUDIENCE: 'a' }],
    ['ISSUER_URL', { ISSUER_URL: 'not a url', AUDIENCE: 'a' }],
    ['HOST', { HOST: '192.0.2.1' }],
    ['REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }],
    ['REDIS_URL', { REDIS_URL: '127.0.0.1:6379' }],
    ['REDIS_URL', { REDIS_URL: 'redis://' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'chat.example' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'ws://chat.example' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'https://chat.example/?room=1' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'https://chat.example', JWT_SECRET: SECRET }],
    ['REVOCATION_SWEEP_MS', { REVOCATION_SWEEP_MS: '1000' }],
    ['REVOCATION_SWEEP_MS', { REVOCATION_SWEEP_MS: '50', REDIS_URL: 'redis://r' }],
    ['REVOCATION_SWEEP_MS', { REVOCATION_SWEEP_MS: 'often', REDIS_URL: 'redis://r' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'true' }],
    ['TRUST_PROXY', { TRUST_PROXY: '10.0.0.0/33' }],
    ['TRUST_PROXY', { TRUST_PROXY: 'loopback,,10.0.0.1' }],
    ['TRUST_PROXY', { TRUST_PROXY: '1.5' }],
    ['TRUST_PROXY', { TRUST_PROXY: '64' }],
    ['NODE_ENV', { NODE_ENV: 'production' }],
    ['DEV_ISSUER_IN_PRODUCTION', { NODE_ENV: 'production', DEV_ISSUER_IN_PRODUCTION: 'yes' }],
    ['DEV_ISSUER_IN_PRODUCTION', { JWT_SECRET: SECRET, DEV_ISSUER_IN_PRODUCTION: '1' }],
  ])('names %s in its error: %j', (variable, env) => {
    const error = failure(env)
    expect(error.variable).toBe(variable)
    expect(error.message.startsWith(variable)).toBe(true)
  })

  it('takes Redis settings: REDIS_URL, PUBLIC_URL, REVOCATION_SWEEP_MS', () => {
    expect(loadConfig({})).toMatchObject({
      redisUrl: undefined,
      publicUrl: undefined,
      revocationSweepMs: undefined,
    })
    expect(
      loadConfig({
        REDIS_URL: 'redis://:pw@127.0.0.1:6379/2',
        PUBLIC_URL: 'https://chat.example/',
        REVOCATION_SWEEP_MS: '0',
      }),
    ).toMatchObject({
      redisUrl: 'redis://:pw@127.0.0.1:6379/2',
      // One spelling of the issuer for every node.
      publicUrl: 'https://chat.example',
      revocationSweepMs: 0,
    })
    expect(
      loadConfig({ REDIS_URL: 'rediss://redis.internal' }, ['--public-url', 'http://chat.test']),
    ).toMatchObject({ redisUrl: 'rediss://redis.internal', publicUrl: 'http://chat.test' })
    expect(
      loadConfig({ REDIS_URL: 'redis://r' }, ['--revocation-sweep-ms=500']).revocationSweepMs,
    ).toBe(500)
  })

  it('takes TRUST_PROXY: a hop count, or addresses, CIDRs and proxy-addr names', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined()
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBeUndefined()
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(
      loadConfig({}, ['--trust-proxy', 'loopback, 10.0.0.0/8,192.0.2.7, fd00::/8']).trustProxy,
    ).toEqual(['loopback', '10.0.0.0/8', '192.0.2.7', 'fd00::/8'])
    expect(() => resolveConfig({ trustProxy: [] })).toThrow(/^TRUST_PROXY/)
  })

  it('refuses the development issuer under NODE_ENV=production without the opt-in', () => {
    const error = failure({ NODE_ENV: 'production', HOST: '0.0.0.0' })
    // One sentence that names what to set.
    expect(error.message).toMatch(/^NODE_ENV is production\b[^.\n]*\.?$/)
    for (const name of ['JWT_SECRET', 'JWKS_URI', 'ISSUER_URL', 'DEV_ISSUER_IN_PRODUCTION'])
      expect(error.message).toContain(name)
    expect(
      loadConfig({ NODE_ENV: 'production', DEV_ISSUER_IN_PRODUCTION: '1', HOST: '0.0.0.0' }),
    ).toMatchObject({ production: true, devIssuerInProduction: true, host: '0.0.0.0' })
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET })).toMatchObject({
      production: true,
      devIssuerInProduction: false,
    })
    expect(loadConfig({ NODE_ENV: 'development' }).production).toBe(false)
    expect(() => resolveConfig({ production: true })).toThrow(/^NODE_ENV/)
  })

  it('lists every variable it reads in CONFIG_VARIABLES', () => {
    for (const name of ['TRUST_PROXY', 'NODE_ENV', 'DEV_ISSUER_IN_PRODUCTION'])
      expect(CONFIG_VARIABLES).toContain(name)
  })

  it('never echoes a secret: a Redis password, JWT_SECRET', () => {
    const redis = failure({ REDIS_URL: 'https://user:hunter2@redis.example' }).message
    expect(redis).toMatch(/redis: or rediss:/)
    expect(redis).not.toContain('hunter2')
    expect(failure({ REDIS_URL: 'hunter2' }).message).not.toContain('hunter2')
    expect(failure({ JWT_SECRET: 'hunter2-hunter2' }).message).not.toContain('hunter2')
    expect(failure({ JWT_SECRET: 'hunter2-hunter2' }).message).toContain('32 bytes')
  })

  it('names the flag in its error, and refuses unknown flags', () => {
    const bad = failure({}, ['--port', 'abc'])
    expect(bad.variable).toBe('PORT')
    expect(bad.message).toContain('--port')
    expect(failure({}, ['--prot', '3000']).variable).toBe('--prot')
    expect(failure({}, ['--port']).variable).toBe('PORT')
    expect(failure({}, ['3000']).variable).toBe('3000')
  })

  it('validates programmatic settings too (startServer uses resolveConfig)', () => {
    // startServer resolves what loadConfig resolved already: the same result again.
    const loaded = loadConfig({ REDIS_URL: 'redis://r', PUBLIC_URL: 'http://chat.test/' })
    expect(resolveConfig(loaded)).toEqual(loaded)
    expect(resolveConfig(loadConfig({}))).toEqual(loadConfig({}))
    expect(() => resolveConfig({ port: 1.5 })).toThrow(/^PORT/)
    expect(() => resolveConfig({ jwtSecret: SECRET, jwksUri: 'https://x/jwks' })).toThrow(
      ConfigError,
    )
    expect(resolveConfig({ port: 0, logLevel: 'silent' })).toMatchObject({ port: 0 })
  })
})
