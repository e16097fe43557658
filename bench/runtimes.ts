// The runtime matrix's benchmark (issue 15, part 3): on Node (lowest supported and newest), Bun
// (with @socket.io/bun-engine and with node:http) and Deno, in one run, what a guarded Socket.IO
// handshake costs the server in CPU against plain Socket.IO on the same runtime, and how many
// tokens per CPU second sockguard's verifier and a node:crypto floor check there.
// Run: npx tsx bench/runtimes.ts [--rows LIST] [--clients 300] [--warmup 300] [--rounds 2]
//      [--concurrency 25] [--verify-cpu-ms 300] [--algs HS256,RS256,ES256,EdDSA]
//      [--out bench/results] [--name runtimes] [--max-minutes 20]
//
// The server (bench/runtimes/worker.ts) runs on the runtime under test, a fresh process for every
// row, setup and round; the clients run here, in this Node process, the same for every row, so
// that only the server's runtime changes. Figures are CPU time (process.cpuUsage() of the worker),
// not wall time: the machine is shared, and CPU time is what a busy server pays per handshake.
// The runtimes are those of the test matrix, installed into .tmp/runtimes/ (test/runtimes/).
import { spawn, type ChildProcess } from 'node:child_process'
import { createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { io, type Socket } from 'socket.io-client'
import { packedPackage } from '../test/support/packed-package.js'
import { MATRIX, REPO_ROOT, commandFor, type MatrixRow } from '../test/runtimes/runtimes.js'
import { consoleTable, fmtInt, fmtPct, fmtRatio, table } from './support/format.js'
import { intOption } from './support/int-option.js'
import { listOption } from './support/list-option.js'
import { machineInfo, resultsHeader } from './support/results-header.js'
import { sourceState } from './support/source-state.js'
import { median, spread } from './support/stats.js'
import { versionOf } from './support/version-of.js'
import { createWatchdog } from './support/watchdog.js'

const ROOT = new URL('../', import.meta.url)
const WORKER = path.join(REPO_ROOT, 'bench', 'runtimes', 'worker.ts')
const ISSUER = 'https://issuer.example'
const AUDIENCE = 'bench'
const SECRET = 'bench-secret-0123456789abcdef-0123456789'
const VERIFY_ALGS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const
/** Rows benchmarked by default: one Deno row (its two module modes run the same code). */
const DEFAULT_ROWS = ['node-lowest', 'node-latest', 'bun-engine', 'bun-node-http', 'deno-npm']
const SETUPS = ['plain', 'HS256', 'ES256'] as const
type Setup = (typeof SETUPS)[number]

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: DEFAULT_ROWS.join(',') },
    clients: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '25' },
    'verify-cpu-ms': { type: 'string', default: '300' },
    algs: { type: 'string', default: VERIFY_ALGS.join(',') },
    out: { type: 'string', default: 'bench/results' },
    name: { type: 'string', default: 'runtimes' },
    'max-minutes': { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  },
})
if (values.help) {
  console.log(
    'Usage: npx tsx bench/runtimes.ts [--rows LIST] [--clients N] [--warmup N] [--rounds N] [--concurrency N] [--verify-cpu-ms N] [--algs LIST] [--out DIR] [--name NAME] [--max-minutes N]',
  )
  process.exit(0)
}
const rowIds = listOption(
  'rows',
  values.rows,
  MATRIX.map((row) => row.id),
)
const rows = rowIds.map((id) => MATRIX.find((row) => row.id === id)!)
const clients = intOption(values, 'clients', 10, 100_000)
const warmup = intOption(values, 'warmup', 0, 100_000)
const rounds = intOption(values, 'rounds', 1, 15)
const concurrency = intOption(values, 'concurrency', 1, 1_000)
const verifyCpuMs = intOption(values, 'verify-cpu-ms', 50, 60_000)
const algs = listOption('algs', values.algs, VERIFY_ALGS)
const maxMinutes = intOption(values, 'max-minutes', 1, 240)

const children = new Set<ChildProcess>()
const watchdog = createWatchdog({
  stallMs: 120_000,
  onStop: () => {
    for (const child of children) child.kill('SIGKILL')
  },
})

// ---------------------------------------------------------------------------------------------
// Workers

interface Worker {
  readonly port: number
  readonly runtime: string
  readonly version: string
  request<T>(command: Record<string, unknown>): Promise<T>
  close(): Promise<void>
}

let entry: string

