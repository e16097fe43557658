// The server child of bench/handshake.ts: one Socket.IO server with one auth setup on
// 127.0.0.1:0, measuring its own CPU (process.cpuUsage) and memory (after forced GC), so the
// client process's work is never counted. Run with --expose-gc.
import {
  createHmac,
  createPublicKey,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { writeHeapSnapshot } from 'node:v8'
import { authorize as threamAuthorize } from '@thream/socketio-jwt'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import jwt, { type Algorithm as JwtAlgorithm } from 'jsonwebtoken'
import { Server, type Socket } from 'socket.io'
import type { Guard } from '../../src/index.js'
import {
  SCOPE,
  type CpuSample,
  type MemorySample,
  type ServerCommands,
  type ServerSetup,
} from './protocol.js'
import { serve } from './rpc.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('the server child needs --expose-gc')

let io: Server | undefined
let guard: Guard | undefined
let connections = 0
let armed: { expect: number; cpu: NodeJS.CpuUsage; wall: bigint } | undefined
let reached: CpuSample | undefined
let onReached: (() => void) | undefined

const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system

type Sockguard = typeof import('../../src/index.js')

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

function install(
  sg: Sockguard,
  server: Server,
  setup: ServerSetup,
  alg: JwtAlgorithm,
  key: string,
): void {
  switch (setup) {
    case 'plain':
      return
    case 'floor':
      server.use(floorMiddleware(alg, key))
      return
    case 'fast-jwt':
      server.use(fastJwtMiddleware(alg, key))
      return
    case 'seed':
      server.use(seedMiddleware(key))
      return
    case 'thream':
      server.use(threamAuthorize({ secret: key, algorithms: [alg] }))
      return
    case 'sockguard':
    case 'sockguard+policy': {
      guard =
        alg === 'HS256'
          ? sg.createGuard({ secret: key, algorithms: [alg] })
          : sg.createGuard({ publicKey: key, algorithms: [alg as 'RS256' | 'ES256'] })
      guard.attach(server)
      if (setup === 'sockguard+policy')
        server.on('connection', sg.authorizeEvents({ ping: sg.requireScope(SCOPE) }))
      return
    }
  }
}

/** Forces GC until heapUsed stops shrinking (at most 6 passes), then samples. */
async function sampleMemory(settleMs: number): Promise<MemorySample> {
  await sleep(settleMs)
  let last = Infinity
  for (let pass = 0; pass < 6; pass++) {
    gc?.()
    await sleep(20)
    const { heapUsed } = process.memoryUsage()
    if (heapUsed >= last - 1024) break
    last = heapUsed
  }
  const { heapUsed, external, rss } = process.memoryUsage()
  return { heapUsed, external, rss, clients: io?.engine.clientsCount ?? 0 }
}

serve<ServerCommands>(
  {
    async start({ setup, alg, key, events, sockguard }) {
      const sg = (await import(sockguard)) as Sockguard
      const http = createServer()
      const server = new Server(http)
      install(sg, server, setup, alg, key)
      server.on('connection', (socket) => {
        connections++
        if (events) {
          socket.on('ping', (n: unknown, ack: unknown) => {
            if (typeof ack === 'function') (ack as (value: unknown) => void)(n)
          })
        }
        if (armed !== undefined && connections === armed.expect) {
          const { user, system } = process.cpuUsage(armed.cpu)
          const end = process.hrtime.bigint()
          reached = {
            userUs: user,
            systemUs: system,
            wallMs: Number(end - armed.wall) / 1e6,
            windowUs: [Number(armed.wall / 1000n), Number(end / 1000n)],
          }
          armed = undefined
          onReached?.()
        }
      })
      io = server
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
      return { port: (http.address() as AddressInfo).port, setup }
    },
    async arm({ expect }) {
      if (io === undefined) throw new Error('not started')
      connections = 0
      reached = undefined
      armed = { expect, cpu: process.cpuUsage(), wall: process.hrtime.bigint() }
      return Promise.resolve(null)
    },
    async reached() {
      if (reached === undefined) await new Promise<void>((resolve) => (onReached = resolve))
      onReached = undefined
      if (reached === undefined) throw new Error('reached without a sample')
      return reached
    },
    async drained() {
      while ((io?.engine.clientsCount ?? 0) > 0) await sleep(10)
      return null
    },
    async memory({ settleMs }) {
      return sampleMemory(settleMs)
    },
    async cpu() {
      return Promise.resolve(cpuMicros(process.cpuUsage()))
    },
    async heapSnapshot({ path }) {
      writeHeapSnapshot(path)
      return Promise.resolve(null)
    },
    async stop() {
      await guard?.close()
      io?.disconnectSockets(true)
      await io?.close()
      return null
    },
  },
  (cmd) => {
    // process.exit writes the --cpu-prof profile, when there is one.
    if (cmd === 'stop') process.exit(0)
  },
)
