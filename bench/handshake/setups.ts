// The server setups of the handshake benchmarks, shared by bench/handshake/server.ts and
// bench/instructions.ts: plain Socket.IO, the node:crypto floor, fast-jwt, the seed's middleware,
// @thream/socketio-jwt and sockguard, each installed on a Socket.IO server.
import {
  createHmac,
  createPublicKey,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto'
import { authorize as threamAuthorize } from '@thream/socketio-jwt'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import jwt, { type Algorithm as JwtAlgorithm } from 'jsonwebtoken'
import type { Server, Socket } from 'socket.io'
import type { Guard } from '../../src/index.js'
import { SCOPE, type ServerSetup } from './protocol.js'

/** The sockguard module the server imports (a build of src/, or src/ itself). */
export type Sockguard = typeof import('../../src/index.js')

/**
 * The seed's middleware with its string secret (or, for RS/ES, the PEM string): the same checks
 * and callback, typed (a token that is not a non-empty string is refused, as the seed's truthiness
 * test and jsonwebtoken do between them).
 */
function seedMiddleware(secret: string) {
  return (socket: Socket, next: (err?: Error) => void): void => {
    const token = socket.handshake.query.token
    if (typeof token === 'string' && token !== '') {
      jwt.verify(token, secret, (err, decoded) => {
        if (err) {
          next(new Error('Authentication error'))
          return
        }
        ;(socket as Socket & { decoded?: unknown }).decoded = decoded
        next()
      })
    } else next(new Error('Authentication error'))
  }
}

type Next = (err?: Error) => void

/** `socket.handshake.auth.token` when it is a non-empty string. */
function authToken(socket: Socket): string | undefined {
  const token = (socket.handshake.auth as { token?: unknown }).token
  return typeof token === 'string' && token !== '' ? token : undefined
}

/**
 * The floor: the least a correct check can do by hand with node:crypto. Split on '.', one HMAC
 * (createHmac + timingSafeEqual) or crypto.verify with a KeyObject made once (P1363 signatures
 * for ES256), JSON.parse of the payload, `exp`, socket.data. No header, `iss` or `aud` check.
 */
function floorMiddleware(alg: JwtAlgorithm, key: string) {
  let check: (input: Buffer, signature: Buffer) => boolean
  if (alg === 'HS256') {
    const secret = Buffer.from(key)
    check = (input, signature) =>
      signature.length === 32 &&
      timingSafeEqual(createHmac('sha256', secret).update(input).digest(), signature)
  } else {
    const publicKey: KeyObject = createPublicKey(key)
    const options =
      alg === 'ES256' ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const } : publicKey
    check = (input, signature) => cryptoVerify('sha256', input, options, signature)
  }
  return (socket: Socket, next: Next): void => {
    const token = authToken(socket)
    const parts = token?.split('.') ?? []
    const [header = '', payload = '', signature = ''] = parts
    try {
      if (token === undefined || parts.length !== 3) throw new Error('malformed')
      const input = Buffer.from(token.slice(0, header.length + 1 + payload.length))
      if (!check(input, Buffer.from(signature, 'base64url'))) throw new Error('bad signature')
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
        exp?: unknown
      }
      if (typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now())
        throw new Error('expired')
      socket.data = { claims }
    } catch {
      next(new Error('Authentication error'))
      return
    }
    next()
  }
}

/** A minimal middleware on fast-jwt's sync verifier, built once. */
function fastJwtMiddleware(alg: JwtAlgorithm, key: string) {
  // fast-jwt takes the PEM string or the secret Buffer and makes its KeyObject once, here.
  const verify = createFastJwtVerifier({
    key: alg === 'HS256' ? Buffer.from(key) : key,
    algorithms: [alg],
  }) as (token: string) => unknown
  return (socket: Socket, next: Next): void => {
    const token = authToken(socket)
    try {
      if (token === undefined) throw new Error('missing')
      socket.data = { claims: verify(token) }
    } catch {
      next(new Error('Authentication error'))
      return
    }
    next()
  }
}

/**
 * Installs `setup` on `server`; `key` is the HS256 secret or the SPKI PEM. Returns the guard of the
 * sockguard setups (to close it), else `undefined`.
 */
export function install(
  sg: Sockguard,
  server: Server,
  setup: ServerSetup,
  alg: JwtAlgorithm,
  key: string,
): Guard | undefined {
  switch (setup) {
    case 'plain':
      return undefined
    case 'floor':
      server.use(floorMiddleware(alg, key))
      return undefined
    case 'fast-jwt':
      server.use(fastJwtMiddleware(alg, key))
      return undefined
    case 'seed':
      server.use(seedMiddleware(key))
      return undefined
    case 'thream':
      server.use(threamAuthorize({ secret: key, algorithms: [alg] }))
      return undefined
    case 'sockguard':
    case 'sockguard+policy': {
      const guard =
        alg === 'HS256'
          ? sg.createGuard({ secret: key, algorithms: [alg] })
          : sg.createGuard({ publicKey: key, algorithms: [alg as 'RS256' | 'ES256'] })
      guard.attach(server)
      if (setup === 'sockguard+policy')
        server.on('connection', sg.authorizeEvents({ ping: sg.requireScope(SCOPE) }))
      return guard
    }
  }
}
