// The reference server as several real processes (`tsx server/main.ts`) on one private Redis,
// behind one public URL: tokens of any node work on every node, messages and presence span the
// nodes, a kick reaches every node, connection-state recovery moves a session between nodes, the
// failed-handshake limit is shared, and Redis going away and coming back crashes nothing.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { Redis } from 'ioredis'
import {
  io,
  type ManagerOptions,
  type Socket as ClientSocket,
  type SocketOptions,
} from 'socket.io-client'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { connected, delay, expectRefused } from '../support/guard-e2e.js'
import { nextEvent } from '../support/socket-server.js'
import { eventWhere, issue, tamper } from '../e2e/server/support.js'
import { CONFIG_VARIABLES } from '../../server/config.js'
import { startServer } from '../../server/start-server.js'
import { connectRedis, eventually, startPrivateRedis, type PrivateRedis } from './support.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSX = `${ROOT}node_modules/.bin/tsx`
const PUBLIC_URL = 'http://chat.test'
const SWEEP_MS = 500

/** One reference server process. */
interface Node {
  readonly url: string
  readonly child: ChildProcess
  /** What it wrote on stderr (nothing, at LOG_LEVEL=silent, unless something went wrong). */
  stderr(): string
}

interface Health {
  status: string
  redis?: string
}

let redis: PrivateRedis
let redisUp = true
let admin: Redis
const children = new Set<ChildProcess>()
const clients = new Set<ClientSocket>()

beforeAll(async () => {
  redis = await startPrivateRedis()
  admin = connectRedis(redis.url)
})

afterAll(async () => {
  admin.disconnect()
  await redis[Symbol.asyncDispose]()
})

afterEach(async () => {
  for (const client of clients) client.close()
  clients.clear()
  await Promise.all(
    [...children].map(async (child) => {
      const exited = child.exitCode !== null || child.signalCode !== null
      const gone = exited ? Promise.resolve() : once(child, 'exit')
      // The whole group: tsx runs the server in a child process of its own, which would outlive
      // tsx itself.
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // The group is gone already.
      }
      await gone
    }),
  )
  children.clear()
  if (!redisUp) {
    await redis.restart()
    redisUp = true
  }
  // Each test starts from an empty Redis: no shared key, revocation or counter of another test.
  await eventually(() => admin.status === 'ready', 5_000, 'the test client reconnected')
  await admin.flushall()
})

/** Starts `count` nodes on the private Redis and waits until they have all joined. */
async function startNodes(count: number, env: Record<string, string> = {}): Promise<Node[]> {
  const nodes = await Promise.all(Array.from({ length: count }, () => spawnNode(env)))
  await joined(nodes)
  return nodes
}

