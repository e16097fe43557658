// The verifier's `validate` option: a custom claims check after the built-in ones, whose
// AuthErrors refuse with their code and whose other failures (a throw, a promise) are server_error.
import { describe, expect, it, vi } from 'vitest'
import { ClaimInvalidError, createVerifier } from '../../../src/index.js'
import { nowSeconds, signJwt } from '../../support/sign.js'

const secret = 'validate-option-test-secret-32-bytes!!'
const token = (claims: Record<string, unknown>): string =>
  signJwt('HS256', secret, { sub: 'alice', exp: nowSeconds() + 60, ...claims })

describe('validate option', () => {
  it('runs after the built-in checks and refuses with the ClaimInvalidError it throws', async () => {
    const validate = vi.fn((claims: Record<string, unknown>) => {
      if (claims.tid !== 't1') throw new ClaimInvalidError('tid', 'Another tenant.')
    })
    const verifier = createVerifier({ secret, algorithms: ['HS256'], validate })
    await expect(verifier.verify(token({ tid: 't1' }))).resolves.toMatchObject({
      claims: { tid: 't1' },
    })
    await expect(verifier.verify(token({ tid: 't2' }))).rejects.toMatchObject({
      code: 'claim_invalid',
      claim: 'tid',
    })
    // An expired token never reaches the hook: the built-in checks come first.
    validate.mockClear()
    await expect(verifier.verify(token({ exp: nowSeconds() - 10 }))).rejects.toMatchObject({
      code: 'token_expired',
    })
    expect(validate).not.toHaveBeenCalled()
  })

  it('turns a plain throw or a returned promise into server_error', async () => {
    const throwing = createVerifier({
      secret,
      algorithms: ['HS256'],
      validate: () => {
        throw new Error('bug')
      },
    })
    await expect(throwing.verify(token({}))).rejects.toMatchObject({ code: 'server_error' })
    const asyncHook = createVerifier({
      secret,
      algorithms: ['HS256'],
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- what is under test
      validate: () => Promise.reject(new Error('late')),
    })
    await expect(asyncHook.verify(token({}))).rejects.toMatchObject({ code: 'server_error' })
  })

  // attack7: hostile throws and odd thenables came out as token_invalid (or were accepted).
  it.each<[string, () => unknown]>([
    [
      'throws a Proxy whose every trap throws',
      () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what is under test
        throw new Proxy(
          {},
          {
            get: () => {
              throw new Error('get')
            },
            getPrototypeOf: () => {
              throw new Error('getPrototypeOf')
            },
            has: () => {
              throw new Error('has')
            },
          },
        )
      },
    ],
    [
      'returns an object whose then getter throws',
      () => ({
        get then(): never {
          throw new Error('then')
        },
      }),
    ],
    [
      'returns a thenable that calls what it is given',
      () => ({
        then: (ok: () => void) => {
          ok()
        },
      }),
    ],
    ['returns a function that is a thenable', () => Object.assign(() => undefined, { then() {} })],
    [
      'throws an object with only a code',
      () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- what is under test
        throw { code: 'token_invalid' }
      },
    ],
  ])('a validate that %s is server_error, never accepted or token_invalid', async (_, hook) => {
    const verifier = createVerifier({
      secret,
      algorithms: ['HS256'],
      validate: hook,
    })
    await expect(verifier.verify(token({}))).rejects.toMatchObject({ code: 'server_error' })
  })

  // Tenth outside attack (F3): `validate: (c) => c.org_id === 'org_123'` accepted every
  // organisation. Only `undefined` (and `true`) accept; `false` refuses, anything else is a fault.
  it.each<[string, unknown, string | undefined]>([
    ['undefined', undefined, undefined],
    ['true', true, undefined],
    ['false', false, 'claim_invalid'],
    ['null', null, 'server_error'],
    ['0', 0, 'server_error'],
    ['an object', { ok: false }, 'server_error'],
    ['a string', 'no', 'server_error'],
  ])('a validate that returns %s: %s', async (_, returned, code) => {
    const verifier = createVerifier({
      secret,
      algorithms: ['HS256'],
      validate: () => returned,
    })
    if (code === undefined) await expect(verifier.verify(token({}))).resolves.toBeDefined()
    else await expect(verifier.verify(token({}))).rejects.toMatchObject({ code })
  })

  it('is validated at creation', () => {
    expect(() =>
      // @ts-expect-error: not a function
      createVerifier({ secret, algorithms: ['HS256'], validate: 'tid' }),
    ).toThrow(expect.objectContaining({ code: 'invalid_option', option: 'validate' }))
  })

  it('does not run again for a cached token', async () => {
    const validate = vi.fn()
    const verifier = createVerifier({ secret, algorithms: ['HS256'], validate, cache: { max: 4 } })
    const t = token({})
    await verifier.verify(t)
    await verifier.verify(t)
    expect(validate).toHaveBeenCalledTimes(1)
  })
})
