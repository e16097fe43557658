// A node child of bench/cluster.ts: one Socket.IO server on 127.0.0.1, plain or guarded by
// sockguard, alone or joined to the other nodes by the Redis adapter (with sockguard's Redis
// revocation store). `message` is broadcast to everyone with io.emit; `POST /revoke?sub=` calls
// guard.revoke({ sub }), so that the client process can time a revocation on its own clock.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { createAdapter } from '@socket.io/redis-adapter'
import { Redis } from 'ioredis'
import { Server } from 'socket.io'
import type { Guard } from '../../src/index.js'
import { serve } from '../handshake/rpc.js'
import {
  REVOKE_PATH,
  REVOKE_TIME_HEADER,
  SCOPE,
  type NodeCommands,
  type NodeConfig,
} from './protocol.js'

type Sockguard = typeof import('../../src/index.js')
type SockguardRedis = typeof import('../../src/redis/index.js')

let io: Server | undefined
let guard: Guard | undefined
let redisClients: Redis[] = []

function answer(res: ServerResponse, status: number, body = ''): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(body)
}

/** `POST /revoke?sub=<sub>`: 204 once guard.revoke() resolved, 500 with its code otherwise. */
function onRequest(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const sub = url.searchParams.get('sub')
  if (
    req.method !== 'POST' ||
    url.pathname !== REVOKE_PATH ||
    sub === null ||
    guard === undefined
  ) {
    answer(res, 404)
    return
  }
  const start = performance.now()
  guard.revoke({ sub }).then(
    () => {
      // How long the call took inside this node (the rest of the client's figure is HTTP and
      // scheduling).
      res.setHeader(REVOKE_TIME_HEADER, (performance.now() - start).toFixed(3))
      answer(res, 204)
    },
    (error: unknown) => {
      answer(res, 500, String((error as { code?: unknown }).code ?? error))
    },
  )
}

async function start(config: NodeConfig): Promise<number> {
  const http = createServer(onRequest)
  const server = new Server(http)
  if (config.redis !== null) {
    // As docs/scale-out.md advises: no retry limit on the adapter's clients, so that a publish
    // made while Redis reconnects waits instead of becoming an unhandled rejection.
    const pub = new Redis(config.redis.url, { maxRetriesPerRequest: null })
    const sub = pub.duplicate()
    const commands = new Redis(config.redis.url)
    redisClients = [pub, sub, commands]
    for (const client of redisClients) client.on('error', () => undefined)
    server.adapter(createAdapter(pub, sub, { key: `${config.redis.prefix}io` }))
  }
  if (config.setup === 'sockguard') {
    const sg = (await import(config.sockguard)) as Sockguard
    const cache = config.cache ? { cache: { max: 20_000 } } : {}
    const verifier =
      config.alg === 'HS256'
        ? sg.createVerifier({ secret: config.key, algorithms: ['HS256'], ...cache })
        : sg.createVerifier({ publicKey: config.key, algorithms: ['ES256'], ...cache })
    let revocationStore
    if (config.redis !== null) {
      const sgRedis = (await import(config.sockguardRedis)) as SockguardRedis
      revocationStore = sgRedis.createRedisRevocationStore({
        redis: redisClients[2]!,
        prefix: `${config.redis.prefix}revoked:`,
      })
    }
    guard = sg.createGuard(
      revocationStore === undefined ? { verifier } : { verifier, revocationStore },
    )
    guard.attach(server)
    server.on('connection', sg.authorizeEvents({ message: sg.requireScope(SCOPE) }))
  }
  server.on('connection', (socket) => {
    socket.on('message', (text: unknown, ack?: unknown) => {
      server.emit('message', text)
      if (typeof ack === 'function') (ack as (value: unknown) => void)(null)
    })
  })
  io = server
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(config.port, '127.0.0.1', () => {
      http.off('error', reject)
      resolve()
    })
  })
  return (http.address() as AddressInfo).port
}

serve<NodeCommands>(
  {
    async start(config) {
      return { port: await start(config) }
    },
    async peers({ expect, timeoutMs }) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const count = (await io?.of('/').adapter.serverCount()) ?? 0
        if (count === expect) return count
        if (Date.now() > deadline) throw new Error(`the adapter sees ${count} nodes, not ${expect}`)
        await sleep(50)
      }
    },
    async cpu() {
      const { user, system } = process.cpuUsage()
      return Promise.resolve(user + system)
    },
    async connections() {
      return Promise.resolve(io?.engine.clientsCount ?? 0)
    },
    async disconnectAll() {
      io?.disconnectSockets(true)
      return Promise.resolve(null)
    },
    async drained({ timeoutMs }) {
      const deadline = Date.now() + timeoutMs
      while ((io?.engine.clientsCount ?? 0) > 0) {
        if (Date.now() > deadline) throw new Error(`${io?.engine.clientsCount} connections left`)
        await sleep(20)
      }
      return null
    },
    async stop() {
      await guard?.close()
      io?.disconnectSockets(true)
      await io?.close()
      for (const client of redisClients) client.disconnect()
      return null
    },
  },
  (cmd) => {
    if (cmd === 'stop') process.exit(0)
  },
)