async function spawnNode(env: Record<string, string>): Promise<Node> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !CONFIG_VARIABLES.includes(name)),
  )
  const child = spawn(TSX, ['server/main.ts'], {
    cwd: ROOT,
    env: {
      ...base,
      PORT: '0',
      REDIS_URL: redis.url,
      PUBLIC_URL,
      LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no URL within 15 s: ${stdout} ${stderr}`))
    }, 15_000)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      const match = /listening on (http:\/\/\S+)/.exec(stdout)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`exited with ${code} before listening: ${stdout} ${stderr}`))
    })
  })
  return { url, child, stderr: () => stderr }
}

async function health(node: { readonly url: string }): Promise<{ code: number; body: Health }> {
  const res = await fetch(`${node.url}/healthz`)
  return { code: res.status, body: (await res.json()) as Health }
}

/**
 * Every node reports Redis ready, is subscribed to the adapter's channel and reads both streams
 * (the adapter's and the revocation feed), so a broadcast from any node reaches all of them.
 */
async function joined(nodes: readonly { readonly url: string }[]): Promise<void> {
  await eventually(
    async () => {
      const reports = await Promise.all(nodes.map(health))
      if (reports.some(({ body }) => body.redis !== 'ready')) return false
      const [, subscribers] = (await admin.pubsub('NUMSUB', 'sockguard-chat:socket.io#/#')) as [
        string,
        number,
      ]
      const list = (await admin.client('LIST')) as string
      const readers = list.split('\n').filter((line) => line.includes('cmd=xread')).length
      return subscribers === nodes.length && readers >= 2 * nodes.length
    },
    10_000,
    'every node joined',
  )
}

/** A real client on `node` (WebSocket only, no reconnection unless `options` say otherwise). */
function connect(
  node: Node,
  token: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): ClientSocket {
  const client = io(node.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token },
    ...options,
  })
  clients.add(client)
  return client
}

const token = (node: Node, username: string, scope = 'chat'): Promise<string> =>
  issue(node.url, { username, scope })

const presenceIs = (client: ClientSocket, users: string[]): Promise<unknown> =>
  eventWhere<{ users: string[] }>(
    client,
    'presence',
    (p) => JSON.stringify(p.users) === JSON.stringify(users),
  )

const messageFrom = (client: ClientSocket, text: string, timeoutMs = 5_000): Promise<unknown> =>
  eventWhere<{ from: string; text: string }>(client, 'message', (m) => m.text === text, timeoutMs)

const send = (client: ClientSocket, text: string): Promise<unknown> =>
  client.timeout(5_000).emitWithAck('message', text)

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >
}

/** Each process is alive, said nothing on stderr, and still answers. */
async function allAlive(nodes: readonly Node[]): Promise<void> {
  for (const node of nodes) {
    expect(node.child.exitCode).toBeNull()
    expect(node.child.signalCode).toBeNull()
    expect(node.stderr()).toBe('')
    expect((await fetch(`${node.url}/healthz`)).status).toBeLessThan(600)
  }
}

describe('the reference server on several nodes (REDIS_URL)', () => {
  it('a token from A works on B and C; messages and presence span every node', async () => {
    const [a, b, c] = (await startNodes(3)) as [Node, Node, Node]
    // One key for all: the first node stored it, the others read it.
    const sets = await Promise.all(
      [a, b, c].map(async (node) => (await fetch(`${node.url}/.well-known/jwks.json`)).text()),
    )
    expect(new Set(sets).size).toBe(1)

    const aliceToken = await token(a, 'alice')
    expect(claimsOf(aliceToken)).toMatchObject({ iss: PUBLIC_URL, sub: 'alice' })
    const alice = connect(b, aliceToken)
    const aliceSees = presenceIs(alice, ['alice'])
    await connected(alice)
    await aliceSees

    const bob = connect(c, await token(b, 'bob'))
    const pair = [alice, bob].map((client) => presenceIs(client, ['alice', 'bob']))
    await connected(bob)
    await Promise.all(pair)

    const carol = connect(a, await token(c, 'carol'))
    const all = [alice, bob, carol].map((client) => presenceIs(client, ['alice', 'bob', 'carol']))
    await connected(carol)
    await Promise.all(all)

    const received = [alice, bob, carol].map((client) => messageFrom(client, 'hello all'))
    expect(await send(alice, 'hello all')).toEqual({ ok: true })
    for (const message of await Promise.all(received))
      expect(message).toMatchObject({ from: 'alice', text: 'hello all' })

    // Leaving on A is seen on B and C.
    const left = [alice, bob].map((client) => presenceIs(client, ['alice', 'bob']))
    carol.close()
    await Promise.all(left)
    await allAlive([a, b, c])
  })

  it('admin:kick on A ends the user on B and C; the old token is refused by every node', async () => {
    const [a, b, c] = (await startNodes(3)) as [Node, Node, Node]
    const root = connect(a, await token(a, 'root', 'chat admin'))
    const daveToken = await token(c, 'dave')
    const daves = [connect(b, daveToken), connect(c, daveToken)]
    const erin = connect(b, await token(b, 'erin'))
    for (const client of [root, ...daves, erin]) await connected(client)

    const told = daves.map((client) => nextEvent<{ code: string }>(client, 'unauthorized'))
    const gone = daves.map((client) => nextEvent(client, 'disconnect'))
    const erinGone: unknown[] = []
    erin.on('disconnect', (reason) => erinGone.push(reason))
    expect(await root.timeout(5_000).emitWithAck('admin:kick', { sub: 'dave' })).toEqual({
      ok: true,
    })
    for (const event of await Promise.all(told)) expect(event.code).toBe('token_revoked')
    await Promise.all(gone)
    // B has handled the kick (its dave is gone); had it ended erin too, her disconnect would come
    // before B's answer to this round trip.
    expect(await send(erin, 'still here')).toEqual({ ok: true })
    expect(erinGone).toEqual([])

    for (const node of [a, b, c]) await expectRefused(connect(node, daveToken), 'token_revoked')
    await allAlive([a, b, c])
  })

  it('connection-state recovery moves a session to another node, but not a revoked one', async () => {
    const [a, b] = (await startNodes(2)) as [Node, Node]
    const bob = connect(a, await token(a, 'bob'))
    const dave = connect(a, await token(a, 'dave'))
    const root = connect(b, await token(b, 'root', 'chat admin'))
    // A broadcast gives each client an offset to recover from.
    const offsets = [bob, dave].map((client) => messageFrom(client, 'before'))
    await Promise.all([bob, dave, root].map((client) => connected(client)))
    await send(root, 'before')
    await Promise.all(offsets)

    // Their connections drop (not a disconnect of theirs: A keeps their sessions in Redis)...
    const alone = presenceIs(root, ['root'])
    for (const client of [bob, dave]) client.io.engine.close()
    await alone
    await send(root, 'while you were away')
    expect(await root.timeout(5_000).emitWithAck('admin:kick', { sub: 'dave' })).toEqual({
      ok: true,
    })

    // ...and come back through another node, as a load balancer may send them.
    const missed = messageFrom(bob, 'while you were away')
    for (const client of [bob, dave]) {
      ;(client.io as unknown as { uri: string }).uri = b.url
      client.connect()
    }
    await connected(bob)
    expect(bob.recovered).toBe(true)
    await missed
    // The guard checks a stored session before Socket.IO restores it (recovery would skip the
    // middlewares): dave's is not restored, and his handshake is refused like any other.
    await expectRefused(dave, 'token_revoked')
    expect(dave.recovered).toBe(false)
  })

  it('failed handshakes on A and B add up to one limit (HANDSHAKE_RATE_LIMIT=3)', async () => {
    const [a, b] = (await startNodes(2, { HANDSHAKE_RATE_LIMIT: '3' })) as [Node, Node]
    const good = await token(a, 'alice')
    // The guard counts a failure after answering: wait until Redis has it.
    const failures = async (n: number): Promise<void> => {
      await eventually(
        async () => {
          const keys = await admin.keys('sockguard-chat:rl*')
          const counts = await Promise.all(keys.map(async (key) => Number(await admin.get(key))))
          return counts.reduce((sum, count) => sum + count, 0) === n
        },
        3_000,
        `${n} failures counted`,
      )
    }
    await expectRefused(connect(a, 'not-a-token'), 'token_malformed')
    await failures(1)
    await expectRefused(connect(b, 'not-a-token'), 'token_malformed')
    await failures(2)
    await connected(connect(a, good))
    await connected(connect(b, good))
    await expectRefused(connect(a, tamper(good)), 'token_invalid')
    await failures(3)
    await expectRefused(connect(b, good), 'rate_limited')
    await expectRefused(connect(a, good), 'rate_limited')
  })

  it('Redis down: local chat goes on, handshakes fail closed, /healthz says so, a kick lands everywhere once it is back', async () => {
    const [a, b] = (await startNodes(2, { REVOCATION_SWEEP_MS: String(SWEEP_MS) })) as [Node, Node]
    const aliceToken = await token(a, 'alice')
    const bobToken = await token(a, 'bob')
    const aliceOnA = connect(a, aliceToken)
    const aliceOnB = connect(b, aliceToken)
    const bob = connect(a, bobToken)
    const carol = connect(b, await token(b, 'carol'))
    const root = connect(a, await token(a, 'root', 'chat admin'))
    for (const client of [aliceOnA, aliceOnB, bob, carol, root]) await connected(client)

    redisUp = false
    await redis.kill()
    await eventually(
      async () => {
        const reports = await Promise.all([a, b].map(health))
        return reports.every(({ code, body }) => code === 503 && body.redis === 'down')
      },
      5_000,
      'both nodes report Redis down',
    )
    expect((await health(a)).body).toMatchObject({ status: 'degraded', redis: 'down' })
    expect(await (await fetch(`${a.url}/metrics`)).text()).toMatch(/^sockguard_redis_up 0$/m)

    // Chat between the sockets of one node goes on, on each node, without waiting for Redis.
    const onA = messageFrom(aliceOnA, 'during, on A', 500)
    expect(await send(bob, 'during, on A')).toEqual({ ok: true })
    await onA
    const onB = messageFrom(aliceOnB, 'during, on B', 500)
    expect(await send(carol, 'during, on B')).toEqual({ ok: true })
    await onB
    // No revocation check without Redis: new handshakes are refused, and told why.
    await expectRefused(connect(a, bobToken), 'store_unavailable')
    await expectRefused(connect(b, bobToken), 'store_unavailable')

    // A kick now ends alice on A at once; B cannot hear of it until Redis is back.
    const endedOnA = nextEvent<{ code: string }>(aliceOnA, 'unauthorized', 2_000)
    const endedOnB = nextEvent<{ code: string }>(aliceOnB, 'unauthorized', 10_000)
    const kicked = root.timeout(10_000).emitWithAck('admin:kick', { sub: 'alice' })
    expect((await endedOnA).code).toBe('token_revoked')
    const stillThere = messageFrom(aliceOnB, 'still on B', 500)
    await send(carol, 'still on B')
    await stillThere

    await redis.restart()
    redisUp = true
    const back = Date.now()
    expect((await endedOnB).code).toBe('token_revoked')
    // Reconnection (ioredis retries at most every second), then the feed or at worst a sweep.
    expect(Date.now() - back).toBeLessThan(1_000 + 2 * SWEEP_MS + 1_000)
    expect(await kicked).toEqual({ ok: true })

    await joined([a, b])
    expect(await (await fetch(`${b.url}/metrics`)).text()).toMatch(/^sockguard_redis_up 1$/m)
    expect((await health(b)).body).toMatchObject({ status: 'ok', redis: 'ready' })
    await expectRefused(connect(a, aliceToken), 'token_revoked')
    await expectRefused(connect(b, aliceToken), 'token_revoked')
    await connected(connect(b, bobToken))
    const across = messageFrom(carol, 'after, from A')
    await send(bob, 'after, from A')
    await across
    await allAlive([a, b])
  })

  it('logs an outage once and its end once, not each reconnection attempt', async () => {
    const lines: { level: number; msg: string; errors?: number }[] = []
    await using server = await startServer({
      port: 0,
      logLevel: 'debug',
      redisUrl: redis.url,
      logStream: {
        write(line: string) {
          lines.push(JSON.parse(line) as { level: number; msg: string })
        },
      },
    })
    await joined([server])
    redisUp = false
    await redis.kill()
    // Long enough for several reconnection attempts by each of the node's connections: real time,
    // as ioredis retries on its own clock (the count is only logged once Redis is back).
    await eventually(
      () => lines.filter((line) => line.msg.startsWith('redis')).length > 0,
      3_000,
      'the outage was logged',
    )
    await delay(1_500)
    await redis.restart()
    redisUp = true
    await eventually(
      async () => (await fetch(`${server.url}/healthz`)).status === 200,
      5_000,
      'the node is ready again',
    )
    const redisLines = lines.filter((line) => line.msg.startsWith('redis'))
    expect(redisLines.map((line) => line.msg)).toEqual([
      'redis connected',
      'redis unreachable: new handshakes are refused (store_unavailable) until it is back',
      'redis is back',
    ])
    // The attempts were made, and counted rather than logged.
    expect(redisLines[2]?.errors).toBeGreaterThan(4)
  })
})
