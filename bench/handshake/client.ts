// The client child of bench/handshake.ts: mints distinct tokens with node:crypto, opens
// socket.io-client WebSocket connections to the server child with bounded concurrency, and sends
// pipelined acknowledged events. Only 127.0.0.1 URLs are accepted.
import { createPrivateKey } from 'node:crypto'
import type { Socket } from 'socket.io-client'
import { exitAfterStop } from '../support/exit-after-stop.js'
import { SCOPE, TRANSPORT_OF, type Alg, type ClientCommands, type ServerSetup } from './protocol.js'
import { forge, signerFor, type Signer } from '../support/sign.js'
import { checkUrl, connectPool, connectSocket, socketGroups } from '../support/socket-client.js'
import { serve } from './rpc.js'

interface Pool {
  readonly tokens: string[]
  /** Valid, but without the `chat` scope: the event policy must deny it. */
  readonly unscoped: string
  /** A valid token with one signature bit flipped. */
  readonly tampered: string
}

const pools = new Map<Alg, Pool>()
const { groups, open, commands: socketCommands } = socketGroups()

function signer(alg: Alg, key: string): Signer {
  return signerFor(alg, alg === 'HS256' ? key : createPrivateKey(key))
}

function mint(alg: Alg, sign: Signer, i: number, scope: string): string {
  const now = Math.floor(Date.now() / 1000)
  const claims = { sub: `user-${i}`, iat: now, exp: now + 3600, jti: `${alg}-${i}`, scope }
  return forge({ alg, typ: 'JWT' }, claims, sign)
}

function poolOf(alg: Alg): Pool {
  const pool = pools.get(alg)
  if (pool === undefined) throw new Error(`no tokens for ${alg}: prepare first`)
  return pool
}

/** Connects one socket presenting `token` the way `setup` expects; rejects on connect_error. */
function connectOne(url: string, setup: ServerSetup, token: string | undefined): Promise<Socket> {
  const transport = TRANSPORT_OF[setup]
  return connectSocket(
    url,
    token === undefined || transport === 'none'
      ? {}
      : transport === 'query'
        ? { query: { token } }
        : { auth: { token: transport === 'auth-bearer' ? `Bearer ${token}` : token } },
  )
}

/** Connects and expects a refusal; returns the error (`data.code` for sockguard). */
async function refused(
  url: string,
  setup: ServerSetup,
  token: string | undefined,
): Promise<Error & { data?: { code?: unknown } }> {
  try {
    const socket = await connectOne(url, setup, token)
    socket.close()
  } catch (error) {
    return error as Error & { data?: { code?: unknown } }
  }
  throw new Error(`SANITY: ${setup} accepted a ${token === undefined ? 'missing' : 'bad'} token`)
}

function emitWithAck(socket: Socket, event: string, value: unknown): Promise<unknown> {
  return new Promise((resolve) => socket.emit(event, value, resolve))
}

serve<ClientCommands>(
  {
    async prepare({ alg, key, count }) {
      const start = performance.now()
      const sign = signer(alg, key)
      const tokens = Array.from({ length: count }, (_, i) => mint(alg, sign, i, SCOPE))
      const good = mint(alg, sign, count, SCOPE)
      const [header, payload, signature = ''] = good.split('.')
      const bytes = Buffer.from(signature, 'base64url')
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01
      pools.set(alg, {
        tokens,
        unscoped: mint(alg, sign, count + 1, 'other'),
        tampered: `${header ?? ''}.${payload ?? ''}.${bytes.toString('base64url')}`,
      })
      return Promise.resolve({ ms: performance.now() - start })
    },

    async sanity({ url, setup, alg }) {
      checkUrl(url)
      const pool = poolOf(alg)
      const checks: string[] = []
      const valid = await connectOne(url, setup, pool.tokens[0])
      checks.push(
        TRANSPORT_OF[setup] === 'none' ? 'connects without a token' : 'valid token connects',
      )
      if (setup === 'sockguard+policy') {
        const echo = await emitWithAck(valid, 'ping', 7)
        if (echo !== 7) throw new Error(`SANITY: ${setup} denied a scoped ping: ${String(echo)}`)
        const unscoped = await connectOne(url, setup, pool.unscoped)
        const denied = (await emitWithAck(unscoped, 'ping', 7)) as { code?: unknown }
        unscoped.close()
        if (denied.code !== 'forbidden')
          throw new Error(`SANITY: ${setup} let a ping without scope "${SCOPE}" through`)
        checks.push('scoped ping acked, unscoped ping forbidden')
      }
      valid.close()
      if (setup === 'plain') return checks
      for (const [what, token] of [
        ['tampered signature', pool.tampered],
        ['no token', undefined],
      ] as const) {
        const error = await refused(url, setup, token)
        if (setup === 'sockguard' || setup === 'sockguard+policy') {
          const expected = token === undefined ? 'token_missing' : 'token_invalid'
          if (error.data?.code !== expected)
            throw new Error(
              `SANITY: ${setup} refused a ${what} with ${String(error.data?.code)}, not ${expected}`,
            )
          checks.push(`${what} refused (${expected})`)
        } else checks.push(`${what} refused (${error.message})`)
      }
      return checks
    },

    async connect({ group, url, setup, alg, from, count, concurrency }) {
      checkUrl(url)
      const { tokens } = poolOf(alg)
      if (from + count > tokens.length) throw new Error(`only ${tokens.length} ${alg} tokens`)
      const ms = await connectPool(open(group), from, count, concurrency, (i) =>
        connectOne(url, setup, tokens[i]),
      )
      return { ms }
    },

    async events({ group, total, inflight }) {
      const sockets = groups.get(group) ?? []
      if (sockets.length === 0) throw new Error(`no sockets in ${group}`)
      const quota = Math.ceil(total / sockets.length)
      const start = performance.now()
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve, reject) => {
              let sent = 0
              let acked = 0
              const fire = (): void => {
                const n = sent++
                socket.emit('ping', n, (echo: unknown) => {
                  if (echo !== n) {
                    reject(new Error(`ping ${n} got ${JSON.stringify(echo)}`))
                    return
                  }
                  if (++acked === quota) resolve()
                  else if (sent < quota) fire()
                })
              }
              for (let k = 0; k < Math.min(inflight, quota); k++) fire()
            }),
        ),
      )
      return { ms: performance.now() - start, events: quota * sockets.length }
    },

    ...socketCommands,
  },
  exitAfterStop,
)
