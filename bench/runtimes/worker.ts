// The server side of bench/runtimes.ts, run by each runtime of the matrix (Node, Bun, Deno) as a
// plain script: only node:crypto, node:http, node:readline, node:process, socket.io and the
// package as built (SOCKGUARD_ENTRY), so that what it measures is the runtime. Like the guard
// suite it keeps to erasable TypeScript (Node 26 strips it; Node 20.19 runs it through tsx).
//
// BENCH_MODE=handshake: a Socket.IO server on loopback (node:http, or Bun.serve through
// @socket.io/bun-engine with SUITE_ENGINE=bun-engine), `plain` (no auth) or guarded by sockguard
// for BENCH_ALG with BENCH_KEY (the HS256 secret, or the ES256 public key as SPKI PEM); the parent
// connects the clients and reads this process's CPU time around the timed handshakes.
// BENCH_MODE=verify: sockguard's verifier and a node:crypto floor, timed on this runtime.
//
// Protocol: a first stdout line `{ ready, port, runtime, version }`, then one JSON request per
// stdin line, `{ id, cmd, ... }`, answered by one stdout line `{ id, ... }`.
import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { Server } from 'socket.io'

type Sockguard = typeof import('../../src/index.js')

const sockguard = (await import(`file://${process.env.SOCKGUARD_ENTRY!}`)) as Sockguard
const MODE = process.env.BENCH_MODE ?? 'handshake'
const ENGINE = process.env.SUITE_ENGINE ?? 'node-http'
const ISSUER = 'https://issuer.example'
const AUDIENCE = 'bench'

function runtime(): { runtime: string; version: string } {
  const g = globalThis as unknown as {
    Bun?: { version: string }
    Deno?: { version: { deno: string } }
  }
  if (g.Deno !== undefined) return { runtime: 'deno', version: g.Deno.version.deno }
  if (g.Bun !== undefined) return { runtime: 'bun', version: g.Bun.version }
  return { runtime: 'node', version: process.versions.node }
}

const write = (line: unknown): void => {
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

/** This process's CPU time so far, in µs (user + system). */
const cpuMicros = (): number => {
  const { user, system } = process.cpuUsage()
  return user + system
}

let connections = 0

async function startServer(): Promise<number> {
  const io = new Server({ pingInterval: 120_000, pingTimeout: 120_000 })
  const alg = process.env.BENCH_ALG
  if (alg !== undefined && alg !== 'plain') {
    const key = process.env.BENCH_KEY!
    const guard = sockguard.createGuard(
      alg === 'HS256'
        ? { secret: key, algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE }
        : { publicKey: key, algorithms: ['ES256'], issuer: ISSUER, audience: AUDIENCE },
    )
    guard.attach(io)
  }
  io.on('connection', () => {
    connections++
  })
  if (ENGINE === 'bun-engine') {
    const { Server: Engine } = (await import(process.env.BUN_ENGINE_ENTRY!)) as {
      Server: new (options: Record<string, unknown>) => { handler(): Record<string, unknown> }
    }
    const engine = new Engine({ path: '/socket.io/', pingInterval: 120_000, pingTimeout: 120_000 })
    ;(io as unknown as { bind(engine: unknown): void }).bind(engine)
    const bun = (globalThis as unknown as { Bun: { serve(o: object): { port: number } } }).Bun
    return bun.serve({ port: 0, hostname: '127.0.0.1', ...engine.handler() }).port
  }
  const http = createServer()
  io.attach(http)
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  return (http.address() as AddressInfo).port
}

// ---------------------------------------------------------------------------------------------
// Verification: 64 distinct tokens per algorithm, round-robin, timed in CPU time.

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

interface VerifyCase {
  readonly tokens: readonly string[]
  readonly sockguard: (token: string) => Promise<unknown>
  /** The least a correct check does by hand: signature, JSON.parse, exp (bench/verify.ts). */
  readonly floor: (token: string) => unknown
}

function makeCase(alg: string): VerifyCase {
  const nowS = Math.floor(Date.now() / 1000)
  const signingInputs = Array.from({ length: 64 }, (_, i) => {
    const payload = {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: `user-${i}`,
      jti: `jti-${i}`,
      iat: nowS,
      exp: nowS + 3600,
      scope: 'chat',
    }
    return `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`
  })
  let signer: (input: Buffer) => Buffer
  let check: (input: Buffer, signature: Buffer) => boolean
  let options: Record<string, unknown>
  if (alg === 'HS256') {
    const secret = Buffer.from('bench-secret-0123456789abcdef-0123456789')
    signer = (input) => createHmac('sha256', secret).update(input).digest()
    check = (input, signature) => {
      const expected = createHmac('sha256', secret).update(input).digest()
      return expected.length === signature.length && timingSafeEqual(expected, signature)
    }
    options = { secret, algorithms: ['HS256'] }
  } else {
    const pair =
      alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 2048 })
        : alg === 'ES256'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : generateKeyPairSync('ed25519')
    const publicKey: KeyObject = createPublicKey(
      pair.publicKey.export({ format: 'pem', type: 'spki' }),
    )
    const hash = alg === 'EdDSA' ? null : 'sha256'
    const dsa = alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {}
    signer = (input) => cryptoSign(hash, input, { key: pair.privateKey, ...dsa })
    check = (input, signature) => cryptoVerify(hash, input, { key: publicKey, ...dsa }, signature)
    options = { publicKey, algorithms: [alg] }
  }
  const tokens = signingInputs.map(
    (input) => `${input}.${signer(Buffer.from(input)).toString('base64url')}`,
  )
  const verifier = sockguard.createVerifier({
    ...options,
    issuer: ISSUER,
    audience: AUDIENCE,
  } as Parameters<Sockguard['createVerifier']>[0])
  return {
    tokens,
    sockguard: (token) => verifier.verify(token),
    floor(token) {
      const first = token.indexOf('.')
      const second = token.indexOf('.', first + 1)
      const input = Buffer.from(token.slice(0, second))
      if (!check(input, Buffer.from(token.slice(second + 1), 'base64url'))) throw new Error('bad')
      const claims = JSON.parse(
        Buffer.from(token.slice(first + 1, second), 'base64url').toString(),
      ) as {
        exp: number
      }
      if (claims.exp * 1000 <= Date.now()) throw new Error('expired')
      return claims
    },
  }
}

