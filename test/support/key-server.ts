// A real HTTP key server on 127.0.0.1 for end-to-end tests of remote key sets and OIDC discovery:
// it serves mutable JSON documents, counts requests per path, and misbehaves on demand.
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'

/** Where the JWK set is served. */
export const JWKS_PATH = '/jwks.json'
/** Where the OpenID Connect discovery document is served. */
export const DISCOVERY_PATH = '/.well-known/openid-configuration'

/** How the server answers a path. */
export type Behaviour =
  /** 200 with the path's JSON document (404 when it has none). */
  | { readonly kind: 'json' }
  /** This status with a small JSON error body. */
  | { readonly kind: 'status'; readonly status: number }
  /**
   * Waits `ms` before answering normally; with `afterHeaders`, sends the headers and half of the
   * body first, then stalls.
   */
  | { readonly kind: 'delay'; readonly ms: number; readonly afterHeaders?: boolean }
  /** 200, `content-type: application/json`, and a body that is not JSON. */
  | { readonly kind: 'garbage'; readonly body?: string }
  /**
   * 200 with the path's document padded to `bytes` (still valid JSON, so only its size is wrong):
   * with a `content-length`, or chunked without one; with `gzip`, compressed, so that the bytes
   * on the wire are far fewer than the decoded ones (a decompression bomb).
   */
  | {
      readonly kind: 'oversized'
      readonly bytes: number
      readonly chunked: boolean
      readonly gzip?: boolean
    }
  /** A redirect to `location` (a path on this server or an absolute URL). */
  | { readonly kind: 'redirect'; readonly location: string; readonly status?: number }

/** What a key server saw on one path. */
export interface PathStats {
  /** Requests received. */
  readonly requests: number
  /** Body bytes handed to the response (streaming stops when the client goes away). */
  readonly bytesSent: number
  /** Responses that ended because the client went away before the body was complete. */
  readonly aborted: number
}

