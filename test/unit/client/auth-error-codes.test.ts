// The client's copy of the auth error codes is the server's list (sockguard/client may not import
// src/errors.ts at run time), and the reading of `{ code, message }` off the wire.
import { describe, expect, it } from 'vitest'
import { authErrorOf } from '../../../src/client/auth-error-codes.js'
import { AUTH_ERROR_CODES as CLIENT_CODES, isAuthErrorCode } from '../../../src/client/index.js'
import { AUTH_ERROR_CODES as SERVER_CODES } from '../../../src/index.js'

describe('AUTH_ERROR_CODES of sockguard/client', () => {
  it('equals the server list, in order', () => {
    expect([...CLIENT_CODES]).toEqual([...SERVER_CODES])
  })

  it('is recognised by isAuthErrorCode, and nothing else is', () => {
    for (const code of SERVER_CODES) expect(isAuthErrorCode(code)).toBe(true)
    for (const value of ['invalid_token', 'TOKEN_EXPIRED', '', undefined, 7, { code: 'x' }])
      expect(isAuthErrorCode(value)).toBe(false)
  })
})

describe('authErrorOf', () => {
  it('reads a sockguard payload', () => {
    expect(authErrorOf({ code: 'token_expired', message: 'The token has expired.' })).toEqual({
      code: 'token_expired',
      message: 'The token has expired.',
    })
    // Extra fields (a `forbidden` event's `event`) are left out; a missing message becomes the code.
    expect(authErrorOf({ code: 'forbidden', event: 'kick' })).toEqual({
      code: 'forbidden',
      message: 'forbidden',
    })
  })

  it('ignores anything that is not one (transport errors, other middlewares, socketio-jwt)', () => {
    for (const payload of [
      undefined,
      null,
      'token_expired',
      { code: 'banned', message: 'no' },
      { message: 'invalid signature', code: 'invalid_token', type: 'UnauthorizedError' },
      { data: { code: 'token_expired' } },
    ])
      expect(authErrorOf(payload)).toBeUndefined()
  })
})
