// Test support for `sockguard/express`: a real Express 5 app on 127.0.0.1:0 as an
// async-disposable resource, and checks that a refusal is well formed and free of the token. (An
// app beside a Socket.IO server is `startServer({ requestListener: app })` of test/support.)
import { createServer, type Server as HttpServer } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import express, { type Express } from 'express'
import { expect } from 'vitest'

/** A running Express app. */
export interface TestApp extends AsyncDisposable {
  readonly app: Express
  readonly http: HttpServer
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** `fetch(url + path)`, with `Authorization: Bearer <token>` when a token is given. */
  get(path: string, token?: string, init?: RequestInit): Promise<Response>
  close(): Promise<void>
}

/** Starts an Express 5 app on an ephemeral loopback port; `setup` mounts its routes. */
export async function startApp(setup: (app: Express) => void): Promise<TestApp> {
  const app = express()
  setup(app)
  const http = createServer(app)
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        http.close(() => {
          resolve()
        })
        http.closeAllConnections()
      })
    })()
    return closing
  }
  return {
    app,
    http,
    url,
    get(path, token, init = {}) {
      const headers = new Headers(init.headers)
      if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
      return fetch(`${url}${path}`, { ...init, headers })
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}

/** What a refusal looked like to the client. */
export interface SeenRefusal {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: { error: string; message: string }
}

/**
 * Reads a refusal and asserts the parts every refusal shares: the status, a JSON body with
 * exactly `error` (the code) and `message`, `Cache-Control: no-store`, and that no header and
 * no byte of the body holds any of `secrets` or their signature segment.
 */
export async function expectRefusal(
  response: Response,
  status: number,
  code: string,
  ...secrets: string[]
): Promise<SeenRefusal> {
  const text = await response.text()
  const headers = Object.fromEntries(response.headers)
  expect({ status: response.status, text }).toMatchObject({ status })
  expect(headers['content-type']).toBe('application/json; charset=utf-8')
  expect(headers['cache-control']).toBe('no-store')
  const body = JSON.parse(text) as { error: string; message: string }
  expect(Object.keys(body).sort()).toEqual(['error', 'message'])
  expect(body.error).toBe(code)
  expect(typeof body.message).toBe('string')
  expectNoSecrets(`${JSON.stringify(headers)}\n${text}`, ...secrets)
  return { status: response.status, headers, body }
}

/** Asserts that `seen` holds none of `secrets`, nor the signature segment of a JWS among them. */
export function expectNoSecrets(seen: string, ...secrets: string[]): void {
  for (const secret of secrets) {
    expect(seen).not.toContain(secret)
    const signature = secret.split('.')[2]
    if (signature !== undefined && signature.length > 8) expect(seen).not.toContain(signature)
  }
}

/**
 * Sends `GET <path>` over a bare TCP socket with exactly the header `fields` given (`Name: value`
 * lines, in order, any number of each), as an attacker's client would, and reads the answer as a
 * Response (the server closes after it: `Connection: close`).
 */
export function rawHttpGet(
  url: string,
  path: string,
  fields: readonly string[],
): Promise<Response> {
  const { hostname, port, host } = new URL(url)
  const head = [`GET ${path} HTTP/1.1`, `Host: ${host}`, ...fields, 'Connection: close', '', '']
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.end(head.join('\r\n'))
    })
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const split = text.indexOf('\r\n\r\n')
      const lines = text.slice(0, split).split('\r\n')
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(lines[0] ?? '')?.[1] ?? 0)
      const headers = new Headers()
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':')
        headers.append(line.slice(0, colon), line.slice(colon + 1).trim())
      }
      resolve(new Response(Buffer.from(text.slice(split + 4), 'latin1'), { status, headers }))
    })
  })
}
