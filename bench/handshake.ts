// Handshake cost of sockguard against plain Socket.IO (no auth), a hand-written node:crypto floor,
// a minimal fast-jwt middleware, the seed's jsonwebtoken middleware and @thream/socketio-jwt:
// connections/s, server CPU per connection (warm, and cold: the first handshakes of a fresh
// server process), idle memory per socket, and acknowledged-event throughput, with server and
// clients in separate processes.
// Run: npx tsx bench/handshake.ts [--clients 1000] [--rounds 5] [--algs HS256,RS256,ES256]
//      [--setups plain,floor,fast-jwt,seed,thream,sockguard] [--memory-sockets 5000]
//      [--events 20000] [--cold 0] [--cold-handshakes 200] [--sockguard build|src|<module path>]
//      [--no-pin] [--profile] [--heap-snapshot] [--out bench/results] [--name handshake]
import { generateKeyPairSync } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import {
  ALGS,
  EVENT_CASES,
  HS256_SECRET,
  SETUPS,
  type Alg,
  type ClientCommands,
  type EventCase,
  type MemorySample,
  type ServerCommands,
  type ServerSetup,
  type Setup,
} from './handshake/protocol.js'
import { forkPeer, type Peer } from './handshake/rpc.js'
import { alternate } from './support/alternate.js'
import {
  createChildWatchdog,
  runMain,
  serverFlags,
  stopClientChild,
  stopServerChild,
} from './support/children.js'
import { consoleTable, fmtInt, fmtPct, fmtRatio } from './support/format.js'
import { hasTaskset } from './support/has-taskset.js'
import { intOption } from './support/int-option.js'
import { listOption } from './support/list-option.js'
import { machineInfo, resultsHeader } from './support/results-header.js'
import { metric, spread, type Metric } from './support/stats.js'
import {
  checkSockguardOption,
  describeSockguard,
  sockguardModule,
  startRun,
} from './support/sockguard-entry.js'
import { versionOf } from './support/version-of.js'
import { loadAround, resultsDir, runRecord, writeResults } from './support/write-results.js'

const ROOT = new URL('../', import.meta.url)
const PROFILE_DIR = new URL('.tmp/handshake-profiles/', ROOT)
const HEAP_DIR = new URL('.tmp/handshake-heap/', ROOT)
/** Where `--sockguard build` compiles src/ with tsc (tsconfig.build.json, no declarations). */
const BUILD_DIR = new URL('.tmp/handshake-build/', ROOT)
/** Events each event client sends before the timed ones. */
const WARMUP_EVENTS = 500
/** Quiet time before a memory sample, so that closing handshakes and timers settle. */
const SETTLE_MS = 500
/** A phase that makes no progress for this long stops the run. */
const STALL_MS = 90_000

const LABEL: Readonly<Record<Setup, string>> = {
  plain: 'plain Socket.IO (no auth)',
  floor: 'node:crypto floor (by hand)',
  'fast-jwt': 'fast-jwt createVerifier (sync)',
  seed: "seed's jsonwebtoken middleware",
  thream: '@thream/socketio-jwt',
  sockguard: 'sockguard',
}

/** Targets of issue 3, sockguard versus no auth. */
const CPU_TARGET: Readonly<Record<Alg, number>> = { HS256: 1.05, RS256: 1.1, ES256: 1.2 }
const CONN_RATE_TARGET = 0.95
const MEMORY_TARGET = 1.05
const EVENTS_TARGET = 0.95

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  readonly clients: number
  /** Handshakes before the timed ones in each server process (JIT warm-up), not measured. */
  readonly warmup: number
  readonly rounds: number
  readonly algs: readonly Alg[]
  readonly setups: readonly Setup[]
  readonly memorySockets: number
  readonly concurrency: number
  readonly eventClients: number
  readonly events: number
  readonly inflight: number
  /** 'build', 'src', or the path of another build of the entry point (a candidate change). */
  readonly sockguard: string
  /** Pin the server child to CPU 0 and the client child to CPU 1 (taskset). */
  readonly pin: boolean
  readonly profile: boolean
  readonly heapSnapshot: boolean
  readonly maxMinutes: number
  /**
   * Cold samples per setup and algorithm: each a fresh server process whose first
   * `coldHandshakes` handshakes are timed, with no warm-up and no sanity check before them.
   */
  readonly cold: number
  readonly coldHandshakes: number
  /** Where the results go (experiments should not overwrite the committed ones). */
  readonly out: string
  /** Base name of the results files: `<name>.md` and `<name>.json`. */
  readonly name: string
}

