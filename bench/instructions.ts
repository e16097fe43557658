// Instructions per handshake and per verification, counted by valgrind's callgrind: figures that
// do not move with the load of a shared machine, for before/after comparisons of one change.
// Each case runs twice in a fresh process under callgrind, with N1 and N2 operations; the
// difference of the two totals over N2 - N1 is the cost of one operation, start-up excluded.
// Run: npx tsx bench/instructions.ts [--what handshake,verify] [--algs HS256]
//      [--setups plain,floor,fast-jwt,sockguard] [--n1 100] [--n2 400]
//      [--verify-n1 10000] [--verify-n2 60000] [--sockguard build|src|<path of an entry point>]
import { execFileSync, spawn } from 'node:child_process'
import {
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
} from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Server } from 'socket.io'
import { io as connect, type Socket as ClientSocket } from 'socket.io-client'
import { ALGS, HS256_SECRET, SCOPE, type Alg } from './handshake/protocol.js'
import { install, type Sockguard } from './handshake/setups.js'
import { buildSockguard } from './support/build-sockguard.js'
import { createFloorVerifier } from './support/floor-verifier.js'
import { intOption } from './support/int-option.js'
import { listOption } from './support/list-option.js'
import { signJwt } from './support/sign.js'

const ROOT = new URL('../', import.meta.url)
const BUILD_DIR = new URL('.tmp/instructions-build/', ROOT)
const SETUPS = ['plain', 'floor', 'fast-jwt', 'sockguard'] as const
type Setup = (typeof SETUPS)[number]
const VERIFY_CASES = ['floor', 'sockguard'] as const
type VerifyCase = (typeof VERIFY_CASES)[number]
const WHAT = ['handshake', 'verify'] as const
/** Handshakes in flight, as in bench/handshake.ts. */
const CONCURRENCY = 50
const ISSUER = 'https://issuer.bench.example'
const AUDIENCE = 'chat-api'

interface Keys {
  /** The secret, or the SPKI PEM of the public key. */
  readonly verifying: string
  readonly sign: (claims: Record<string, unknown>) => string
}

/** Fixed keys would need files; a fresh pair per process changes no instruction count. */
function keysFor(alg: Alg): Keys {
  if (alg === 'HS256') {
    const key = createSecretKey(Buffer.from(HS256_SECRET))
    return { verifying: HS256_SECRET, sign: (claims) => signJwt(alg, key, claims) }
  }
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const privateKey = createPrivateKey(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }))
  return { verifying: pem, sign: (claims) => signJwt(alg, privateKey, claims) }
}

function tokens(keys: Keys, count: number, policy: boolean): string[] {
  const now = Math.floor(Date.now() / 1000)
  return Array.from({ length: count }, (_, i) =>
    keys.sign({
      ...(policy ? { iss: ISSUER, aud: AUDIENCE } : {}),
      sub: `user-${i}`,
      iat: now,
      exp: now + 3600,
      jti: `jti-${i}`,
      scope: SCOPE,
    }),
  )
}

// ---------------------------------------------------------------------------------------------
// The measured processes

