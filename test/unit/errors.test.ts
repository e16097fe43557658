import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  AUTH_ERROR_CODES,
  AuthError,
  ClaimInvalidError,
  InvalidOptionError,
  KeyError,
  TokenExpiredError,
  isAuthError,
} from '../../src/index.js'

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

/** The codes in the first column of the table under `heading`. */
function tableCodes(heading: string): string[] {
  const start = doc.indexOf(`## ${heading}`)
  expect(start, `docs/errors.md has a "## ${heading}" section`).toBeGreaterThanOrEqual(0)
  const section = doc.slice(start + 3).split(/\n## /)[0] ?? ''
  return [...section.matchAll(/^\|\s*`([a-z_]+)`\s*\|/gm)].map((m) => m[1] ?? '')
}

describe('docs/errors.md', () => {
  it('documents exactly the AuthError codes, in either direction', () => {
    const documented = tableCodes('AuthError codes')
    expect(new Set(documented).size).toBe(documented.length)
    expect([...documented].sort()).toEqual([...AUTH_ERROR_CODES].sort())
  })

  it('documents the configuration error code', () => {
    expect(tableCodes('Configuration errors')).toEqual([new InvalidOptionError('x', 'y').code])
  })
})

describe('error classes', () => {
  it('carry their code, claim and kid, and keep the cause', () => {
    const cause = new Error('network down')
    const err = new KeyError('keys_unavailable', 'The key set could not be fetched.', {
      cause,
      kid: 'k1',
    })
    expect(err).toBeInstanceOf(AuthError)
    expect(err).toMatchObject({ code: 'keys_unavailable', kid: 'k1', cause })
    expect(new ClaimInvalidError('aud', 'no')).toMatchObject({
      code: 'claim_invalid',
      claim: 'aud',
    })
    expect(new TokenExpiredError('late', 5000)).toMatchObject({
      code: 'token_expired',
      claim: 'exp',
      expiredAt: 5000,
    })
  })

  it('InvalidOptionError is a TypeError naming the option', () => {
    const err = new InvalidOptionError('audience', 'must be a string')
    expect(err).toBeInstanceOf(TypeError)
    expect(err).toMatchObject({ code: 'invalid_option', option: 'audience' })
    expect(err.message).toContain('`audience`')
  })

  it('isAuthError recognises AuthErrors from another copy of the package (by their brand)', () => {
    // Another copy's AuthError carries the same registered brand, not this copy's prototype.
    const foreign = Object.defineProperty(
      Object.assign(new Error('expired'), { code: 'token_expired' }),
      Symbol.for('sockguard.AuthError'),
      { value: true },
    )
    expect(isAuthError(foreign)).toBe(true)
    expect(isAuthError(new AuthError('token_expired', 'x'))).toBe(true)
    expect(Object.keys(new AuthError('token_expired', 'x'))).not.toContain('sockguard.AuthError')
    expect(isAuthError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(false)
  })

  it('isAuthError: an error that merely has an auth code is not one (issue 10, B7)', () => {
    expect(isAuthError(Object.assign(new Error('pg: x'), { code: 'token_invalid' }))).toBe(false)
    expect(isAuthError(Object.assign(new Error('expired'), { code: 'token_expired' }))).toBe(false)
    // An AuthError made by JavaScript with a code that is not one of ours is not one either.
    expect(isAuthError(new AuthError('bogus_code' as 'token_invalid', 'secret 10.0.0.5'))).toBe(
      false,
    )
    expect(isAuthError({ code: 'token_expired' })).toBe(false)
  })
})