const USAGE = `Usage: npx tsx bench/handshake.ts [options]
  --clients N          timed handshakes per server (1000)
  --warmup N           untimed handshakes before them (2000)
  --rounds N           rounds; figures are the median round (5)
  --algs LIST          ${ALGS.join(',')}
  --setups LIST        ${SETUPS.join(',')} (plain always runs)
  --memory-sockets N   idle sockets for the memory figure, 0 for none (5000)
  --concurrency N      handshakes in flight (50)
  --event-clients N, --events N, --inflight N   event throughput (20, 20000, 100; --events 0: none)
  --cold N             cold samples per setup and algorithm, each a fresh server process (0)
  --cold-handshakes N  handshakes timed from a fresh server's start (200)
  --sockguard build|src|<path>, --no-pin, --profile, --heap-snapshot, --max-minutes N (20)
  --out DIR            results directory (bench/results)
  --name NAME          results file base name (handshake)`

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '5' },
      algs: { type: 'string', default: ALGS.join(',') },
      setups: { type: 'string', default: SETUPS.join(',') },
      'memory-sockets': { type: 'string', default: '5000' },
      concurrency: { type: 'string', default: '50' },
      'event-clients': { type: 'string', default: '20' },
      events: { type: 'string', default: '20000' },
      inflight: { type: 'string', default: '100' },
      sockguard: { type: 'string', default: 'build' },
      'no-pin': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'heap-snapshot': { type: 'boolean', default: false },
      'max-minutes': { type: 'string', default: '20' },
      cold: { type: 'string', default: '0' },
      'cold-handshakes': { type: 'string', default: '200' },
      out: { type: 'string', default: 'bench/results' },
      name: { type: 'string', default: 'handshake' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  if (!/^[\w.-]+$/.test(values.name)) throw new Error('--name must be a plain file name')
  const int = (name: keyof typeof values, min: number, max: number): number =>
    intOption(values, name, min, max)
  const setups = listOption('setups', values.setups, SETUPS)
  checkSockguardOption(values.sockguard)
  // Every ratio is against the same run's plain Socket.IO, so it always runs.
  if (!setups.includes('plain')) setups.unshift('plain')
  return {
    clients: int('clients', 1, 20_000),
    warmup: int('warmup', 1, 20_000),
    rounds: int('rounds', 1, 9),
    algs: listOption('algs', values.algs, ALGS),
    setups,
    memorySockets: int('memory-sockets', 0, 10_000),
    concurrency: int('concurrency', 1, 500),
    eventClients: int('event-clients', 1, 200),
    events: int('events', 0, 1_000_000),
    inflight: int('inflight', 1, 1000),
    sockguard: values.sockguard,
    pin: !values['no-pin'] && os.cpus().length >= 2 && hasTaskset(),
    profile: values.profile,
    heapSnapshot: values['heap-snapshot'],
    maxMinutes: int('max-minutes', 1, 60),
    cold: int('cold', 0, 50),
    coldHandshakes: int('cold-handshakes', 1, 5000),
    out: values.out,
    name: values.name,
  }
}

// The run's children and watchdog (bench/support/children.ts).
const { children, watchdog, progress } = createChildWatchdog<
  Peer<ServerCommands> | Peer<ClientCommands>
>(STALL_MS)

// ---------------------------------------------------------------------------------------------
// Keys: made at run time; the client child gets the signing half, the server child the other.

interface KeyPair {
  readonly signing: string
  readonly verifying: string
}

function makeKeys(alg: Alg): KeyPair {
  if (alg === 'HS256') return { signing: HS256_SECRET, verifying: HS256_SECRET }
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    signing: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    verifying: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}

// ---------------------------------------------------------------------------------------------
// Cases

interface HandshakeSample {
  readonly connPerSec: number
  readonly cpuUsPerConn: number
  readonly userUsPerConn: number
  readonly systemUsPerConn: number
  /** Server-side wall time of the timed phase, arm to last `connection`. */
  readonly serverWallMs: number
  readonly memory: {
    readonly before: MemorySample
    readonly after: MemorySample
    /** (heapUsed + external) growth per idle socket, bytes. */
    readonly perSocket: number
    readonly heapPerSocket: number
    readonly rssPerSocket: number
  } | null
}

interface EventSample {
  readonly eventsPerSec: number
  readonly serverCpuUsPerEvent: number
}

async function startServer(
  setup: ServerSetup,
  alg: Alg,
  key: string,
  events: boolean,
  profileName: string | undefined,
  sockguard: string,
  pin: boolean,
): Promise<{ server: Peer<ServerCommands>; url: string }> {
  const flags = serverFlags(
    profileName === undefined ? undefined : new URL(`${profileName}/`, PROFILE_DIR),
  )
  const server = forkPeer<ServerCommands>(
    `server(${setup} ${alg})`,
    new URL('handshake/server.ts', import.meta.url),
    ROOT,
    flags,
    pin ? 0 : undefined,
  )
  children.add(server)
  const { port } = await server.call('start', { setup, alg, key, events, sockguard }, 60_000)
  return { server, url: `http://127.0.0.1:${port}` }
}