async function startWorker(row: MatrixRow, env: Record<string, string>): Promise<Worker> {
  const command = await commandFor(row, WORKER)
  const child = spawn(command.command, command.args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...command.env, ...env, SOCKGUARD_ENTRY: entry },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  children.add(child)
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      resolve()
    }),
  )
  void exited.then(() => children.delete(child))
  const waiting = new Map<number, (value: unknown) => void>()
  let nextId = 1
  let onReady: (line: { port: number; runtime: string; version: string }) => void = () => undefined
  const ready = new Promise<{ port: number; runtime: string; version: string }>(
    (resolve, reject) => {
      onReady = resolve
      void exited.then(() => {
        reject(new Error(`${row.id}: the worker exited before it was ready`))
      })
    },
  )
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) return
    const message = JSON.parse(line) as { id?: number; ready?: boolean; error?: string }
    if (message.ready === true) onReady(message as never)
    else if (message.id !== undefined) {
      waiting.get(message.id)?.(message)
      waiting.delete(message.id)
    }
  })
  const info = await ready
  return {
    ...info,
    request<T>(payload: Record<string, unknown>) {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        waiting.set(id, (value) => {
          const error = (value as { error?: string }).error
          if (error === undefined) resolve(value as T)
          else reject(new Error(`${row.id}: ${error}`))
        })
        child.stdin.write(`${JSON.stringify({ id, ...payload })}\n`)
      })
    },
    async close() {
      child.stdin.end(`${JSON.stringify({ id: 0, cmd: 'exit' })}\n`)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens (minted here, in Node, with node:crypto)

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ecPublicPem = ec.publicKey.export({ format: 'pem', type: 'spki' }).toString()

function token(setup: Setup, i: number): string | undefined {
  if (setup === 'plain') return undefined
  const now = Math.floor(Date.now() / 1000)
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `user-${i}`,
    jti: `t-${i}`,
    iat: now,
    exp: now + 3600,
  }
  const input = `${b64({ alg: setup, typ: 'JWT' })}.${b64(claims)}`
  const signature =
    setup === 'HS256'
      ? createHmac('sha256', SECRET).update(input).digest()
      : cryptoSign('sha256', Buffer.from(input), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' })
  return `${input}.${signature.toString('base64url')}`
}

/** Connects `count` clients, `concurrency` at a time; resolves with them once all are connected. */
async function connectMany(port: number, setup: Setup, count: number): Promise<Socket[]> {
  const sockets: Socket[] = []
  let started = 0
  const one = async (): Promise<void> => {
    while (started < count) {
      const i = started++
      const t = token(setup, i)
      const socket = io(`http://127.0.0.1:${port}`, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: 60_000,
        ...(t === undefined ? {} : { auth: { token: t } }),
      })
      sockets.push(socket)
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => {
          resolve()
        })
        socket.once('connect_error', (error: Error & { data?: unknown }) => {
          reject(
            new Error(
              `SANITY: ${setup} handshake refused: ${error.message} ${JSON.stringify(error.data) as string | undefined}`,
            ),
          )
        })
      })
      watchdog.touch()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, one))
  return sockets
}

const closeAll = async (sockets: readonly Socket[]): Promise<void> => {
  for (const socket of sockets) socket.disconnect()
  await new Promise((resolve) => setTimeout(resolve, 200))
}

interface HandshakeSample {
  /** Server CPU per handshake, µs. */
  readonly cpuUs: number
  /** Handshakes per wall second (client and server on one shared machine). */
  readonly perSecond: number
}

