// Cluster benchmarks of sockguard: cross-node revocation latency on two nodes joined by the Redis
// adapter, broadcast throughput with auth versus without on one and two nodes, and the time for
// 10,000 clients to reconnect after a restart with and without the verified-token cache. Nodes
// and clients are separate processes; Redis is the real one at REDIS_URL.
// Run: npx tsx bench/cluster.ts [--phases revocation,broadcast,reconnect] [--revocations 100]
//      [--bystanders 1000] [--broadcast-clients 200] [--messages 3000] [--window 20] [--slices 20]
//      [--rounds 5]
//      [--reconnect-clients 10000] [--reconnect-rounds 3] [--algs ES256,HS256]
//      [--concurrency 200] [--sockguard build|src|<module path>] [--no-pin] [--profile]
//      [--notes <markdown file>] [--out bench/results]
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import os from 'node:os'
import { resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { runBroadcast, type BroadcastResult } from './cluster/broadcast.js'
import {
  PHASES,
  type BenchContext,
  type KeyPair,
  type NodeHandle,
  type Options,
  type Phase,
} from './cluster/context.js'
import {
  ALGS,
  HS256_SECRET,
  type Alg,
  type ClientCommands,
  type NodeCommands,
} from './cluster/protocol.js'
import { runReconnect, type ReconnectResult } from './cluster/reconnect.js'
import { renderResults, type RunInfo } from './cluster/report.js'
import { runRevocation, type RevocationResult } from './cluster/revocation.js'
import { forkPeer, type Peer } from './handshake/rpc.js'
import { createChildWatchdog, profileFlags, runMain, stopClientChild } from './support/children.js'
import { hasTaskset } from './support/has-taskset.js'
import { intOption } from './support/int-option.js'
import { listOption } from './support/list-option.js'
import { openFileLimit } from './support/open-file-limit.js'
import { checkSockguardOption, prepareSockguard } from './support/sockguard-entry.js'
import { resultsDir, writeResults } from './support/write-results.js'

const ROOT = new URL('../', import.meta.url)
/** Where `--sockguard build` compiles src/ with tsc (tsconfig.build.json, no declarations). */
const BUILD_DIR = new URL('.tmp/cluster-build/', ROOT)
const PROFILE_DIR = new URL('.tmp/cluster-profiles/', ROOT)
/** A phase that makes no progress for this long stops the run. */
const STALL_MS = 180_000

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      phases: { type: 'string', default: PHASES.join(',') },
      revocations: { type: 'string', default: '100' },
      'revocation-warmup': { type: 'string', default: '10' },
      bystanders: { type: 'string', default: '1000' },
      'broadcast-clients': { type: 'string', default: '200' },
      messages: { type: 'string', default: '3000' },
      'warmup-messages': { type: 'string', default: '1500' },
      window: { type: 'string', default: '20' },
      slices: { type: 'string', default: '20' },
      rounds: { type: 'string', default: '5' },
      'reconnect-clients': { type: 'string', default: '10000' },
      'reconnect-rounds': { type: 'string', default: '3' },
      algs: { type: 'string', default: 'ES256,HS256' },
      concurrency: { type: 'string', default: '200' },
      sockguard: { type: 'string', default: 'build' },
      'no-pin': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      notes: { type: 'string' },
      'max-minutes': { type: 'string', default: '40' },
      out: { type: 'string', default: 'bench/results' },
    },
    strict: true,
  })
  const int = (name: keyof typeof values, min: number, max: number): number =>
    intOption(values, name, min, max)
  if (Number(values.slices) % 2 !== 0)
    throw new Error('--slices must be even (the slices are compared in blocks of two pairs)')
  if (values.notes !== undefined && !existsSync(resolve(values.notes)))
    throw new Error(`--notes: no file ${values.notes}`)
  checkSockguardOption(values.sockguard)
  const phases = listOption<Phase>('phases', values.phases, PHASES)
  return {
    phases: PHASES.filter((p) => phases.includes(p)),
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    revocations: int('revocations', 1, 10_000),
    revocationWarmup: int('revocation-warmup', 0, 1_000),
    bystanders: int('bystanders', 0, 10_000),
    broadcastClients: int('broadcast-clients', 2, 5_000),
    messages: int('messages', 1, 1_000_000),
    warmupMessages: int('warmup-messages', 1, 100_000),
    window: int('window', 1, 1_000),
    slices: int('slices', 2, 100),
    rounds: int('rounds', 1, 15),
    reconnectClients: int('reconnect-clients', 1, 20_000),
    reconnectRounds: int('reconnect-rounds', 1, 9),
    algs: listOption<Alg>('algs', values.algs, ALGS),
    concurrency: int('concurrency', 1, 2_000),
    sockguard: values.sockguard,
    pin: !values['no-pin'] && os.cpus().length >= 2 && hasTaskset(),
    profile: values.profile,
    notes: values.notes,
    maxMinutes: int('max-minutes', 1, 120),
    out: values.out,
  }
}

