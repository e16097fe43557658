// The client child of bench/cluster.ts: mints tokens with node:crypto, holds groups of
// socket.io-client sockets (WebSocket only, reconnected by hand so that a storm has a bounded
// number of handshakes in flight), and times revocations and broadcasts on its own clock. Only
// 127.0.0.1 URLs are accepted.
import { createPrivateKey } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { io, type Socket } from 'socket.io-client'
import { serve } from '../handshake/rpc.js'
import { forge, signerFor, type Signer } from '../support/sign.js'
import { exitAfterStop } from '../support/exit-after-stop.js'
import { checkUrl, socketGroups } from '../support/socket-client.js'
import {
  REVOKE_PATH,
  REVOKE_TIME_HEADER,
  SCOPE,
  type Alg,
  type ClientCommands,
  type RevocationSample,
} from './protocol.js'

/** How long one handshake may take before the phase fails. */
const CONNECT_TIMEOUT_MS = 30_000

const pools = new Map<Alg, string[]>()
const { groups, commands: socketCommands } = socketGroups()

function signer(alg: Alg, key: string): Signer {
  return signerFor(alg, alg === 'HS256' ? key : createPrivateKey(key))
}

/** The token with one bit of its signature flipped. */
function flipSignatureBit(token: string): string {
  const [header = '', payload = '', signature = ''] = token.split('.')
  const bytes = Buffer.from(signature, 'base64url')
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01
  return `${header}.${payload}.${bytes.toString('base64url')}`
}

function groupOf(group: string): Socket[] {
  const sockets = groups.get(group)
  if (sockets === undefined) throw new Error(`no group ${group}`)
  return sockets
}

/** Resolves on `connect`, rejects with the refusal code on `connect_error`. */
function opened(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      socket.off('connect_error', onError)
      resolve()
    }
    const onError = (error: Error & { data?: { code?: unknown } }): void => {
      socket.off('connect', onConnect)
      const code = error.data?.code
      reject(new Error(`refused: ${typeof code === 'string' ? code : error.message}`))
    }
    socket.once('connect', onConnect)
    socket.once('connect_error', onError)
  })
}

function newSocket(url: string, token: string): Socket {
  return io(url, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    timeout: CONNECT_TIMEOUT_MS,
    auth: { token },
  })
}

