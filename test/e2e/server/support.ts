// Helpers of the reference server's tests: the server as an async-disposable resource with
// real socket.io-client sockets closed with it, development tokens, and awaiting one event.
import type { ManagerOptions, Socket as ClientSocket, SocketOptions } from 'socket.io-client'
import { connector, nextEvent } from '../../support/socket-server.js'
import type { ServerConfig } from '../../../server/config.js'
import { startServer, type StartedServer } from '../../../server/start-server.js'

/** A started reference server, with helpers; disposing it closes its clients, then it. */
export interface ChatHarness extends AsyncDisposable {
  readonly server: StartedServer
  readonly url: string
  /** Connects a client with `token` in `auth.token` (WebSocket, no reconnection). */
  connect(token?: string): ClientSocket
  /** Connects a client with these options (WebSocket, no reconnection unless they say). */
  connectWith(options: Partial<ManagerOptions & SocketOptions>): ClientSocket
  /** A development token from `POST /auth/token`. */
  token(username: string, scope?: string): Promise<string>
}

/** Starts the server on an ephemeral port, silent unless the config says otherwise. */
export async function chatServer(config: Partial<ServerConfig> = {}): Promise<ChatHarness> {
  const server = await startServer({ port: 0, logLevel: 'silent', ...config })
  const clients = new Set<ClientSocket>()
  const connect = connector(server.url, clients)
  const close = async (): Promise<void> => {
    for (const client of clients) client.close()
    await server.close()
  }
  return {
    server,
    url: server.url,
    connect: (token) => connect(token === undefined ? {} : { auth: { token } }),
    connectWith: (options) => connect(options),
    token: (username, scope = 'chat') => issue(server.url, { username, scope }),
    [Symbol.asyncDispose]: close,
  }
}

/** `POST /auth/token`; throws unless it answers 200 with a token. */
export async function issue(url: string, body: unknown): Promise<string> {
  const res = await postToken(url, body)
  if (res.status !== 200) throw new Error(`POST /auth/token: ${res.status} ${await res.text()}`)
  const { access_token: token } = (await res.json()) as { access_token: string }
  return token
}

/** `POST /auth/token` with a JSON body (a string is sent as it is). */
export function postToken(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

/** Resolves with the first `event` whose payload satisfies `accept`; rejects after `timeoutMs`. */
export function eventWhere<T>(
  client: ClientSocket,
  event: string,
  accept: (payload: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = (payload: T): void => {
      if (!accept(payload)) return
      clearTimeout(timer)
      client.off(event, listener)
      resolve(payload)
    }
    const timer = setTimeout(() => {
      client.off(event, listener)
      reject(new Error(`no matching "${event}" within ${timeoutMs} ms`))
    }, timeoutMs)
    client.on(event, listener)
  })
}

/** The presence list a client is sent right after it connects (register before connecting). */
export function presenceOf(client: ClientSocket): Promise<{ users: string[] }> {
  return nextEvent<{ users: string[] }>(client, 'presence')
}

/** A token with its signature changed (still well formed). */
export function tamper(token: string): string {
  const [header, payload, signature = ''] = token.split('.')
  const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1)
  return `${header}.${payload}.${flipped}`
}
