// The line `npm start` prints once the server listens. It states what is true: which address is
// bound, and "every interface" only when it is (a name such as `localhost` is bound to the one
// address it resolved to, reachable from this machine only when that is loopback).

/** The addresses of a started server, as `startServer()` gives them. */
export interface ListeningAddresses {
  /** The URL to use on this machine, e.g. `http://localhost:3000`. */
  readonly url: string
  /** The address bound, e.g. `http://127.0.0.1:3000` or `http://0.0.0.0:3000`. */
  readonly address: string
}

const EVERY_INTERFACE = new Set(['0.0.0.0', '[::]'])

/**
 * The banner for a started server.
 *
 * @example
 * listeningBanner({ url: 'http://localhost:3000', address: 'http://127.0.0.1:3000' })
 * // 'listening on http://localhost:3000 (bound to http://127.0.0.1:3000)'
 */
export function listeningBanner({ url, address }: ListeningAddresses): string {
  if (EVERY_INTERFACE.has(new URL(address).hostname))
    return `listening on ${address} (every interface; on this machine ${url})`
  if (address === url) return `listening on ${url}`
  return `listening on ${url} (bound to ${address})`
}
