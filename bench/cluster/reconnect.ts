// Reconnect storms: 10,000 clients connected to one node all come back at once, with and without
// the verified-token cache. An in-memory cache does not survive a process, so two restarts are
// timed: `io.disconnectSockets(true)` with the clients returning to the same process (the cache
// holds every token), and a graceful stop with a fresh process on the same port (the cache is
// empty: what a real restart or deploy gets).
import type { BenchContext } from './context.js'
import type { Alg, NodeSetup } from './protocol.js'
import { metric, type Metric } from '../support/stats.js'

export interface ReconnectCase {
  readonly name: string
  readonly setup: NodeSetup
  readonly alg: Alg
  readonly cache: boolean
}

export interface ReconnectSample {
  /** Same process: from the first reconnect to the last `connect`, ms. */
  readonly warmMs: number
  /** Server CPU per reconnection in the same process, µs. */
  readonly warmCpuUs: number
  /** The client process's CPU per reconnection meanwhile, µs. */
  readonly warmClientCpuUs: number
  /** Fresh process: the same, ms. */
  readonly coldMs: number
  readonly coldCpuUs: number
  readonly coldClientCpuUs: number
  /** Time for the fresh process to start and listen (not in coldMs), ms. */
  readonly restartMs: number
}

export interface ReconnectRow {
  readonly name: string
  readonly alg: Alg
  readonly cache: boolean
  readonly warmMs: Metric
  readonly warmCpuUs: Metric
  readonly warmClientCpuUs: Metric
  readonly coldMs: Metric
  readonly coldCpuUs: Metric
  readonly coldClientCpuUs: Metric
  readonly restartMs: Metric
}

export interface ReconnectResult {
  readonly cases: readonly ReconnectCase[]
  readonly rows: readonly ReconnectRow[]
  readonly rounds: Readonly<Record<string, readonly ReconnectSample[]>>
  readonly sanity: readonly string[]
}

/** Plain Socket.IO once (it verifies nothing), then each algorithm without and with the cache. */
export function reconnectCases(algs: readonly Alg[]): ReconnectCase[] {
  return [
    { name: 'plain Socket.IO (no auth)', setup: 'plain', alg: algs[0] ?? 'HS256', cache: false },
    ...algs.flatMap((alg) => [
      { name: `sockguard ${alg}, no cache`, setup: 'sockguard', alg, cache: false } as const,
      {
        name: `sockguard ${alg}, cache { max: 20000 }`,
        setup: 'sockguard',
        alg,
        cache: true,
      } as const,
    ]),
  ]
}

async function reconnectCase(ctx: BenchContext, c: ReconnectCase): Promise<ReconnectSample> {
  const { client, options } = ctx
  const clients = options.reconnectClients
  const key = ctx.keys.get(c.alg)!.verifying
  const config = { setup: c.setup, alg: c.alg, key, cache: c.cache, redis: null }
  const group = 'storm'
  let node = await ctx.startNode(c.name, { ...config, port: 0 })
  try {
    ctx.progress(`reconnect ${c.name}: ${clients} clients`)
    await client.call(
      'connect',
      {
        group,
        url: node.url,
        alg: c.alg,
        from: 0,
        count: clients,
        concurrency: options.concurrency,
      },
      600_000,
    )
    const storm = async (): Promise<{ ms: number; cpuUs: number; clientCpuUs: number }> => {
      await client.call('awaitDisconnected', { group, timeoutMs: 60_000 })
      const before = await node.peer.call('cpu', null)
      const reconnected = await client.call(
        'reconnect',
        { group, concurrency: options.concurrency },
        600_000,
      )
      const cpuUs = ((await node.peer.call('cpu', null)) - before) / clients
      if ((await node.peer.call('connections', null)) !== clients)
        throw new Error(`SANITY: ${c.name}: not every client came back`)
      return { ms: reconnected.ms, cpuUs, clientCpuUs: reconnected.cpuUs / clients }
    }
    ctx.progress(`reconnect ${c.name}: same process`)
    await node.peer.call('disconnectAll', null)
    const warm = await storm()
    ctx.progress(`reconnect ${c.name}: fresh process`)
    const { port } = node
    await node.stop()
    const restart = performance.now()
    node = await ctx.startNode(c.name, { ...config, port })
    const restartMs = performance.now() - restart
    const cold = await storm()
    return {
      warmMs: warm.ms,
      warmCpuUs: warm.cpuUs,
      warmClientCpuUs: warm.clientCpuUs,
      coldMs: cold.ms,
      coldCpuUs: cold.cpuUs,
      coldClientCpuUs: cold.clientCpuUs,
      restartMs,
    }
  } finally {
    await client.call('disconnect', { group }).catch(() => null)
    await node.stop()
  }
}

export async function runReconnect(
  ctx: BenchContext,
  log: (line: string) => void,
): Promise<ReconnectResult> {
  const cases = reconnectCases(ctx.options.algs)
  const samples = new Map<string, ReconnectSample[]>()
  for (let round = 0; round < ctx.options.reconnectRounds; round++) {
    const order = round % 2 === 0 ? [...cases] : [...cases].reverse()
    for (const c of order) {
      const sample = await reconnectCase(ctx, c)
      samples.set(c.name, [...(samples.get(c.name) ?? []), sample])
      log(
        `round ${round + 1} reconnect ${c.name}: same process ${(sample.warmMs / 1000).toFixed(2)} s (${sample.warmCpuUs.toFixed(0)} µs CPU/conn), fresh process ${(sample.coldMs / 1000).toFixed(2)} s (${sample.coldCpuUs.toFixed(0)} µs CPU/conn)`,
      )
    }
  }
  const plain = samples.get(cases[0]!.name) ?? []
  const rows = cases.map((c): ReconnectRow => {
    const own = samples.get(c.name) ?? []
    const m = (pick: (s: ReconnectSample) => number) => metric(own.map(pick), plain.map(pick))
    return {
      name: c.name,
      alg: c.alg,
      cache: c.cache,
      warmMs: m((s) => s.warmMs),
      warmCpuUs: m((s) => s.warmCpuUs),
      warmClientCpuUs: m((s) => s.warmClientCpuUs),
      coldMs: m((s) => s.coldMs),
      coldCpuUs: m((s) => s.coldCpuUs),
      coldClientCpuUs: m((s) => s.coldClientCpuUs),
      restartMs: m((s) => s.restartMs),
    }
  })
  return {
    cases,
    rows,
    rounds: Object.fromEntries(samples),
    sanity: [
      `every one of the ${ctx.options.reconnectClients} clients reconnected in each case, to the same process and to a fresh one (any refusal stops the run)`,
    ],
  }
}