async function stopServer(server: Peer<ServerCommands>): Promise<void> {
  await stopServerChild(server, children)
}

async function handshakeCase(
  client: Peer<ClientCommands>,
  setup: Setup,
  alg: Alg,
  keys: KeyPair,
  options: Options,
  round: number,
  sanity: Map<string, string[]>,
): Promise<HandshakeSample> {
  const where = `${alg} ${setup} round ${round + 1}`
  progress(`start of ${where}`)
  const profileName = options.profile ? `${setup}-${alg}-r${round + 1}` : undefined
  const { server, url } = await startServer(
    setup,
    alg,
    keys.verifying,
    false,
    profileName,
    sockguardModule(options.sockguard, ROOT, BUILD_DIR),
    options.pin,
  )
  try {
    progress(`sanity check of ${where}`)
    const checks = await client.call('sanity', { url, setup, alg })
    sanity.set(`${alg} ${setup}`, checks)

    const phase = async (group: string, from: number, count: number): Promise<number> => {
      await server.call('arm', { expect: count })
      const { ms } = await client.call('connect', {
        group,
        url,
        setup,
        alg,
        from,
        count,
        concurrency: options.concurrency,
      })
      return ms
    }

    progress(`warm-up of ${where}`)
    await phase('warm-up', 0, options.warmup)
    await server.call('reached', null)
    await client.call('disconnect', { group: 'warm-up' })
    await server.call('drained', null)

    progress(`connections of ${where}`)
    const ms = await phase('timed', options.warmup, options.clients)
    const { userUs, systemUs, wallMs, windowUs } = await server.call('reached', null)
    if (options.profile) console.log(`${where}: timed window ${windowUs.join('-')} µs (monotonic)`)
    await client.call('disconnect', { group: 'timed' })
    await server.call('drained', null)

    let memory: HandshakeSample['memory'] = null
    const m = options.memorySockets
    if (m > 0) {
      progress(`idle memory of ${where}`)
      const before = await server.call('memory', { settleMs: SETTLE_MS })
      await phase('idle', options.warmup + options.clients, m)
      await server.call('reached', null)
      const after = await server.call('memory', { settleMs: SETTLE_MS })
      if (after.clients !== m)
        throw new Error(`${where}: ${after.clients} connections open, expected ${m}`)
      if (options.heapSnapshot) {
        mkdirSync(HEAP_DIR, { recursive: true })
        const path = new URL(`${setup}-${alg}-r${round + 1}.heapsnapshot`, HEAP_DIR).pathname
        await server.call('heapSnapshot', { path }, 300_000)
      }
      memory = {
        before,
        after,
        perSocket: (after.heapUsed + after.external - before.heapUsed - before.external) / m,
        heapPerSocket: (after.heapUsed - before.heapUsed) / m,
        rssPerSocket: (after.rss - before.rss) / m,
      }
      await client.call('disconnect', { group: 'idle' })
      await server.call('drained', null)
    }
    return {
      connPerSec: options.clients / (ms / 1000),
      cpuUsPerConn: (userUs + systemUs) / options.clients,
      userUsPerConn: userUs / options.clients,
      systemUsPerConn: systemUs / options.clients,
      serverWallMs: wallMs,
      memory,
    }
  } finally {
    progress(`stop of ${where}`)
    await stopServer(server)
  }
}

/**
 * One cold sample: a fresh server process, and server CPU per handshake over its first
 * `coldHandshakes` handshakes (no warm-up and no sanity check before them; the module imports and
 * the server's creation happen in `start`, before the clock starts).
 */
async function coldCase(
  client: Peer<ClientCommands>,
  setup: Setup,
  alg: Alg,
  keys: KeyPair,
  options: Options,
  sample: number,
): Promise<number> {
  const where = `cold ${alg} ${setup} sample ${sample + 1}`
  progress(`start of ${where}`)
  const { server, url } = await startServer(
    setup,
    alg,
    keys.verifying,
    false,
    undefined,
    sockguardModule(options.sockguard, ROOT, BUILD_DIR),
    options.pin,
  )
  try {
    progress(`connections of ${where}`)
    const count = options.coldHandshakes
    await server.call('arm', { expect: count })
    await client.call('connect', {
      group: 'cold',
      url,
      setup,
      alg,
      from: 0,
      count,
      concurrency: options.concurrency,
    })
    const { userUs, systemUs } = await server.call('reached', null)
    await client.call('disconnect', { group: 'cold' })
    await server.call('drained', null)
    return (userUs + systemUs) / count
  } finally {
    progress(`stop of ${where}`)
    await stopServer(server)
  }
}

