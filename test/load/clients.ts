// The client child of the load tests (forked by startFleet in ./support.ts): thousands of
// socket.io-client sockets, WebSocket only, a bounded number of handshakes in flight, each
// recording its refusal or the `unauthorized` it got and when. Only loopback URLs are accepted.
import { io, type Socket } from 'socket.io-client'
import { serve } from '../support/fork-peer.js'
import type { ClientRecord, FleetCommands, GroupStatus } from './support.js'

interface Client {
  socket: Socket | undefined
  outcome: string
  connectMs: number
  unauthorizedAt: number | null
  unauthorizedCode: string | null
  disconnectReason: string | null
}

const groups = new Map<string, Client[]>()
/** Called whenever a socket of a group gets `unauthorized` or disconnects. */
const watchers = new Map<string, () => void>()

function checkUrl(url: string): void {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`not a loopback URL: ${url}`)
}

function codeOf(error: Error & { data?: { code?: unknown } }): string {
  return typeof error.data?.code === 'string' ? error.data.code : `error: ${error.message}`
}

function connectOne(group: string, url: string, token: string, timeoutMs: number): Promise<Client> {
  const started = performance.now()
  const socket = io(url, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    timeout: timeoutMs,
    auth: { token },
  })
  const client: Client = {
    socket,
    outcome: 'pending',
    connectMs: 0,
    unauthorizedAt: null,
    unauthorizedCode: null,
    disconnectReason: null,
  }
  socket.on('unauthorized', (payload: { code?: unknown } | undefined) => {
    client.unauthorizedAt = Date.now()
    client.unauthorizedCode = typeof payload?.code === 'string' ? payload.code : 'no code'
    watchers.get(group)?.()
  })
  socket.on('disconnect', (reason) => {
    client.disconnectReason = reason
    watchers.get(group)?.()
  })
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.off('connect_error')
      client.outcome = 'connected'
      client.connectMs = performance.now() - started
      resolve(client)
    })
    socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => {
      socket.close()
      client.socket = undefined
      client.outcome = codeOf(error)
      client.connectMs = performance.now() - started
      resolve(client)
    })
  })
}

function statusOf(clients: readonly Client[]): GroupStatus {
  const refused: Record<string, number> = {}
  const unauthorized: Record<string, number> = {}
  let connected = 0
  let disconnected = 0
  for (const client of clients) {
    if (client.outcome !== 'connected') {
      refused[client.outcome] = (refused[client.outcome] ?? 0) + 1
      continue
    }
    if (client.socket?.connected === true) connected++
    else disconnected++
    if (client.unauthorizedCode !== null)
      unauthorized[client.unauthorizedCode] = (unauthorized[client.unauthorizedCode] ?? 0) + 1
  }
  return { total: clients.length, connected, refused, unauthorized, disconnected }
}

function groupOf(group: string): Client[] {
  const clients = groups.get(group)
  if (clients === undefined) throw new Error(`no group ${group}`)
  return clients
}

serve<FleetCommands>(
  {
    async connect({ group, url, tokens, concurrency, timeoutMs = 30_000 }) {
      checkUrl(url)
      const clients = groups.get(group) ?? []
      groups.set(group, clients)
      // Records are kept in token order, whatever order the handshakes finish in.
      const base = clients.length
      let next = 0
      let maxConnectMs = 0
      const start = performance.now()
      const worker = async (): Promise<void> => {
        while (next < tokens.length) {
          const i = next++
          const client = await connectOne(group, url, tokens[i]!, timeoutMs)
          maxConnectMs = Math.max(maxConnectMs, client.connectMs)
          clients[base + i] = client
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, tokens.length) }, worker))
      return { ...statusOf(clients), ms: performance.now() - start, maxConnectMs }
    },

    async status({ group }) {
      return Promise.resolve(statusOf(groupOf(group)))
    },

    async records({ group }) {
      return Promise.resolve(
        groupOf(group).map((c): ClientRecord => ({
          outcome: c.outcome,
          connectMs: c.connectMs,
          unauthorizedAt: c.unauthorizedAt,
          unauthorizedCode: c.unauthorizedCode,
          disconnectReason: c.disconnectReason,
        })),
      )
    },

    async awaitUnauthorized({ group, count, timeoutMs }) {
      const clients = groupOf(group)
      const done = (): boolean =>
        clients.filter((c) => c.unauthorizedCode !== null && c.disconnectReason !== null).length >=
        count
      if (!done()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(finish, timeoutMs)
          function finish(): void {
            clearTimeout(timer)
            watchers.delete(group)
            resolve()
          }
          // Counting on every event would be quadratic: re-count at most every 50 ms.
          let pending = false
          watchers.set(group, () => {
            if (pending) return
            pending = true
            setTimeout(() => {
              pending = false
              if (done()) finish()
            }, 50)
          })
        })
      }
      return statusOf(clients)
    },

    async disconnect({ group }) {
      for (const client of groups.get(group) ?? []) client.socket?.disconnect()
      groups.delete(group)
      watchers.delete(group)
      return Promise.resolve(null)
    },

    async stop() {
      for (const clients of groups.values()) for (const c of clients) c.socket?.disconnect()
      return Promise.resolve(null)
    },
  },
  (cmd) => {
    if (cmd === 'stop') process.exit(0)
  },
)