async function handshakeSample(row: MatrixRow, setup: Setup): Promise<HandshakeSample> {
  const worker = await startWorker(row, {
    BENCH_MODE: 'handshake',
    BENCH_ALG: setup,
    ...(setup === 'plain' ? {} : { BENCH_KEY: setup === 'HS256' ? SECRET : ecPublicPem }),
  })
  try {
    if (warmup > 0) await closeAll(await connectMany(worker.port, setup, warmup))
    const before = await worker.request<{ cpuMicros: number; connections: number }>({ cmd: 'cpu' })
    const start = performance.now()
    const sockets = await connectMany(worker.port, setup, clients)
    const wall = (performance.now() - start) / 1000
    const after = await worker.request<{ cpuMicros: number; connections: number }>({ cmd: 'cpu' })
    if (after.connections - before.connections !== clients)
      throw new Error(
        `SANITY: ${row.id} ${setup}: ${after.connections - before.connections} connections for ${clients} clients`,
      )
    await closeAll(sockets)
    return { cpuUs: (after.cpuMicros - before.cpuMicros) / clients, perSecond: clients / wall }
  } finally {
    await worker.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Run

interface RowResults {
  readonly row: string
  readonly label: string
  readonly runtime: string
  readonly version: string
  /** Per setup: every round's sample. */
  readonly handshake: Record<Setup, HandshakeSample[]>
  /** Per algorithm, per case: every round's verifications per CPU second (and per wall second). */
  readonly verify: Record<
    string,
    Record<'sockguard' | 'floor', { perCpuSecond: number; perSecond: number }[]>
  >
}

async function main(): Promise<void> {
  watchdog.start(maxMinutes)
  const started = Date.now()
  const loadBefore = os.loadavg()[0]!
  watchdog.progress('packing the package')
  entry = path.join((await packedPackage()).installedDir, 'dist', 'index.js')
  const results: RowResults[] = []
  const verified = new Set<string>()
  for (const row of rows) {
    watchdog.progress(`${row.id}: installing`)
    await commandFor(row, WORKER)
    const result: RowResults = {
      row: row.id,
      label: row.label,
      runtime: row.install.name,
      version: row.install.version,
      handshake: { plain: [], HS256: [], ES256: [] },
      verify: {},
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? SETUPS : [...SETUPS].reverse()
      for (const setup of order) {
        watchdog.progress(`${row.id}: handshakes, ${setup}, round ${round + 1}`)
        const sample = await handshakeSample(row, setup)
        result.handshake[setup].push(sample)
        console.error(
          `${row.id} round ${round + 1} ${setup}: ${sample.cpuUs.toFixed(0)} µs CPU/handshake, ${fmtInt(sample.perSecond)} conn/s`,
        )
      }
    }
    // The verifier does not touch the server engine: once per runtime and version.
    const install = `${row.install.name}@${row.install.version}`
    if (verified.has(install)) {
      results.push(result)
      continue
    }
    verified.add(install)
    watchdog.progress(`${row.id}: verify`)
    const worker = await startWorker(row, { BENCH_MODE: 'verify' })
    try {
      for (let round = 0; round < rounds; round++) {
        for (const alg of algs) {
          result.verify[alg] ??= { sockguard: [], floor: [] }
          const order =
            round % 2 === 0 ? (['sockguard', 'floor'] as const) : (['floor', 'sockguard'] as const)
          for (const which of order) {
            watchdog.progress(`${row.id}: verify ${alg} ${which} round ${round + 1}`)
            const sample = await worker.request<{ perCpuSecond: number; perSecond: number }>({
              cmd: 'verify',
              alg,
              which,
              cpuMs: verifyCpuMs,
            })
            result.verify[alg][which].push(sample)
          }
        }
      }
    } finally {
      await worker.close()
    }
    results.push(result)
  }
  const loadAfter = os.loadavg()[0]!
  write(results, { loadBefore, loadAfter, minutes: (Date.now() - started) / 60_000 })
}

// ---------------------------------------------------------------------------------------------
// Report

const cpuOf = (samples: readonly HandshakeSample[]): number[] => samples.map((s) => s.cpuUs)

function summary(result: RowResults) {
  const plain = cpuOf(result.handshake.plain)
  const perSetup = Object.fromEntries(
    SETUPS.map((setup) => {
      const cpu = cpuOf(result.handshake[setup])
      const ratios = cpu.map((value, i) => value / plain[i]!)
      return [
        setup,
        {
          cpuUs: median(cpu),
          spreadPct: spread(cpu),
          ratioToPlain: median(ratios),
          roundRatios: ratios,
          connPerSecond: median(result.handshake[setup].map((s) => s.perSecond)),
        },
      ]
    }),
  ) as Record<
    Setup,
    {
      cpuUs: number
      spreadPct: number
      ratioToPlain: number
      roundRatios: number[]
      connPerSecond: number
    }
  >
  const verify = Object.fromEntries(
    Object.entries(result.verify).map(([alg, cases]) => {
      const sg = cases.sockguard.map((s) => s.perCpuSecond)
      const floor = cases.floor.map((s) => s.perCpuSecond)
      return [
        alg,
        {
          sockguardPerCpuSecond: median(sg),
          floorPerCpuSecond: median(floor),
          ratioToFloor: median(sg.map((value, i) => value / floor[i]!)),
          spreadPct: spread(sg),
        },
      ]
    }),
  ) as Record<
    string,
    {
      sockguardPerCpuSecond: number
      floorPerCpuSecond: number
      ratioToFloor: number
      spreadPct: number
    }
  >
  return { handshake: perSetup, verify }
}

function write(
  results: readonly RowResults[],
  run: { loadBefore: number; loadAfter: number; minutes: number },
): void {
  const summaries = results.map((result) => ({ result, ...summary(result) }))
  const handshakeRows = summaries.map(({ result, handshake }) => [
    result.label,
    `${handshake.plain.cpuUs.toFixed(0)} µs`,
    `${handshake.HS256.cpuUs.toFixed(0)} µs (${fmtRatio(handshake.HS256.ratioToPlain)})`,
    `${handshake.ES256.cpuUs.toFixed(0)} µs (${fmtRatio(handshake.ES256.ratioToPlain)})`,
    fmtPct(
      Math.max(handshake.plain.spreadPct, handshake.HS256.spreadPct, handshake.ES256.spreadPct),
    ),
    `${fmtInt(handshake.plain.connPerSecond)} / ${fmtInt(handshake.HS256.connPerSecond)} / ${fmtInt(handshake.ES256.connPerSecond)}`,
  ])
  const verifyRows = summaries.flatMap(({ result, verify }) =>
    Object.entries(verify).map(([alg, v]) => [
      `${result.runtime} ${result.version}`,
      alg,
      fmtInt(v.sockguardPerCpuSecond),
      fmtInt(v.floorPerCpuSecond),
      fmtRatio(v.ratioToFloor),
      fmtPct(v.spreadPct),
    ]),
  )
  const handshakeHeader = [
    'Runtime',
    'plain Socket.IO',
    'sockguard HS256 (vs plain)',
    'sockguard ES256 (vs plain)',
    'spread',
    'conn/s plain / HS256 / ES256',
  ]
  const verifyHeader = [
    'Runtime',
    'Alg',
    'sockguard verify/CPU s',
    'node:crypto floor/CPU s',
    'ratio',
    'spread',
  ]
  console.log(consoleTable(handshakeHeader, handshakeRows))
  console.log()
  console.log(consoleTable(verifyHeader, verifyRows))

  const argv = process.argv.slice(2).join(' ')
  const command = `npx tsx bench/runtimes.ts${argv === '' ? '' : ` ${argv}`}`
  const machine = machineInfo()
  const versions = {
    sockguard: versionOf(ROOT, undefined),
    'socket.io': versionOf(ROOT, 'socket.io'),
    'socket.io-client': versionOf(ROOT, 'socket.io-client'),
    ...Object.fromEntries(
      summaries.map(({ result }) => [`${result.runtime} (${result.row})`, result.version]),
    ),
  }
  const date = new Date().toISOString()
  const source = sourceState(ROOT)
  const md = [
    '# Runtimes: handshake CPU and verifier throughput on Node, Bun and Deno',
    '',
    ...resultsHeader({
      date,
      machine,
      load: `before / after: ${run.loadBefore.toFixed(2)} / ${run.loadAfter.toFixed(2)}`,
      versions,
      command,
    }),
    `- Source: ${source}`,
    `- Settings: ${clients} timed handshakes after ${warmup} warm-up per server process, ${rounds} rounds (setups alternate order), ${concurrency} in flight; verify ${verifyCpuMs} ms of CPU per case and round, 64 tokens round-robin; ${run.minutes.toFixed(1)} min`,
    '',
    '## Handshake: server CPU per handshake',
    '',
    'The server runs on the runtime of the row, a fresh process per setup and round; the clients',
    '(socket.io-client, WebSocket only) run in one Node process, the same for every row. CPU is',
    '`process.cpuUsage()` of the server over the timed handshakes, divided by their number (median',
    'round); "vs plain" is the median of the per-round ratios to plain Socket.IO on the same runtime.',
    'conn/s is wall time on a shared machine: read it as a rough figure.',
    '',
    table(handshakeHeader, '| --- | ---: | ---: | ---: | ---: | ---: |', handshakeRows),
    '',
    '## Verifier: verifications per CPU second',
    '',
    '`await verifier.verify(token)` of sockguard (local key, no cache) and the node:crypto floor of',
    'bench/verify.ts (signature, `JSON.parse`, `exp`), on 64 distinct tokens, timed in CPU time of',
    'the worker process (median round); ratio = sockguard / floor, per round.',
    '',
    table(verifyHeader, '| --- | --- | ---: | ---: | ---: | ---: |', verifyRows),
    '',
  ].join('\n')
  const out = path.resolve(REPO_ROOT, values.out)
  mkdirSync(out, { recursive: true })
  writeFileSync(path.join(out, `${values.name}.md`), md)
  writeFileSync(
    path.join(out, `${values.name}.json`),
    `${JSON.stringify(
      {
        date,
        machine,
        load: { before: run.loadBefore, after: run.loadAfter },
        versions,
        source,
        command,
        settings: { clients, warmup, rounds, concurrency, verifyCpuMs, algs },
        rows: summaries.map(({ result, handshake, verify }) => ({
          ...result,
          summary: { handshake, verify },
        })),
      },
      null,
      2,
    )}\n`,
  )
  console.log(`\nwrote ${path.relative(REPO_ROOT, out)}/${values.name}.md and .json`)
}

await main()
process.exit(0)