async function eventCase(
  client: Peer<ClientCommands>,
  name: EventCase,
  setup: ServerSetup,
  keys: KeyPair,
  options: Options,
  round: number,
  sanity: Map<string, string[]>,
): Promise<EventSample> {
  const where = `events ${name} round ${round + 1}`
  progress(`start of ${where}`)
  const profileName = options.profile ? `events-${setup}-r${round + 1}` : undefined
  const { server, url } = await startServer(
    setup,
    'HS256',
    keys.verifying,
    true,
    profileName,
    sockguardModule(options.sockguard, ROOT, BUILD_DIR),
    options.pin,
  )
  try {
    progress(`sanity check of ${where}`)
    sanity.set(`events: ${name}`, await client.call('sanity', { url, setup, alg: 'HS256' }))
    const group = 'events'
    await client.call('connect', {
      group,
      url,
      setup,
      alg: 'HS256',
      from: 0,
      count: options.eventClients,
      concurrency: options.concurrency,
    })
    progress(`warm-up of ${where}`)
    await client.call('events', {
      group,
      total: WARMUP_EVENTS * options.eventClients,
      inflight: options.inflight,
    })
    progress(`timing of ${where}`)
    const cpuBefore = await server.call('cpu', null)
    const { ms, events } = await client.call('events', {
      group,
      total: options.events,
      inflight: options.inflight,
    })
    const cpuAfter = await server.call('cpu', null)
    await client.call('disconnect', { group })
    await server.call('drained', null)
    return {
      eventsPerSec: events / (ms / 1000),
      serverCpuUsPerEvent: (cpuAfter - cpuBefore) / events,
    }
  } finally {
    progress(`stop of ${where}`)
    await stopServer(server)
  }
}

// ---------------------------------------------------------------------------------------------
// Report

interface HandshakeRow {
  readonly alg: Alg
  readonly setup: Setup
  readonly label: string
  readonly connPerSec: Metric
  readonly cpuUsPerConn: Metric
  readonly userUsPerConn: Metric
  readonly systemUsPerConn: Metric
  /** Server CPU per connection against the floor's, round by round (null without a floor). */
  readonly cpuVsFloor: Metric | null
  /** Cold: server CPU per connection over a fresh server's first handshakes, against plain. */
  readonly coldCpuUsPerConn: Metric | null
  readonly coldVsFloor: Metric | null
  readonly memoryPerSocket: Metric | null
  readonly heapPerSocket: Metric | null
  readonly rssPerSocket: Metric | null
}

interface EventRow {
  readonly name: EventCase
  readonly eventsPerSec: Metric
  readonly serverCpuUsPerEvent: Metric
}

interface Target {
  readonly scope: string
  readonly target: string
  readonly value: number
  readonly threshold: number
  readonly pass: boolean
}

function evaluateTargets(rows: readonly HandshakeRow[], events: readonly EventRow[]): Target[] {
  const targets: Target[] = []
  for (const row of rows) {
    if (row.setup !== 'sockguard') continue
    const cpu = CPU_TARGET[row.alg]
    targets.push({
      scope: row.alg,
      target: `server CPU per connection <= ${fmtRatio(cpu)} no auth`,
      value: row.cpuUsPerConn.ratio,
      threshold: cpu,
      pass: row.cpuUsPerConn.ratio <= cpu,
    })
    targets.push({
      scope: row.alg,
      target: `connections/s >= ${fmtRatio(CONN_RATE_TARGET)} no auth`,
      value: row.connPerSec.ratio,
      threshold: CONN_RATE_TARGET,
      pass: row.connPerSec.ratio >= CONN_RATE_TARGET,
    })
    if (row.memoryPerSocket !== null) {
      targets.push({
        scope: row.alg,
        target: `idle memory per socket (heap + external) <= ${fmtRatio(MEMORY_TARGET)} no auth`,
        value: row.memoryPerSocket.ratio,
        threshold: MEMORY_TARGET,
        pass: row.memoryPerSocket.ratio <= MEMORY_TARGET,
      })
    }
  }
  const policy = events.find((e) => e.name === 'sockguard + authorizeEvents')
  if (policy !== undefined) {
    targets.push({
      scope: 'events',
      target: `authorized event throughput >= ${fmtRatio(EVENTS_TARGET)} unguarded`,
      value: policy.eventsPerSec.ratio,
      threshold: EVENTS_TARGET,
      pass: policy.eventsPerSec.ratio >= EVENTS_TARGET,
    })
  }
  return targets
}

