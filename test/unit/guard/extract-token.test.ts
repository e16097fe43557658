// The guard's token extraction on plain handshake objects: the cookie source (read with the
// `cookie` package) and the one Bearer prefix helper shared with the HTTP middleware.
import { describe, expect, it } from 'vitest'
import {
  bearerToken,
  extractToken,
  type ExtractOptions,
  type HandshakeLike,
} from '../../../src/guard/extract-token.js'

const origin = 'https://app.example'

function fromCookie(cookie: string, cookieName: string): unknown {
  const handshake: HandshakeLike = { auth: {}, headers: { cookie, origin }, query: {} }
  const options: ExtractOptions = {
    tokenFrom: ['cookie'],
    cookieName,
    allowedOrigins: new Set([origin]),
  }
  try {
    return extractToken(handshake, options).token
  } catch (error) {
    return (error as { code?: unknown }).code
  }
}

describe('extractToken from a cookie', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])(
    'finds no token under the cookie name %s when the header lacks it (no prototype member)',
    (name) => {
      expect(fromCookie('theme=dark; lang=en', name)).toBe('token_missing')
    },
  )

  it('reads a cookie named like a prototype member when it is there', () => {
    expect(fromCookie('theme=dark; constructor=a.b.c', 'constructor')).toBe('a.b.c')
  })

  it('takes the first of repeated cookies, trims, decodes, keeps an undecodable value', () => {
    expect(fromCookie('token=first; token=second', 'token')).toBe('first')
    expect(fromCookie(' theme=dark ;  token = a.b.c ', 'token')).toBe('a.b.c')
    expect(fromCookie('token=a%2Eb%2Ec', 'token')).toBe('a.b.c')
    expect(fromCookie('token=a.b%E0%A4%A', 'token')).toBe('a.b%E0%A4%A')
  })

  it('does not take a cookie whose name only ends with the configured one', () => {
    expect(fromCookie('xtoken=a.b.c', 'token')).toBe('token_missing')
  })
})

describe('bearerToken', () => {
  it.each([
    ['Bearer a.b.c', 'a.b.c'],
    ['bearer   a.b.c', 'a.b.c'],
    ['BEARER a', 'a'],
    ['Bearer ', ''],
  ])('reads %j as %j', (value, token) => {
    expect(bearerToken(value)).toBe(token)
  })

  it.each(['Bearer', 'Bearer\ta.b.c', 'Bearera.b.c', 'Basic a.b.c', ' Bearer a.b.c', 'a.b.c'])(
    'finds no Bearer prefix in %j',
    (value) => {
      expect(bearerToken(value)).toBeUndefined()
    },
  )
})