/** Runs `task` for 0 .. count-1 with at most `concurrency` running. */
async function bounded(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: nothing within ${ms} ms`))
    }, ms)
  })
  return Promise.race([promise, late]).finally(() => {
    clearTimeout(timer)
  })
}

serve<ClientCommands>(
  {
    async prepare({ alg, key, count }) {
      const start = performance.now()
      const sign = signer(alg, key)
      const now = Math.floor(Date.now() / 1000)
      const tokens = Array.from({ length: count }, (_, i) => {
        const claims = {
          sub: `user-${i}`,
          iat: now,
          exp: now + 3600,
          jti: `${alg}-${i}`,
          scope: SCOPE,
        }
        return forge({ alg, typ: 'JWT' }, claims, sign)
      })
      pools.set(alg, tokens)
      return Promise.resolve({ ms: performance.now() - start })
    },

    async connect({ group, url, alg, from, count, concurrency }) {
      checkUrl(url)
      const tokens = pools.get(alg)
      if (tokens === undefined || from + count > tokens.length)
        throw new Error(`not enough ${alg} tokens: prepare first`)
      const sockets = groups.get(group) ?? []
      groups.set(group, sockets)
      const base = sockets.length
      const start = performance.now()
      await bounded(count, concurrency, async (i) => {
        const socket = newSocket(url, tokens[from + i]!)
        sockets[base + i] = socket
        await opened(socket)
      })
      return { ms: performance.now() - start }
    },

    async probe({ url, alg, index, tamper = false }) {
      checkUrl(url)
      const token = pools.get(alg)?.[index]
      if (token === undefined) throw new Error(`no ${alg} token ${index}`)
      const socket = newSocket(url, tamper ? flipSignatureBit(token) : token)
      try {
        await opened(socket)
        return 'connected'
      } catch (error) {
        return (error as Error).message.replace(/^refused: /, '')
      } finally {
        socket.close()
      }
    },

    async connected({ group }) {
      return Promise.resolve(groupOf(group).filter((s) => s.connected).length)
    },

    async awaitDisconnected({ group, timeoutMs }) {
      const sockets = groupOf(group)
      const start = performance.now()
      while (sockets.some((s) => s.connected)) {
        if (performance.now() - start > timeoutMs)
          throw new Error(`${sockets.filter((s) => s.connected).length} sockets still connected`)
        await sleep(20)
      }
      return { ms: performance.now() - start }
    },

    async reconnect({ group, concurrency }) {
      const sockets = groupOf(group)
      const cpu = process.cpuUsage()
      const start = performance.now()
      await bounded(sockets.length, concurrency, async (i) => {
        const socket = sockets[i]!
        const open = opened(socket)
        socket.connect()
        await open
      })
      const ms = performance.now() - start
      const { user, system } = process.cpuUsage(cpu)
      return { ms, cpuUs: user + system }
    },

    async revoke({ targets, timeoutMs }) {
      const samples: RevocationSample[] = []
      for (const target of targets) {
        checkUrl(target.revokeAt)
        const socket = groupOf(target.group)[target.index]
        if (socket?.connected !== true) throw new Error(`${target.sub} is not connected`)
        // Every `unauthorized` until the disconnect: the adapter's message and the store's feed
        // both reach the node, and the client should hear of its revocation once.
        let first: { at: number; code: string } | undefined
        let notices = 0
        let told: (() => void) | undefined
        const onUnauthorized = (payload: { code?: unknown } | undefined): void => {
          notices++
          first ??= { at: performance.now(), code: String(payload?.code) }
          told?.()
        }
        socket.on('unauthorized', onUnauthorized)
        const noticed = withTimeout(
          new Promise<void>((resolve) => (told = resolve)),
          timeoutMs,
          `unauthorized for ${target.sub}`,
        )
        const gone = withTimeout(
          new Promise<{ at: number; reason: string }>((resolve) => {
            socket.once('disconnect', (reason) => {
              resolve({ at: performance.now(), reason })
            })
          }),
          timeoutMs,
          `disconnect of ${target.sub}`,
        )
        const start = performance.now()
        const call = fetch(
          `${target.revokeAt}${REVOKE_PATH}?sub=${encodeURIComponent(target.sub)}`,
          { method: 'POST' },
        ).then(async (res) => {
          await res.arrayBuffer()
          if (res.status !== 204) throw new Error(`revoke ${target.sub}: HTTP ${res.status}`)
          return { at: performance.now(), revokeMs: Number(res.headers.get(REVOKE_TIME_HEADER)) }
        })
        try {
          const [, answered, disconnected] = await Promise.all([noticed, call, gone])
          samples.push({
            latencyMs: first!.at - start,
            callMs: answered.at - start,
            revokeMs: answered.revokeMs,
            disconnectMs: disconnected.at - start,
            code: first!.code,
            reason: disconnected.reason,
            notices,
          })
        } finally {
          socket.off('unauthorized', onUnauthorized)
        }
      }
      return samples
    },

    async broadcast({ senderGroup, sender, receivers, messages, window, timeoutMs }) {
      const from = groupOf(senderGroup)[sender]
      if (from?.connected !== true) throw new Error('the sender is not connected')
      const sockets = receivers.flatMap(groupOf)
      const total = sockets.length * messages
      let deliveries = 0
      let last = 0
      let onAll: (() => void) | undefined
      const onMessage = (): void => {
        if (++deliveries === total) {
          last = performance.now()
          onAll?.()
        }
      }
      for (const socket of sockets) socket.on('message', onMessage)
      const all = new Promise<void>((resolve) => (onAll = resolve))
      const cpu = process.cpuUsage()
      const start = performance.now()
      try {
        await withTimeout(
          (async () => {
            // `window` messages in flight: each ack (sent once the node has broadcast it) lets
            // the next one go.
            await bounded(messages, window, async (i) => {
              await from.emitWithAck('message', `message ${i}`)
            })
            await all
          })(),
          timeoutMs,
          `${total} deliveries (got ${deliveries})`,
        )
      } finally {
        for (const socket of sockets) socket.off('message', onMessage)
      }
      const { user, system } = process.cpuUsage(cpu)
      return { ms: last - start, deliveries, cpuUs: user + system }
    },

    ...socketCommands,
  },
  exitAfterStop,
)
