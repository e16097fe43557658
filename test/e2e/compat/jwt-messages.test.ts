// The drop-in's refusal messages against jsonwebtoken's (what socketio-jwt 4.x sent): for each
// cause both refuse, jsonwebtoken.verify with the same secret and options is the oracle, and the
// client of a real server (handshake mode and the post-connect flow) must read the same message.
import jwt from 'jsonwebtoken'
import type { Socket as ClientSocket } from 'socket.io-client'
import { describe, expect, it } from 'vitest'
import { authorize, type AuthorizeOptions } from '../../../src/compat/socketio-jwt.js'
import { forge as forgeJws, hmacSigner } from '../../support/sign.js'
import { nextEvent, startServer } from '../../support/socket-server.js'
import { SECRET, sign, unsigned } from './support.js'

type Fields = Record<string, unknown>
const now = (): number => Math.floor(Date.now() / 1000)
/** A token with any header and claims, MACed with SECRET by the header's HS algorithm. */
function forge(header: Fields, claims: Fields, secret = SECRET): string {
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[String(header.alg)]
  return forgeJws({ typ: 'JWT', ...header }, claims, hmacSigner(secret, hash ?? 'sha256'))
}

// [cause, drop-in options (jsonwebtoken's, same names), token]
const CASES: [string, Fields, string][] = [
  ["an unsigned token ('alg: none')", {}, unsigned()],
  ['an unsigned token with an HS256 header', {}, `${sign().split('.').slice(0, 2).join('.')}.`],
  ['an algorithm outside the default list (HS512)', {}, forge({ alg: 'HS512' }, { sub: 'a' })],
  [
    'an algorithm outside `algorithms`',
    { algorithms: ['HS256'] },
    forge({ alg: 'HS384' }, { sub: 'a' }),
  ],
  ["an 'alg: none' token with a signature", {}, forge({ alg: 'none' }, { sub: 'a' })],
  ['an RS256 header', {}, forge({ alg: 'RS256' }, { sub: 'a' })],
  ['a header without alg', {}, forge({}, { sub: 'a' })],
  ['an alg that is not a string', {}, forge({ alg: 256 }, { sub: 'a' })],
  ['an unknown alg', {}, forge({ alg: 'HS999' }, { sub: 'a' })],
  ['a forged signature', {}, sign({}, `${SECRET}-other`)],
  ['two segments', {}, 'abc.def'],
  ['four segments', {}, `${sign()}.x`],
  ['a header that is not JSON', {}, `${Buffer.from('{nope').toString('base64url')}.e30.c2ln`],
  ['characters outside base64url', {}, 'a*b.c.d'],
  ['an expired token', {}, sign({ exp: now() - 60 })],
  ['a token not active yet', {}, sign({ nbf: now() + 3_600 })],
  ['an exp that is not a number', {}, forge({ alg: 'HS256' }, { sub: 'a', exp: 'tomorrow' })],
  ['an nbf that is not a number', {}, forge({ alg: 'HS256' }, { sub: 'a', nbf: 'later' })],
  ['another audience', { audience: 'chat' }, sign({ aud: 'billing' })],
  ['none of the audiences', { audience: ['chat', 'news'] }, sign({ aud: 'billing' })],
  ['another issuer', { issuer: 'https://idp.example' }, sign({ iss: 'https://evil.example' })],
  [
    'none of the issuers',
    { issuer: ['https://a.example', 'https://b.example'] },
    sign({ iss: 'x' }),
  ],
  ['another subject', { subject: 'bob' }, sign({ sub: 'alice' })],
  ['another jwtid', { jwtid: 'abc' }, sign({ jti: 'xyz' })],
  ['a token too old for maxAge', { maxAge: 60 }, sign({ iat: now() - 3_600 })],
  ['no iat under maxAge', { maxAge: 60 }, forge({ alg: 'HS256' }, { sub: 'a' })],
]

/** jsonwebtoken's message for the same token, secret and options: the oracle. */
function oracle(token: string, options: Fields): string {
  try {
    jwt.verify(token, SECRET, { algorithms: ['HS256'], ...options } as jwt.VerifyOptions)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('jsonwebtoken accepted the token: not a case of a shared refusal')
}

async function postConnectMessage(options: Fields, token: string): Promise<string> {
  await using server = await startServer({
    guard: false,
    setup: (io) => {
      io.on(
        'connection',
        authorize({ secret: SECRET, ...options, handshake: false } as AuthorizeOptions & {
          handshake: false
        }),
      )
    },
  })
  const client: ClientSocket = server.connect()
  await nextEvent(client, 'connect')
  const refused = nextEvent<{ message: string; data: { message: string } }>(client, 'unauthorized')
  client.emit('authenticate', { token })
  const payload = await refused
  expect(payload.data.message).toBe(payload.message)
  return payload.message
}

async function handshakeMessage(options: Fields, token: string): Promise<string> {
  await using server = await startServer({
    guard: false,
    setup: (io) => {
      io.use(
        authorize({ secret: SECRET, ...options, handshake: true } as AuthorizeOptions & {
          handshake: true
        }),
      )
    },
  })
  const error = await nextEvent<Error & { data: { message: string } }>(
    server.connect({ query: { token } }),
    'connect_error',
  )
  expect(error.data.message).toBe(error.message)
  return error.message
}

describe("the drop-in's refusal messages are jsonwebtoken's", () => {
  it.each(CASES)('%s, in the post-connect flow', async (_cause, options, token) => {
    expect(await postConnectMessage(options, token)).toBe(oracle(token, options))
  })

  it.each(CASES)('%s, in handshake mode', async (_cause, options, token) => {
    expect(await handshakeMessage(options, token)).toBe(oracle(token, options))
  })

  it("names the causes the issue listed: 'jwt signature is required' and 'invalid algorithm'", () => {
    expect(oracle(unsigned(), {})).toBe('jwt signature is required')
    expect(oracle(forge({ alg: 'HS512' }, {}), {})).toBe('invalid algorithm')
  })
})
