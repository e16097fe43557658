// createIntrospectionVerifier's options, checked once at creation: every mistake is an
// InvalidOptionError naming the option, and nothing is fetched.
import { describe, expect, it } from 'vitest'
import { createIntrospectionVerifier } from '../../../src/index.js'
import { formEncode } from '../../../src/introspection/normalize-introspection-options.js'

const base = {
  url: 'https://auth.example.com/oauth2/introspect',
  clientId: 'chat-api',
  clientSecret: 'secret',
} as const

const refusedOption = (options: unknown): string | undefined => {
  try {
    createIntrospectionVerifier(options as Parameters<typeof createIntrospectionVerifier>[0])
  } catch (error) {
    expect(error).toMatchObject({ code: 'invalid_option', name: 'InvalidOptionError' })
    return (error as { option: string }).option
  }
  return undefined
}

describe('createIntrospectionVerifier options', () => {
  it('accepts the minimal options, loopback http and a URL object', () => {
    expect(refusedOption(base)).toBeUndefined()
    expect(refusedOption({ ...base, url: 'http://127.0.0.1:8080/introspect' })).toBeUndefined()
    expect(refusedOption({ ...base, url: 'http://localhost/introspect' })).toBeUndefined()
    expect(refusedOption({ ...base, url: new URL('https://idp.example/i') })).toBeUndefined()
  })

  it.each([
    ['no options', undefined, 'options'],
    ['no url', { ...base, url: undefined }, 'url'],
    ['a relative url', { ...base, url: '/introspect' }, 'url'],
    ['plain http to another host', { ...base, url: 'http://auth.example.com/i' }, 'url'],
    ['credentials in the url', { ...base, url: 'https://u:p@auth.example.com/i' }, 'url'],
    ['another scheme', { ...base, url: 'ftp://auth.example.com/i' }, 'url'],
    ['no clientId', { ...base, clientId: undefined }, 'clientId'],
    ['an empty clientSecret', { ...base, clientSecret: '' }, 'clientSecret'],
    ['an unknown clientAuth', { ...base, clientAuth: 'private_key_jwt' }, 'clientAuth'],
    ['a typo', { ...base, audiance: 'x' }, 'audiance'],
    ['a JWT header option', { ...base, typ: 'at+jwt' }, 'typ'],
    ['algorithms', { ...base, algorithms: ['RS256'] }, 'algorithms'],
    ["the verifier's cache shape", { ...base, cache: { max: 10 } }, 'cache.max'],
    ['cache: true', { ...base, cache: true }, 'cache'],
    ['cache.maxEntries 0', { ...base, cache: { maxEntries: 0 } }, 'cache.maxEntries'],
    ['cache.maxTtlMs too large', { ...base, cache: { maxTtlMs: 86_400_001 } }, 'cache.maxTtlMs'],
    ['timeoutMs 0', { ...base, timeoutMs: 0 }, 'timeoutMs'],
    ['timeoutMs over 30 s', { ...base, timeoutMs: 30_001 }, 'timeoutMs'],
    ['maxResponseBytes over 1 MiB', { ...base, maxResponseBytes: 2 ** 21 }, 'maxResponseBytes'],
    ['maxTokenBytes under 64', { ...base, maxTokenBytes: 10 }, 'maxTokenBytes'],
    ['an empty audience', { ...base, audience: '' }, 'audience'],
    ['an empty issuer list', { ...base, issuer: [] }, 'issuer'],
    ['requiredClaims not an array', { ...base, requiredClaims: 'sub' }, 'requiredClaims'],
    ['clockToleranceMs over 60 s', { ...base, clockToleranceMs: 60_001 }, 'clockToleranceMs'],
    ['requireExp not boolean', { ...base, requireExp: 'no' }, 'requireExp'],
    ['validate not a function', { ...base, validate: {} }, 'validate'],
    ['fetch not a function', { ...base, fetch: 'fetch' }, 'fetch'],
    ['now not a function', { ...base, now: 0 }, 'now'],
  ])('refuses %s', (_name, options, option) => {
    expect(refusedOption(options)).toBe(option)
  })

  it('form-encodes credentials as RFC 6749 Appendix B says (space as +)', () => {
    expect(formEncode('a b:c+d%e&f=g/h~i*j.k-l_m')).toBe('a+b%3Ac%2Bd%25e%26f%3Dg%2Fh%7Ei*j.k-l_m')
    expect(formEncode('plain-id_1.2')).toBe('plain-id_1.2')
  })
})
