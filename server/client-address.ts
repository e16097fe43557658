// The client address behind trusted proxies: the failed-handshake limit's key, and the address
// logged with a refusal. proxy-addr (as Express's `trust proxy`) walks X-Forwarded-For back from
// the peer only through trusted hops, so a header forged by a client that is not a trusted proxy
// changes nothing. What it finds is then normalised, so that one client has one key however its
// address is spelled.
import type { IncomingMessage } from 'node:http'
import ipaddr from 'ipaddr.js'
import proxyAddr from 'proxy-addr'

/** Anything with the HTTP request of its handshake, e.g. a Socket.IO socket. */
interface WithRequest {
  readonly request: IncomingMessage
  readonly handshake: { readonly address: string }
}

/** `[v6]` or `[v6]:port`, as some proxies write an IPv6 address. */
const BRACKETED = /^\[([^\]]+)\](?::\d{1,5})?$/
/** `a.b.c.d:port`, as some proxies append a port to an IPv4 address. */
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/

/**
 * The key of an address, or `undefined` when `value` is not an IP address. A port is dropped, an
 * IPv4-mapped IPv6 address is its IPv4 address, and an IPv6 address is its /64 prefix
 * (`2001:db8:1:2::/64`): one host, one home or one cloud instance is typically given a whole /64,
 * so keying on the full address would let it try 2^64 keys. IPv4 is accepted in its four-part
 * decimal form only (no `0x7f.1`, `2130706433`): the other spellings are only ways to say it anew.
 *
 * @example
 * addressKey('203.0.113.9:1234') // '203.0.113.9'
 * addressKey('::ffff:203.0.113.9') // '203.0.113.9'
 * addressKey('2001:db8:1:2::7') // '2001:db8:1:2::/64'
 * addressKey('not-an-ip') // undefined
 */
export function addressKey(value: string): string | undefined {
  let text = value.trim()
  const bracketed = BRACKETED.exec(text)
  if (bracketed !== null) text = bracketed[1] ?? ''
  else {
    const withPort = IPV4_WITH_PORT.exec(text)
    if (withPort !== null) text = withPort[1] ?? ''
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString()
  if (!ipaddr.IPv6.isValid(text)) return undefined
  const v6 = ipaddr.IPv6.parse(text)
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString()
  // The zone (`%eth0`) is dropped with the interface identifier.
  return `${new ipaddr.IPv6([...v6.parts.slice(0, 4), 0, 0, 0, 0]).toString()}/64`
}

/**
 * Makes a function giving a socket's client address, normalised by {@link addressKey}: its
 * peer's address when `trustProxy` is undefined, else the first address in `X-Forwarded-For`
 * that is not a trusted proxy. A value that is not an IP address (a trusted proxy passing on
 * garbage) gives the peer's address: a client must not get a fresh key by sending a fresh string.
 *
 * @param trustProxy a hop count, or addresses and CIDRs (as validated by the config).
 *
 * @example
 * createGuard({ verifier, rateLimit: { key: clientAddress(['loopback', '10.0.0.0/8']) } })
 */
export function clientAddress(
  trustProxy: number | readonly string[] | undefined,
): (socket: WithRequest) => string {
  const peer = (socket: WithRequest): string =>
    addressKey(socket.handshake.address) ??
    // No address at all: the connection is already gone. One shared key, never a chosen one.
    'unknown'
  if (trustProxy === undefined) return peer
  const trust =
    typeof trustProxy === 'number'
      ? (_address: string, hop: number) => hop < trustProxy
      : proxyAddr.compile([...trustProxy])
  return (socket) => {
    let found: string
    try {
      found = proxyAddr(socket.request, trust)
    } catch {
      // A request whose connection is already gone has no peer to start from.
      return peer(socket)
    }
    return addressKey(found) ?? peer(socket)
  }
}