/** A running key server; `await using` closes it, pending (delayed) responses included. */
export interface KeyServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`, also the default issuer of the discovery document. */
  readonly origin: string
  /** The absolute URL of a path on this server. */
  url(path: string): string
  /** Replaces the JWK set served at {@link JWKS_PATH}. */
  setJwks(jwks: unknown): void
  /** Replaces the discovery document served at {@link DISCOVERY_PATH}. */
  setDiscovery(document: unknown): void
  /** Serves `document` as JSON at `path`. */
  setDocument(path: string, document: unknown): void
  /** Changes how `path` is answered, until the next call. */
  behave(path: string, behaviour: Behaviour): void
  /** Requests received on `path` so far. */
  requests(path: string): number
  /** Requests received on every path so far. */
  totalRequests(): number
  /** Counters of `path`. */
  stats(path: string): PathStats
  close(): Promise<void>
}

/** What the server starts with. */
export interface KeyServerOptions {
  /** The JWK set. @defaultValue `{ keys: [] }` */
  readonly jwks?: unknown
  /** The discovery document. @defaultValue `{ issuer: origin, jwks_uri: origin + JWKS_PATH }` */
  readonly discovery?: unknown
}

const CHUNK = 64 * 1024

/** Starts a key server on an ephemeral port of 127.0.0.1. */
export async function startKeyServer(options: KeyServerOptions = {}): Promise<KeyServer> {
  const documents = new Map<string, unknown>()
  const behaviours = new Map<string, Behaviour>()
  const stats = new Map<string, { requests: number; bytesSent: number; aborted: number }>()
  const timers = new Set<NodeJS.Timeout>()

  const statsOf = (path: string) => {
    let entry = stats.get(path)
    if (entry === undefined) {
      entry = { requests: 0, bytesSent: 0, aborted: 0 }
      stats.set(path, entry)
    }
    return entry
  }

  const later = (res: ServerResponse, ms: number, then: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (!res.destroyed) then()
    }, ms)
    timers.add(timer)
    res.on('close', () => {
      clearTimeout(timer)
      timers.delete(timer)
    })
  }

  const send = (res: ServerResponse, path: string, status: number, body: string): void => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
    statsOf(path).bytesSent += Buffer.byteLength(body)
  }

  const sendDocument = (res: ServerResponse, path: string): void => {
    if (!documents.has(path)) send(res, path, 404, '{"error":"not_found"}')
    else send(res, path, 200, JSON.stringify(documents.get(path)))
  }

  // Streams the document padded with a string member so that the whole body is `bytes` long.
  const sendOversized = (
    res: ServerResponse,
    path: string,
    { bytes, chunked, gzip = false }: { bytes: number; chunked: boolean; gzip?: boolean },
  ): void => {
    const document = JSON.stringify(documents.get(path) ?? {})
    const head = `${document.slice(0, -1)}${document.length > 2 ? ',' : ''}"padding":"`
    const tail = '"}'
    const padding = Math.max(0, bytes - head.length - tail.length)
    const entry = statsOf(path)
    if (gzip) {
      const body = gzipSync(head + 'x'.repeat(padding) + tail)
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        ...(chunked ? {} : { 'content-length': body.length }),
      })
      res.end(body)
      entry.bytesSent += body.length
      return
    }
    res.writeHead(200, {
      'content-type': 'application/json',
      ...(chunked ? {} : { 'content-length': head.length + padding + tail.length }),
    })
    let left = padding
    let done = false
    res.on('close', () => {
      if (!done) entry.aborted++
    })
    const write = (text: string): boolean => {
      entry.bytesSent += text.length
      return res.write(text)
    }
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const size = Math.min(CHUNK, left)
        left -= size
        if (!write('x'.repeat(size))) {
          res.once('drain', pump)
          return
        }
      }
      if (res.destroyed) return
      write(tail)
      done = true
      res.end()
    }
    write(head)
    pump()
  }

  const answer = (res: ServerResponse, path: string, behaviour: Behaviour): void => {
    switch (behaviour.kind) {
      case 'json':
        sendDocument(res, path)
        return
      case 'status':
        send(res, path, behaviour.status, `{"error":"status ${behaviour.status}"}`)
        return
      case 'garbage':
        send(res, path, 200, behaviour.body ?? '<html><body>502 Bad Gateway</body></html>')
        return
      case 'oversized':
        sendOversized(res, path, behaviour)
        return
      case 'redirect':
        res.writeHead(behaviour.status ?? 302, { location: behaviour.location }).end()
        return
      case 'delay': {
        if (!behaviour.afterHeaders) {
          later(res, behaviour.ms, () => {
            sendDocument(res, path)
          })
          return
        }
        const body = JSON.stringify(documents.get(path) ?? {})
        const half = body.slice(0, Math.floor(body.length / 2))
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
        res.write(half)
        statsOf(path).bytesSent += half.length
        later(res, behaviour.ms, () => {
          res.end(body.slice(half.length))
          statsOf(path).bytesSent += body.length - half.length
        })
        return
      }
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    statsOf(path).requests++
    answer(res, path, behaviours.get(path) ?? { kind: 'json' })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  documents.set(JWKS_PATH, options.jwks ?? { keys: [] })
  documents.set(
    DISCOVERY_PATH,
    options.discovery ?? { issuer: origin, jwks_uri: `${origin}${JWKS_PATH}` },
  )

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve, reject) => {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      server.close((error) => {
        if (error) reject(error)
        else resolve()
      })
      // Keep-alive sockets of the client's pool and responses still being delayed or streamed.
      server.closeAllConnections()
    })
    return closing
  }

  return {
    origin,
    url: (path) => `${origin}${path}`,
    setJwks: (jwks) => documents.set(JWKS_PATH, jwks),
    setDiscovery: (document) => documents.set(DISCOVERY_PATH, document),
    setDocument: (path, document) => documents.set(path, document),
    behave: (path, behaviour) => behaviours.set(path, behaviour),
    requests: (path) => stats.get(path)?.requests ?? 0,
    totalRequests: () => [...stats.values()].reduce((sum, entry) => sum + entry.requests, 0),
    stats: (path) => ({ ...statsOf(path) }),
    close,
    [Symbol.asyncDispose]: close,
  }
}
