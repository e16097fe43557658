// Helpers of the adversarial security suite: key material made at run time, a forger of compact
// JWS over any header and payload, bounded outcomes of handshakes that may or may not connect,
// round-trip probes, and the leak detector that looks for tokens and key material in captured text.
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { Socket as ClientSocket } from 'socket.io-client'
import type { PublicJwk } from '../../../src/index.js'
import { nowSeconds } from '../../support/sign.js'

/** Whole seconds, the clock tokens are minted on. */
export const nowS = nowSeconds

// The forger and its signers live in test/support/sign.ts (shared with every other suite); the
// attack tests name them from here.
export {
  b64json,
  b64url,
  ecSigner,
  edSigner,
  forge,
  forgeSegments,
  hmacSigner,
  randomSigner,
  rsaSigner,
  type Signer,
} from '../../support/sign.js'

/** The claims of a token that is fine in every way but its signature or header. */
export function goodClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = nowS()
  return { sub: 'alice', iat, exp: iat + 600, ...extra }
}

/** A key pair with its public forms, as an attacker or a victim holds them. */
export interface KeyPair {
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
  /** SPKI PEM of the public key. */
  readonly pem: string
  /** The public JWK. */
  readonly jwk: PublicJwk
  /** The private JWK (with `d`): key material that must never leak. */
  readonly privateJwk: Record<string, unknown>
  /** PKCS#8 PEM of the private key: key material that must never leak. */
  readonly privatePem: string
}

function pair(keys: { privateKey: KeyObject; publicKey: KeyObject }): KeyPair {
  return {
    ...keys,
    pem: keys.publicKey.export({ format: 'pem', type: 'spki' }) as string,
    jwk: keys.publicKey.export({ format: 'jwk' }) as PublicJwk,
    privateJwk: keys.privateKey.export({ format: 'jwk' }),
    privatePem: keys.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  }
}

/** A fresh RSA 2048 key pair. */
export const rsaPair = (): KeyPair => pair(generateKeyPairSync('rsa', { modulusLength: 2048 }))

/** A fresh P-256 key pair. */
export const ecPair = (): KeyPair => pair(generateKeyPairSync('ec', { namedCurve: 'P-256' }))

/** How a handshake that may or may not succeed ended. */
export type Outcome =
  | { readonly kind: 'connect' }
  | { readonly kind: 'connect_error'; readonly message: string; readonly data: unknown }
  | { readonly kind: 'disconnect'; readonly reason: string }

/** The first of connect, connect_error or disconnect of `client`; rejects after `timeoutMs`. */
export function outcome(client: ClientSocket, timeoutMs = 5_000): Promise<Outcome> {
  return new Promise<Outcome>((resolve, reject) => {
    const settle = (value: Outcome | Error): void => {
      clearTimeout(timer)
      client.off('connect', onConnect)
      client.off('connect_error', onError)
      client.off('disconnect', onDisconnect)
      if (value instanceof Error) reject(value)
      else resolve(value)
    }
    const onConnect = (): void => {
      settle({ kind: 'connect' })
    }
    const onError = (error: Error & { data?: unknown }): void => {
      settle({ kind: 'connect_error', message: error.message, data: error.data })
    }
    const onDisconnect = (reason: string): void => {
      settle({ kind: 'disconnect', reason })
    }
    const timer = setTimeout(() => {
      settle(new Error(`the handshake did not end within ${timeoutMs} ms (a hang)`))
    }, timeoutMs)
    client.on('connect', onConnect)
    client.on('connect_error', onError)
    client.on('disconnect', onDisconnect)
  })
}

/** The refusal code of an outcome, or `undefined` when it connected or had no code. */
export function codeOf(result: Outcome): string | undefined {
  if (result.kind !== 'connect_error') return undefined
  const code = (result.data as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * Makes the server answer `ping` with an ack, and measures a client's round trip through it:
 * the probe that shows the server stays responsive while another client attacks it.
 */
export async function roundTripMs(client: ClientSocket, timeoutMs = 2_000): Promise<number> {
  const started = performance.now()
  await client.timeout(timeoutMs).emitWithAck('ping')
  return performance.now() - started
}

/**
 * Every piece of a secret that must never appear in captured text: the whole value, and each
 * window of `window` characters (8 by default: "no 8-character substring of the signature").
 * Windows step by `step`; a step below the window still catches every leak of window + step - 1
 * characters or more.
 */
export function secretPieces(secret: string, window = 8, step = 1): string[] {
  if (secret.length <= window) return [secret]
  const pieces = [secret]
  for (let i = 0; i + window <= secret.length; i += step) pieces.push(secret.slice(i, i + window))
  return pieces
}

/** The secret parts of a compact JWS: the token, and 8-character pieces of its signature. */
export function tokenPieces(token: string): string[] {
  const signature = token.split('.')[2] ?? ''
  return [token, ...(signature.length >= 8 ? secretPieces(signature) : [])]
}

/**
 * The secret parts of key material: an HMAC secret (as text, base64, base64url and hex), a
 * private PEM (16-character windows of its body) and a private JWK's private members.
 */
export function keyPieces(material: {
  readonly secret?: Uint8Array | string
  readonly privateKey?: KeyPair
}): string[] {
  const pieces: string[] = []
  const { secret, privateKey } = material
  if (secret !== undefined) {
    const bytes = Buffer.from(secret)
    if (typeof secret === 'string') pieces.push(...secretPieces(secret, 16, 8))
    for (const encoding of ['base64', 'base64url', 'hex'] as const)
      pieces.push(...secretPieces(bytes.toString(encoding), 16, 8))
  }
  if (privateKey !== undefined) {
    const body = privateKey.privatePem.replace(/-----[A-Z ]+-----|\s/g, '')
    pieces.push(...secretPieces(body, 16, 8))
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
      const value = privateKey.privateJwk[member]
      if (typeof value === 'string') pieces.push(...secretPieces(value, 16, 8))
    }
  }
  return pieces
}

/** The pieces of `pieces` found in `text` (none, when nothing leaked). */
export function leakedPieces(text: string, pieces: readonly string[]): string[] {
  return pieces.filter((piece) => text.includes(piece))
}

/** A loopback HTTP server that counts the requests it gets (an attacker's key server). */
export interface CountingServer extends AsyncDisposable {
  readonly url: string
  readonly requests: string[]
}

/** Serves `body` as JSON on 127.0.0.1:0 and records every request URL. */
export async function countingServer(body: unknown): Promise<CountingServer> {
  const requests: string[] = []
  const http: HttpServer = createServer((req: IncomingMessage, res) => {
    requests.push(req.url ?? '')
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  return {
    url,
    requests,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections()
        http.close(() => {
          resolve()
        })
      }),
  }
}

let collect: (() => void) | undefined

/**
 * A full garbage collection. vitest's workers do not run with `--expose-gc`; the flag can be set
 * at run time, and a fresh context then has `gc` (the function works for the whole isolate).
 */
export function collectGarbage(): void {
  if (collect === undefined) {
    const existing = (globalThis as { gc?: () => void }).gc
    if (typeof existing === 'function') collect = existing
    else {
      setFlagsFromString('--expose-gc')
      collect = runInNewContext('gc') as () => void
    }
  }
  collect()
}

/** `process.memoryUsage().heapUsed` after two full collections, in bytes. */
export function settledHeap(): number {
  collectGarbage()
  collectGarbage()
  return process.memoryUsage().heapUsed
}
