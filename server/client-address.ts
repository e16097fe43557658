// The client address behind trusted proxies: the failed-handshake limit's key. proxy-addr (as
// Express's `trust proxy`) walks X-Forwarded-For back from the peer only through trusted hops, so
// a header forged by a client that is not a trusted proxy changes nothing.
import type { IncomingMessage } from 'node:http'
import proxyAddr from 'proxy-addr'

/** Anything with the HTTP request of its handshake, e.g. a Socket.IO socket. */
interface WithRequest {
  readonly request: IncomingMessage
  readonly handshake: { readonly address: string }
}

/**
 * Makes a function giving a socket's client address: its peer's address when `trustProxy` is
 * undefined, else the first address in `X-Forwarded-For` that is not a trusted proxy.
 *
 * @param trustProxy a hop count, or addresses and CIDRs (as validated by the config).
 *
 * @example
 * createGuard({ verifier, rateLimit: { key: clientAddress(['loopback', '10.0.0.0/8']) } })
 */
export function clientAddress(
  trustProxy: number | readonly string[] | undefined,
): (socket: WithRequest) => string {
  if (trustProxy === undefined) return (socket) => socket.handshake.address
  const trust =
    typeof trustProxy === 'number'
      ? (_address: string, hop: number) => hop < trustProxy
      : proxyAddr.compile([...trustProxy])
  return (socket) => {
    try {
      return proxyAddr(socket.request, trust)
    } catch {
      // A request whose connection is already gone has no peer to start from.
      return socket.handshake.address
    }
  }
}