// The run's children and watchdog (bench/support/children.ts).
const { children, watchdog, progress } = createChildWatchdog<
  Peer<NodeCommands> | Peer<ClientCommands>
>(STALL_MS)

// ---------------------------------------------------------------------------------------------

/** The entry points the nodes import: sockguard and sockguard/redis. */
function entryPoints(mode: string): { main: string; redis: string } {
  if (mode === 'build')
    return {
      main: new URL('index.js', BUILD_DIR).href,
      redis: new URL('redis/index.js', BUILD_DIR).href,
    }
  if (mode === 'src')
    return {
      main: new URL('src/index.ts', ROOT).href,
      redis: new URL('src/redis/index.ts', ROOT).href,
    }
  const main = pathToFileURL(resolve(mode))
  return { main: main.href, redis: new URL('redis/index.js', main).href }
}

function makeKeys(alg: Alg): KeyPair {
  if (alg === 'HS256') return { signing: HS256_SECRET, verifying: HS256_SECRET }
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return {
    signing: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    verifying: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}

async function main(): Promise<void> {
  const options = parseOptions()
  const command = ['npx tsx bench/cluster.ts', ...process.argv.slice(2)].join(' ')
  const fdLimit = openFileLimit()
  // The client process holds one descriptor per socket, and so does the node serving them.
  const sockets = options.phases.includes('reconnect') ? options.reconnectClients : 0
  if (Number(fdLimit) < Math.max(sockets, options.bystanders + options.revocations) + 500)
    throw new Error(`ulimit -n is ${fdLimit}; raise it (ulimit -n 20000) or use fewer clients`)
  watchdog.start(options.maxMinutes)
  const started = Date.now()
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    await redis.ping()
  } catch (error) {
    throw new Error(`no Redis at ${options.redisUrl} (set REDIS_URL)`, { cause: error })
  }
  const redisInfo = await redis.info('server')
  const redisVersion = /redis_version:(\S+)/.exec(redisInfo)?.[1] ?? 'unknown'
  prepareSockguard(options.sockguard, ROOT, BUILD_DIR, progress)
  const entries = entryPoints(options.sockguard)
  const runId = randomBytes(4).toString('hex')
  let prefixes = 0
  let nodes = 0

  const client = forkPeer<ClientCommands>(
    'client',
    new URL('cluster/client.ts', import.meta.url),
    ROOT,
    [],
    options.pin ? 1 : undefined,
  )
  children.add(client)
  const keys = new Map<Alg, KeyPair>()
  const tokenCount = Math.max(
    options.revocationWarmup + options.revocations + options.bystanders,
    options.broadcastClients + 1,
    options.reconnectClients,
  )
  for (const alg of new Set<Alg>(['HS256', ...options.algs])) {
    progress(`minting ${alg} tokens`)
    keys.set(alg, makeKeys(alg))
    const { ms } = await client.call('prepare', {
      alg,
      key: keys.get(alg)!.signing,
      count: tokenCount,
    })
    console.log(`${alg}: ${tokenCount} tokens minted in ${(ms / 1000).toFixed(1)}s`)
  }

  const ctx: BenchContext = {
    options,
    client,
    keys,
    progress,
    prefix: () => `sockguard-bench:${runId}:${prefixes++}:`,
    async cleanRedis(prefix) {
      let cursor = '0'
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
        if (found.length > 0) await redis.del(...found)
        cursor = next
      } while (cursor !== '0')
    },
    async startNode(name, config, cpu = 0) {
      // One directory per node process: Node writes a profile per thread on exit.
      const flags = profileFlags(
        options.profile
          ? new URL(`${name.replace(/[^\w.-]+/g, '-')}-${nodes++}/`, PROFILE_DIR)
          : undefined,
      )
      const peer = forkPeer<NodeCommands>(
        name,
        new URL('cluster/node.ts', import.meta.url),
        ROOT,
        flags,
        options.pin ? cpu : undefined,
      )
      children.add(peer)
      let port: number
      try {
        ;({ port } = await peer.call(
          'start',
          { ...config, sockguard: entries.main, sockguardRedis: entries.redis },
          60_000,
        ))
      } catch (error) {
        peer.kill()
        children.delete(peer)
        throw error
      }
      let stopped: Promise<void> | undefined
      const handle: NodeHandle = {
        name,
        peer,
        port,
        url: `http://127.0.0.1:${port}`,
        stop() {
          stopped ??= (async () => {
            try {
              await peer.call('stop', null, 30_000)
              await Promise.race([peer.exited, sleep(10_000)])
            } catch {
              // Killed below.
            } finally {
              peer.kill()
              children.delete(peer)
            }
          })()
          return stopped
        },
      }
      return handle
    },
  }

  const loadBefore = os.loadavg()[0] ?? NaN
  const log = (line: string): void => {
    console.log(line)
  }
  // The machine is shared: the load at each phase's ends says what else was running.
  const phaseLoad: Partial<Record<Phase, readonly [number, number]>> = {}
  const phase = async <T>(name: Phase, run: () => Promise<T>): Promise<T> => {
    const start = os.loadavg()[0] ?? NaN
    const result = await run()
    phaseLoad[name] = [start, os.loadavg()[0] ?? NaN]
    return result
  }
  let revocation: RevocationResult | undefined
  let broadcast: BroadcastResult | undefined
  let reconnect: ReconnectResult | undefined
  if (options.phases.includes('revocation')) {
    revocation = await phase('revocation', () => runRevocation(ctx))
    log(
      `revocation latency: p50 ${revocation.latency.p50.toFixed(1)} ms, p99 ${revocation.latency.p99.toFixed(1)} ms, max ${revocation.latency.max.toFixed(1)} ms`,
    )
  }
  if (options.phases.includes('broadcast'))
    broadcast = await phase('broadcast', () => runBroadcast(ctx, log))
  if (options.phases.includes('reconnect'))
    reconnect = await phase('reconnect', () => runReconnect(ctx, log))
  const loadAfter = os.loadavg()[0] ?? NaN
  await stopClientChild(client, children)
  redis.disconnect()

  const info: RunInfo = {
    date: new Date().toISOString(),
    command,
    fdLimit,
    loadBefore,
    loadAfter,
    minutes: (Date.now() - started) / 60_000,
    redisVersion,
    root: ROOT,
    phaseLoad,
  }
  const { markdown, json, targets } = renderResults(info, options, {
    revocation,
    broadcast,
    reconnect,
  })
  console.log()
  for (const t of targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${t.measured}`)
  writeResults(resultsDir(options.out), options.out, 'cluster', markdown, json)
  if (options.profile) console.log(`CPU profiles in ${PROFILE_DIR.pathname}`)
}

await runMain(main, children)
