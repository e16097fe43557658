// What the client children of the benchmarks share: loopback URLs only, one socket.io-client
// WebSocket connection at a time or a bounded pool of them, and named groups of sockets.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client'

/** How long one handshake may take before the phase fails. */
export const CONNECT_TIMEOUT_MS = 15_000

/** Throws unless `url` is http://127.0.0.1:<port>. */
export function checkUrl(url: string): void {
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`not a loopback URL: ${url}`)
}

/**
 * Connects one new WebSocket-only socket without reconnection, with `extra` options (the token);
 * rejects on connect_error.
 */
export function connectSocket(
  url: string,
  extra: Partial<ManagerOptions & SocketOptions>,
): Promise<Socket> {
  const socket = io(url, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    timeout: CONNECT_TIMEOUT_MS,
    ...extra,
  })
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error')
      resolve(socket)
    })
    socket.once('connect_error', (error) => {
      socket.close()
      reject(error)
    })
  })
}

/**
 * Connects sockets `from` .. `from + count - 1` with `connect`, at most `concurrency` at a time,
 * appending them to `sockets`; returns the milliseconds it took.
 */
export async function connectPool(
  sockets: Socket[],
  from: number,
  count: number,
  concurrency: number,
  connect: (i: number) => Promise<Socket>,
): Promise<number> {
  let next = 0
  const start = performance.now()
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = from + next++
      sockets.push(await connect(i))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  return performance.now() - start
}

/** Named groups of sockets, and the `disconnect` and `stop` commands on them. */
export function socketGroups() {
  const groups = new Map<string, Socket[]>()
  return {
    groups,
    /** The sockets of `group`, created empty and kept when it does not exist yet. */
    open: (group: string): Socket[] => {
      const sockets = groups.get(group) ?? []
      groups.set(group, sockets)
      return sockets
    },
    commands: {
      async disconnect({ group }: { group: string }): Promise<null> {
        for (const socket of groups.get(group) ?? []) socket.disconnect()
        groups.delete(group)
        return Promise.resolve(null)
      },
      async stop(): Promise<null> {
        for (const sockets of groups.values()) for (const socket of sockets) socket.disconnect()
        return Promise.resolve(null)
      },
    },
  }
}