/** Verifications per CPU second and per wall second of `run`, for about `cpuMs` of CPU time. */
async function timeIt(
  tokens: readonly string[],
  run: (token: string) => unknown,
  cpuMs: number,
): Promise<{ perCpuSecond: number; perSecond: number }> {
  // Warm-up: a tenth of the budget.
  const warmUntil = cpuMicros() + cpuMs * 100
  while (cpuMicros() < warmUntil) for (const token of tokens) await run(token)
  const cpu0 = cpuMicros()
  const wall0 = performance.now()
  let ops = 0
  while (cpuMicros() - cpu0 < cpuMs * 1000) {
    for (const token of tokens) await run(token)
    ops += tokens.length
  }
  const cpu = (cpuMicros() - cpu0) / 1e6
  const wall = (performance.now() - wall0) / 1e3
  return { perCpuSecond: ops / cpu, perSecond: ops / wall }
}

const verifyCases = new Map<string, VerifyCase>()

async function verifyBench(
  alg: string,
  which: 'sockguard' | 'floor',
  cpuMs: number,
): Promise<{ perCpuSecond: number; perSecond: number }> {
  let c = verifyCases.get(alg)
  if (c === undefined) {
    c = makeCase(alg)
    // Sanity: every token verifies, a tampered one does not.
    for (const token of c.tokens) {
      await c.sockguard(token)
      c.floor(token)
    }
    const tampered = `${c.tokens[0]!.slice(0, -4)}AAAA`
    await c.sockguard(tampered).then(
      () => {
        throw new Error(`SANITY: sockguard accepted a tampered ${alg} token`)
      },
      () => undefined,
    )
    verifyCases.set(alg, c)
  }
  return timeIt(c.tokens, which === 'sockguard' ? c.sockguard : c.floor, cpuMs)
}

// ---------------------------------------------------------------------------------------------

const port = MODE === 'handshake' ? await startServer() : 0
write({ ready: true, port, ...runtime() })
const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const request = JSON.parse(line) as {
    id: number
    cmd: 'cpu' | 'verify' | 'exit'
    alg?: string
    which?: 'sockguard' | 'floor'
    cpuMs?: number
  }
  if (request.cmd === 'exit') process.exit(0)
  if (request.cmd === 'cpu') {
    write({ id: request.id, cpuMicros: cpuMicros(), connections })
    return
  }
  verifyBench(request.alg!, request.which!, request.cpuMs!).then(
    (result) => {
      write({ id: request.id, ...result })
    },
    (error: unknown) => {
      write({ id: request.id, error: String(error) })
    },
  )
})
lines.on('close', () => process.exit(0))