function handshakeTable(rows: readonly HandshakeRow[]): string {
  const lines = [
    '| Alg | Setup | conn/s | vs plain | server CPU µs/conn | vs plain | user / sys µs | CPU spread | heap+ext B/socket | vs plain | heap B/socket | RSS B/socket |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rows) {
    const mem = r.memoryPerSocket
    lines.push(
      `| ${r.alg} | ${r.label} | ${fmtInt(r.connPerSec.median)} | ${fmtRatio(r.connPerSec.ratio)} | ${r.cpuUsPerConn.median.toFixed(1)} | ${fmtRatio(r.cpuUsPerConn.ratio)} | ${r.userUsPerConn.median.toFixed(0)} / ${r.systemUsPerConn.median.toFixed(0)} | ${fmtPct(r.cpuUsPerConn.spreadPct)} | ${mem === null ? '-' : fmtInt(mem.median)} | ${mem === null ? '-' : fmtRatio(mem.ratio)} | ${r.heapPerSocket === null ? '-' : fmtInt(r.heapPerSocket.median)} | ${r.rssPerSocket === null ? '-' : fmtInt(r.rssPerSocket.median)} |`,
    )
  }
  return lines.join('\n')
}

const fmtMetricRatio = (m: Metric | null): string => (m === null ? '-' : fmtRatio(m.ratio))

/** Server CPU per handshake, warm and cold, against plain Socket.IO and against the floor. */
function comparatorTable(rows: readonly HandshakeRow[], coldHandshakes: number): string {
  const lines = [
    `| Alg | Setup | warm CPU µs/conn | vs plain | vs floor | spread | cold CPU µs/conn (first ${coldHandshakes}) | vs plain | vs floor | spread |`,
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rows) {
    const cold = r.coldCpuUsPerConn
    lines.push(
      `| ${r.alg} | ${r.label} | ${r.cpuUsPerConn.median.toFixed(1)} | ${fmtRatio(r.cpuUsPerConn.ratio)} | ${fmtMetricRatio(r.cpuVsFloor)} | ${fmtPct(r.cpuUsPerConn.spreadPct)} | ${cold === null ? '-' : cold.median.toFixed(1)} | ${fmtMetricRatio(cold)} | ${fmtMetricRatio(r.coldVsFloor)} | ${cold === null ? '-' : fmtPct(cold.spreadPct)} |`,
    )
  }
  return lines.join('\n')
}

/** sockguard against fast-jwt, per algorithm, warm and cold (server CPU per handshake). */
function sockguardVsFastJwt(
  rows: readonly HandshakeRow[],
  samples: ReadonlyMap<string, readonly HandshakeSample[]>,
  coldSamples: ReadonlyMap<string, readonly number[]>,
): { alg: Alg; warm: Metric; cold: Metric | null }[] {
  const algs = [...new Set(rows.map((r) => r.alg))]
  return algs.flatMap((alg) => {
    const warmOf = (setup: Setup) =>
      (samples.get(`${alg} ${setup}`) ?? []).map((s) => s.cpuUsPerConn)
    const sg = warmOf('sockguard')
    const fj = warmOf('fast-jwt')
    if (sg.length === 0 || fj.length === 0) return []
    const coldSg = coldSamples.get(`${alg} sockguard`) ?? []
    const coldFj = coldSamples.get(`${alg} fast-jwt`) ?? []
    return [
      {
        alg,
        warm: metric(sg, fj),
        cold: coldSg.length > 0 && coldFj.length > 0 ? metric(coldSg, coldFj) : null,
      },
    ]
  })
}

