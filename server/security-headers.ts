// The security headers of every response the server sends: Express's routes, and what Socket.IO
// answers by itself under /socket.io/ (the client bundle, polling, engine.io's errors), which
// never passes through Express.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
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
}
