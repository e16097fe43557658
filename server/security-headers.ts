// The security headers of every response the server sends: Express's routes, what Socket.IO
// answers by itself under /socket.io/ (the client bundle, polling, engine.io's errors), which
// never passes through Express, and the refusals of a WebSocket upgrade that engine.io and ws
// write raw to the TCP socket, with no response object to set headers on.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { contentSecurityPolicy } from './page.js'

/** The headers, by name; the page replaces the Content-Security-Policy with its own. */
export function securityHeaders(): Readonly<Record<string, string>> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
  }
}

/**
 * Sets the headers on every response of `server`, before any other `request` listener runs
 * (Socket.IO replaces the listeners it finds with one that answers `/socket.io/` itself). Its
 * `writeHead(status, headers)` merges them: a header it sets itself wins.
 *
 * @example
 * const io = new Server(httpServer)
 * secureEveryResponse(httpServer)
 */
export function secureEveryResponse(server: Server): void {
  const headers = Object.entries(securityHeaders())
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of headers) res.setHeader(name, value)
  })
  // Engine.io has no hook for the upgrade errors it writes itself (`400 Session ID unknown`), nor
  // has ws (`400` for a bad Sec-WebSocket-Version): both write one string, a whole response, to
  // the socket. Before they see the upgrade, its socket learns to add the headers to it.
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')
  server.prependListener('upgrade', (_req: IncomingMessage, socket: Duplex) => {
    secureRawResponse(socket, lines)
  })
}

/** An HTTP error response's status line, as engine.io and ws write it (`HTTP/1.1 400 ...`). */
const ERROR_STATUS_LINE = /^HTTP\/1\.1 [45]\d\d [^\r\n]*\r\n/

/**
 * Makes the first `write` or `end` of `socket` add `lines` after the status line when it is a
 * whole error response; after that first one, the socket is left as it was (a 101 and the
 * WebSocket frames after it go untouched).
 */
function secureRawResponse(socket: Duplex, lines: string): void {
  const write = socket.write.bind(socket)
  const end = socket.end.bind(socket)
  const restore = (): void => {
    socket.write = write
    socket.end = end
  }
  const secured = (chunk: unknown): unknown => {
    restore()
    if (typeof chunk !== 'string') return chunk
    const status = ERROR_STATUS_LINE.exec(chunk)
    return status === null ? chunk : status[0] + lines + chunk.slice(status[0].length)
  }
  socket.write = ((chunk: unknown, ...rest: unknown[]) =>
    (write as (...args: unknown[]) => boolean)(secured(chunk), ...rest)) as Duplex['write']
  socket.end = ((chunk?: unknown, ...rest: unknown[]) => {
    // end() with no data, or a callback only, writes nothing of its own.
    const args = typeof chunk === 'string' ? [secured(chunk), ...rest] : [chunk, ...rest]
    if (typeof chunk !== 'string') restore()
    return (end as (...args: unknown[]) => Duplex)(...args)
  }) as Duplex['end']
}