/** `n` WebSocket handshakes to one server in this process, 50 in flight; then exits. */
async function handshakes(sg: Sockguard, setup: Setup, alg: Alg, n: number): Promise<void> {
  const keys = keysFor(alg)
  const list = setup === 'plain' ? [] : tokens(keys, n, false)
  const http = createServer()
  const server = new Server(http)
  install(sg, server, setup, alg, keys.verifying)
  let connected = 0
  const all = new Promise<void>((resolve) => {
    server.on('connection', () => {
      if (++connected === n) resolve()
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const open: ClientSocket[] = []
  let next = 0
  const one = (): Promise<void> => {
    const token = list[next]
    next++
    const socket = connect(url, {
      forceNew: true,
      reconnection: false,
      transports: ['websocket'],
      // Under valgrind everything runs some 50 times slower than the default 20 s allow.
      timeout: 600_000,
      ...(token === undefined ? {} : { auth: { token } }),
    })
    open.push(socket)
    return new Promise((resolve, reject) => {
      socket.once('connect', () => {
        resolve()
      })
      socket.once('connect_error', reject)
    })
  }
  const lane = async (): Promise<void> => {
    while (next < n) await one()
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, lane))
  await all
  // Exits with every socket open: closing them is not part of a handshake.
  process.exit(0)
}

/** `n` verifications of 64 distinct tokens in turn, as bench/verify.ts times them. */
async function verifications(sg: Sockguard, which: VerifyCase, alg: Alg, n: number) {
  const keys = keysFor(alg)
  const list = tokens(keys, 64, true)
  let verify: (token: string) => unknown
  if (which === 'floor') {
    const key =
      alg === 'HS256'
        ? createSecretKey(Buffer.from(keys.verifying))
        : createPublicKey(keys.verifying)
    verify = createFloorVerifier(alg, key)
  } else {
    const policy = { issuer: ISSUER, audience: AUDIENCE }
    const verifier =
      alg === 'HS256'
        ? sg.createVerifier({ ...policy, secret: keys.verifying, algorithms: ['HS256'] })
        : sg.createVerifier({ ...policy, publicKey: keys.verifying, algorithms: [alg] })
    verify = (token) => verifier.verify(token)
  }
  let sink = 0
  for (let i = 0; i < n; i++) {
    const result = verify(list[i & 63] as string)
    if ((result instanceof Promise ? await result : result) !== undefined) sink++
  }
  if (sink !== n) throw new Error(`${which} ${alg}: ${n - sink} tokens refused`)
  process.exit(0)
}

// ---------------------------------------------------------------------------------------------
// The driver

/** Total instructions of one child run under callgrind (every thread). */
function countInstructions(args: readonly string[]): Promise<number> {
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
      process.execPath,
      // No concurrent compiler or GC threads: the same work on every run.
      '--single-threaded',
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe'] },
  )
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      const match = /Collected : (\d+)/.exec(stderr)
      if (code !== 0 || match === null)
        reject(
          new Error(`callgrind run failed (${code}): ${args.join(' ')}\n${stderr.slice(-2000)}`),
        )
      else resolve(Number(match[1]))
    })
  })
}

async function perOperation(args: readonly string[], n1: number, n2: number): Promise<number> {
  const [a, b] = await Promise.all([
    countInstructions([...args, '--n', String(n1)]),
    countInstructions([...args, '--n', String(n2)]),
  ])
  return (b - a) / (n2 - n1)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      case: { type: 'string' },
      alg: { type: 'string' },
      n: { type: 'string' },
      module: { type: 'string' },
      what: { type: 'string', default: WHAT.join(',') },
      algs: { type: 'string', default: 'HS256' },
      setups: { type: 'string', default: SETUPS.join(',') },
      n1: { type: 'string', default: '100' },
      n2: { type: 'string', default: '400' },
      'verify-n1': { type: 'string', default: '10000' },
      'verify-n2': { type: 'string', default: '60000' },
      sockguard: { type: 'string', default: 'build' },
    },
    strict: true,
  })
  if (values.child !== undefined) {
    const sg = (await import(values.module ?? '')) as Sockguard
    const alg = listOption('alg', values.alg ?? '', ALGS)[0] as Alg
    const n = intOption(values, 'n', 1, 10_000_000)
    if (values.child === 'handshake')
      await handshakes(sg, listOption('case', values.case ?? '', SETUPS)[0] as Setup, alg, n)
    else
      await verifications(
        sg,
        listOption('case', values.case ?? '', VERIFY_CASES)[0] as VerifyCase,
        alg,
        n,
      )
    return
  }
  if (values.sockguard === 'build') buildSockguard(ROOT, BUILD_DIR)
  const module =
    values.sockguard === 'build'
      ? new URL('index.js', BUILD_DIR).href
      : values.sockguard === 'src'
        ? new URL('src/index.ts', ROOT).href
        : pathToFileURL(resolve(values.sockguard)).href
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
  const what = listOption('what', values.what, WHAT)
  const algs = listOption('algs', values.algs, ALGS)
  const n1 = intOption(values, 'n1', 1, 100_000)
  const n2 = intOption(values, 'n2', n1 + 1, 100_000)
  const v1 = intOption(values, 'verify-n1', 1, 10_000_000)
  const v2 = intOption(values, 'verify-n2', v1 + 1, 10_000_000)
  for (const alg of algs) {
    const common = ['--alg', alg, '--module', module]
    if (what.includes('verify')) {
      for (const which of VERIFY_CASES) {
        const per = await perOperation(['--child', 'verify', '--case', which, ...common], v1, v2)
        console.log(
          `verify    ${alg} ${which.padEnd(10)} ${Math.round(per).toLocaleString('en')} instructions per verification`,
        )
      }
    }
    if (what.includes('handshake')) {
      for (const setup of listOption('setups', values.setups, SETUPS)) {
        const per = await perOperation(['--child', 'handshake', '--case', setup, ...common], n1, n2)
        console.log(
          `handshake ${alg} ${setup.padEnd(10)} ${Math.round(per).toLocaleString('en')} instructions per handshake`,
        )
      }
    }
  }
}

await main()