function eventTable(rows: readonly EventRow[]): string {
  const lines = [
    '| Server | events/s | vs unguarded | server CPU µs/event | vs unguarded | spread |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${fmtInt(r.eventsPerSec.median)} | ${fmtRatio(r.eventsPerSec.ratio)} | ${r.serverCpuUsPerEvent.median.toFixed(2)} | ${fmtRatio(r.serverCpuUsPerEvent.ratio)} | ${fmtPct(r.eventsPerSec.spreadPct)} |`,
    )
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions()
  const { command, fdLimit, started, source } = startRun(
    'bench/handshake.ts',
    options,
    { root: ROOT, buildDir: BUILD_DIR },
    watchdog,
  )

  const client = forkPeer<ClientCommands>(
    'client',
    new URL('handshake/client.ts', import.meta.url),
    ROOT,
    [],
    options.pin ? 1 : undefined,
  )
  children.add(client)
  const keys = new Map<Alg, KeyPair>()
  const tokenCount = Math.max(
    options.warmup + options.clients + options.memorySockets,
    options.cold > 0 ? options.coldHandshakes : 0,
  )
  const eventAlgs: Alg[] = options.events > 0 && !options.algs.includes('HS256') ? ['HS256'] : []
  for (const alg of [...options.algs, ...eventAlgs]) {
    progress(`minting ${alg} tokens`)
    const pair = makeKeys(alg)
    keys.set(alg, pair)
    const { ms } = await client.call('prepare', {
      alg,
      key: pair.signing,
      count: Math.max(tokenCount, options.eventClients),
    })
    console.log(`${alg}: ${tokenCount} tokens minted in ${(ms / 1000).toFixed(1)}s`)
  }

  const loadBefore = os.loadavg()
  const sanity = new Map<string, string[]>()
  const samples = new Map<string, HandshakeSample[]>()
  const eventSamples = new Map<EventCase, EventSample[]>()
  for (let round = 0; round < options.rounds; round++) {
    for (const alg of options.algs) {
      // Alternating order: a drift in machine load lands on every setup alike.
      const order = alternate(options.setups, round)
      for (const setup of order) {
        const sample = await handshakeCase(
          client,
          setup,
          alg,
          keys.get(alg)!,
          options,
          round,
          sanity,
        )
        samples.set(`${alg} ${setup}`, [...(samples.get(`${alg} ${setup}`) ?? []), sample])
        console.log(
          `round ${round + 1} ${alg} ${setup.padEnd(9)} ${fmtInt(sample.connPerSec)} conn/s, ${sample.cpuUsPerConn.toFixed(1)} µs CPU/conn${sample.memory === null ? '' : `, ${fmtInt(sample.memory.perSocket)} B/socket`}`,
        )
      }
    }
    if (options.events > 0) {
      const order = alternate(EVENT_CASES, round)
      for (const { name, setup } of order) {
        const sample = await eventCase(
          client,
          name,
          setup,
          keys.get('HS256')!,
          options,
          round,
          sanity,
        )
        eventSamples.set(name, [...(eventSamples.get(name) ?? []), sample])
        console.log(
          `round ${round + 1} events ${name}: ${fmtInt(sample.eventsPerSec)} events/s, ${sample.serverCpuUsPerEvent.toFixed(2)} µs CPU/event`,
        )
      }
    }
  }
  // Cold samples: a fresh server process each, setups in alternating order, sample by sample.
  const coldSamples = new Map<string, number[]>()
  for (let sample = 0; sample < options.cold; sample++) {
    for (const alg of options.algs) {
      const order = alternate(options.setups, sample)
      for (const setup of order) {
        const us = await coldCase(client, setup, alg, keys.get(alg)!, options, sample)
        coldSamples.set(`${alg} ${setup}`, [...(coldSamples.get(`${alg} ${setup}`) ?? []), us])
        console.log(
          `cold ${sample + 1} ${alg} ${setup.padEnd(9)} ${us.toFixed(1)} µs CPU/conn (first ${options.coldHandshakes})`,
        )
      }
    }
  }
  const load = loadAround(loadBefore)
  await stopClientChild(client, children)

  const rows: HandshakeRow[] = options.algs.flatMap((alg) => {
    const of = (setup: Setup): HandshakeSample[] => samples.get(`${alg} ${setup}`) ?? []
    const plain = of('plain')
    const floor = of('floor')
    const coldOf = (setup: Setup): number[] => coldSamples.get(`${alg} ${setup}`) ?? []
    const mem = (
      s: readonly HandshakeSample[],
      pick: (m: NonNullable<HandshakeSample['memory']>) => number,
    ) => s.flatMap((x) => (x.memory === null ? [] : [pick(x.memory)]))
    return options.setups.map((setup) => {
      const own = of(setup)
      const memoryMetric = (pick: (m: NonNullable<HandshakeSample['memory']>) => number) =>
        options.memorySockets > 0 ? metric(mem(own, pick), mem(plain, pick)) : null
      return {
        alg,
        setup,
        label: LABEL[setup],
        connPerSec: metric(
          own.map((s) => s.connPerSec),
          plain.map((s) => s.connPerSec),
        ),
        cpuUsPerConn: metric(
          own.map((s) => s.cpuUsPerConn),
          plain.map((s) => s.cpuUsPerConn),
        ),
        userUsPerConn: metric(
          own.map((s) => s.userUsPerConn),
          plain.map((s) => s.userUsPerConn),
        ),
        systemUsPerConn: metric(
          own.map((s) => s.systemUsPerConn),
          plain.map((s) => s.systemUsPerConn),
        ),
        cpuVsFloor:
          floor.length > 0
            ? metric(
                own.map((s) => s.cpuUsPerConn),
                floor.map((s) => s.cpuUsPerConn),
              )
            : null,
        coldCpuUsPerConn: options.cold > 0 ? metric(coldOf(setup), coldOf('plain')) : null,
        coldVsFloor:
          options.cold > 0 && coldOf('floor').length > 0
            ? metric(coldOf(setup), coldOf('floor'))
            : null,
        memoryPerSocket: memoryMetric((m) => m.perSocket),
        heapPerSocket: memoryMetric((m) => m.heapPerSocket),
        rssPerSocket: memoryMetric((m) => m.rssPerSocket),
      }
    })
  })
  const unguarded = eventSamples.get('unguarded') ?? []
  const eventRows: EventRow[] = EVENT_CASES.flatMap(({ name }) => {
    const own = eventSamples.get(name)
    if (own === undefined) return []
    return [
      {
        name,
        eventsPerSec: metric(
          own.map((s) => s.eventsPerSec),
          unguarded.map((s) => s.eventsPerSec),
        ),
        serverCpuUsPerEvent: metric(
          own.map((s) => s.serverCpuUsPerEvent),
          unguarded.map((s) => s.serverCpuUsPerEvent),
        ),
      },
    ]
  })
  const targets = evaluateTargets(rows, eventRows)
  const versusFastJwt = sockguardVsFastJwt(rows, samples, coldSamples)

  const machine = machineInfo(fdLimit)
  const versions = {
    sockguard: versionOf(ROOT, undefined),
    'socket.io': versionOf(ROOT, 'socket.io'),
    'socket.io-client': versionOf(ROOT, 'socket.io-client'),
    'engine.io': versionOf(ROOT, 'engine.io'),
    ws: versionOf(ROOT, 'ws'),
    jsonwebtoken: versionOf(ROOT, 'jsonwebtoken'),
    'fast-jwt': versionOf(ROOT, 'fast-jwt'),
    '@thream/socketio-jwt': versionOf(ROOT, '@thream/socketio-jwt'),
    '@thream/socketio-jwt jsonwebtoken': versionOf(
      ROOT,
      '@thream/socketio-jwt/node_modules/jsonwebtoken',
    ),
    tsx: versionOf(ROOT, 'tsx'),
  }
  const date = new Date().toISOString()
  const minutes = (Date.now() - started) / 60_000

  console.log()
  console.log(
    consoleTable(
      [
        'Alg',
        'Setup',
        'conn/s',
        'ratio',
        'CPU µs/conn',
        'ratio',
        'vs floor',
        'cold µs/conn',
        'ratio',
        'vs floor',
        'B/socket',
        'ratio',
      ],
      rows.map((r) => [
        r.alg,
        r.setup,
        fmtInt(r.connPerSec.median),
        fmtRatio(r.connPerSec.ratio),
        r.cpuUsPerConn.median.toFixed(1),
        fmtRatio(r.cpuUsPerConn.ratio),
        fmtMetricRatio(r.cpuVsFloor),
        r.coldCpuUsPerConn === null ? '-' : r.coldCpuUsPerConn.median.toFixed(1),
        fmtMetricRatio(r.coldCpuUsPerConn),
        fmtMetricRatio(r.coldVsFloor),
        r.memoryPerSocket === null ? '-' : fmtInt(r.memoryPerSocket.median),
        r.memoryPerSocket === null ? '-' : fmtRatio(r.memoryPerSocket.ratio),
      ]),
    ),
  )
  if (eventRows.length > 0) {
    console.log()
    console.log(
      consoleTable(
        ['Events', '', 'events/s', 'ratio', 'CPU µs/event'],
        eventRows.map((r) => [
          r.name,
          '',
          fmtInt(r.eventsPerSec.median),
          fmtRatio(r.eventsPerSec.ratio),
          r.serverCpuUsPerEvent.median.toFixed(2),
        ]),
      ),
    )
  }
  for (const v of versusFastJwt) {
    console.log(
      `${v.alg} sockguard vs fast-jwt, server CPU per handshake: warm ${fmtRatio(v.warm.ratio)}${v.cold === null ? '' : `, cold ${fmtRatio(v.cold.ratio)}`}`,
    )
  }
  console.log()
  for (const t of targets) {
    console.log(
      `${t.pass ? 'PASS' : 'MISS'}  ${t.scope.padEnd(6)}  ${t.target}: ${fmtRatio(t.value, 3)}`,
    )
  }

  const md = [
    '# Handshake cost, idle memory and event throughput',
    '',
    ...resultsHeader({
      date,
      machine,
      load: `before / after the rounds: ${load.before} / ${load.after}; run time ${minutes.toFixed(1)} min`,
      versions,
      command,
    }),
    `- sockguard: ${source}, ${describeSockguard(
      options.sockguard,
      'handshake-build',
      'esbuild with keepNames: every closure created at run time also goes through a __name() helper',
    )}`,
    `- Method: server and clients in separate processes on 127.0.0.1 (a fresh server process per setup, algorithm and round; one client process). Per server: sanity checks, ${options.warmup} warm-up handshakes, then ${fmtInt(options.clients)} timed WebSocket handshakes (${options.concurrency} in flight; conn/s from the first connect to the last \`connect\` on the client; server CPU = process.cpuUsage() user+system of the server process from just before the first handshake to its last \`connection\` event, / ${fmtInt(options.clients)}), then ${fmtInt(options.memorySockets)} idle sockets (growth of heapUsed+external, and of RSS, between forced-GC samples before and after, / ${fmtInt(options.memorySockets)}; sockguard's expiry timers on). Events: ${options.eventClients} clients, ${fmtInt(options.events)} acknowledged \`ping\` events, ${options.inflight} in flight per client, after ${WARMUP_EVENTS} warm-up events each, HS256 tokens. ${options.rounds} round${options.rounds === 1 ? '' : 's'}, setups in alternating order; each figure is the median round; "vs plain" is the median of the per-round ratios to plain Socket.IO of the same round and algorithm (the ratio of medians is in the JSON); spread is half the min-max range. Every token is distinct (sub, jti), expires in 1 h and carries scope "chat".`,
    `- CPU pinning: ${options.pin ? 'the server child on CPU 0, the client child on CPU 1 (taskset)' : 'none'}.`,
    '- 2 cores: the client process competes with the server for CPU, so conn/s and events/s are bounded by both processes; server CPU per connection is measured inside the server process and does not include the client.',
    '',
    '## Handshakes and idle memory',
    '',
    handshakeTable(rows),
    '',
    '## Server CPU per handshake: against plain Socket.IO and against the floor',
    '',
    `Warm: the timed handshakes above, after the warm-up. ${options.cold > 0 ? `Cold: the first ${options.coldHandshakes} handshakes of a fresh server process (no warm-up, no sanity check; imports and server creation before the clock), ${options.cold} fresh process${options.cold === 1 ? '' : 'es'} per setup and algorithm, the median sample; "vs" is the median of the per-sample ratios (the samples of one index ran within seconds of each other).` : 'Cold: not measured in this run (--cold 0).'} "vs floor" is against the hand-written node:crypto check of the same round.`,
    '',
    comparatorTable(rows, options.coldHandshakes),
    '',
    ...(versusFastJwt.length > 0
      ? [
          '### sockguard against fast-jwt (server CPU per handshake)',
          '',
          '| Alg | warm | spread of round ratios | cold | spread of sample ratios |',
          '| --- | ---: | ---: | ---: | ---: |',
          ...versusFastJwt.map(
            (v) =>
              `| ${v.alg} | ${fmtRatio(v.warm.ratio)} | ${fmtPct(spread(v.warm.roundRatios))} | ${v.cold === null ? '-' : fmtRatio(v.cold.ratio)} | ${v.cold === null ? '-' : fmtPct(spread(v.cold.roundRatios))} |`,
          ),
          '',
        ]
      : []),
    ...(eventRows.length > 0 ? ['## Acknowledged events', '', eventTable(eventRows), ''] : []),
    '## Targets (issue 3, sockguard versus the same run)',
    '',
    '| Scope | Target | Measured | Result |',
    '| --- | --- | ---: | --- |',
    ...targets.map(
      (t) => `| ${t.scope} | ${t.target} | ${fmtRatio(t.value, 3)} | ${t.pass ? 'PASS' : 'MISS'} |`,
    ),
    '',
    '## Sanity checks (each server, before timing)',
    '',
    ...[...sanity].map(([where, checks]) => `- ${where}: ${checks.join('; ')}`),
    '',
  ].join('\n')

  const json = {
    ...runRecord({ date, machine, versions, command, source, load, minutes }),
    options: {
      ...options,
      warmupClients: options.warmup,
      warmupEvents: WARMUP_EVENTS,
      settleMs: SETTLE_MS,
    },
    handshake: rows,
    handshakeRounds: Object.fromEntries(samples),
    coldCpuUsPerConn: Object.fromEntries(coldSamples),
    sockguardVsFastJwt: versusFastJwt,
    events: eventRows,
    targets,
    sanity: Object.fromEntries(sanity),
  }
  writeResults(resultsDir(options.out), options.out, options.name, md, json)
  if (options.profile) console.log(`CPU profiles in ${PROFILE_DIR.pathname}`)
}

await runMain(main, children)
