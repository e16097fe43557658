// Broadcast throughput with and without auth, on one node and on two joined by the Redis
// adapter: a sender's acknowledged `message` events, each broadcast with io.emit to every client,
// counted as deliveries at the clients. Plain and sockguard nodes run side by side and take turns
// in short slices, so that a burst of load from elsewhere on the machine lands on both alike.
import type { BenchContext, NodeHandle } from './context.js'
import { HS256_SECRET, type NodeSetup } from './protocol.js'
import { median, metric, percentile, type Metric } from '../support/stats.js'

/** Target of the issue: sockguard's deliveries/s at least this share of plain Socket.IO's. */
export const BROADCAST_TARGET = 0.98

const SETUPS = ['plain', 'sockguard'] as const satisfies readonly NodeSetup[]
const NODE_COUNTS = [1, 2] as const

export interface BroadcastSample {
  /** The median slice's deliveries/s (a slice that another process slowed down does not count). */
  readonly deliveriesPerSec: number
  /** Every slice's deliveries/s, in order. */
  readonly sliceDeliveriesPerSec: readonly number[]
  /** All deliveries over all the slices' time. */
  readonly overallDeliveriesPerSec: number
  /** CPU of every node of the setup together (user + system) per broadcast message, µs. */
  readonly serverCpuUsPerMessage: number
  /** CPU of the client process per broadcast message (all its deliveries), µs. */
  readonly clientCpuUsPerMessage: number
}

export interface BroadcastRow {
  readonly nodes: 1 | 2
  readonly setup: NodeSetup
  /** Per round: the median slice. "ratio" is the median of the per-round ratios. */
  readonly deliveriesPerSec: Metric
  /**
   * For every block of four slices (plain, sockguard, sockguard, plain, or the reverse) of every
   * round: the setup's deliveries/s over plain's in that block. The comparison least disturbed
   * by other load (a block lasts about a second) and by the order of the slices (in a block each
   * setup runs once right after the other and once right after itself).
   */
  readonly blockRatios: readonly number[]
  readonly blockRatio: { readonly median: number; readonly p25: number; readonly p75: number }
  /**
   * The median ratio of single neighbouring slices, by which of the two ran first: the cost of
   * switching from one setup to the other, which the blocks cancel.
   */
  readonly pairRatio: { readonly plainFirst: number; readonly ownFirst: number }
  readonly serverCpuUsPerMessage: Metric
  readonly clientCpuUsPerMessage: Metric
}

export interface BroadcastResult {
  readonly rows: readonly BroadcastRow[]
  readonly rounds: Readonly<Record<string, readonly BroadcastSample[]>>
  readonly sanity: readonly string[]
}

const caseName = (setup: NodeSetup, nodes: number): string => `${setup} ${nodes}`

/** One setup's nodes and clients, ready to broadcast. */
interface Cluster {
  readonly setup: NodeSetup
  readonly nodes: readonly NodeHandle[]
  readonly receivers: readonly string[]
  readonly sender: string
  readonly prefix: string | undefined
}

async function startCluster(
  ctx: BenchContext,
  setup: NodeSetup,
  count: 1 | 2,
  sanity: Set<string>,
  started: NodeHandle[],
): Promise<Cluster> {
  const { client, options } = ctx
  const prefix = count === 1 ? undefined : ctx.prefix()
  const nodes: NodeHandle[] = []
  for (let n = 0; n < count; n++) {
    const node = await ctx.startNode(`${setup} node ${n + 1}/${count}`, {
      setup,
      alg: 'HS256',
      key: HS256_SECRET,
      cache: false,
      redis: prefix === undefined ? null : { url: options.redisUrl, prefix },
      port: 0,
    })
    started.push(node)
    nodes.push(node)
  }
  if (count > 1)
    await Promise.all(
      nodes.map((node) => node.peer.call('peers', { expect: count, timeoutMs: 10_000 })),
    )
  if (setup === 'sockguard') {
    const code = await client.call('probe', {
      url: nodes[0]!.url,
      alg: 'HS256',
      index: 0,
      tamper: true,
    })
    if (code !== 'token_invalid') throw new Error(`SANITY: a tampered token got ${code}`)
    sanity.add('sockguard nodes refuse a token with a flipped signature bit (token_invalid)')
  }
  const receivers: string[] = []
  let from = 0
  for (const [n, node] of nodes.entries()) {
    const share =
      Math.floor(options.broadcastClients / count) + (n < options.broadcastClients % count ? 1 : 0)
    const group = `${setup} ${count} receivers ${n}`
    await client.call('connect', {
      group,
      url: node.url,
      alg: 'HS256',
      from,
      count: share,
      concurrency: options.concurrency,
    })
    receivers.push(group)
    from += share
  }
  const sender = `${setup} ${count} sender`
  await client.call('connect', {
    group: sender,
    url: nodes[0]!.url,
    alg: 'HS256',
    from,
    count: 1,
    concurrency: 1,
  })
  return { setup, nodes, receivers, sender, prefix }
}

/** Broadcasts `messages` on `cluster`: wall time, deliveries and the nodes' CPU. */
async function slice(
  ctx: BenchContext,
  cluster: Cluster,
  messages: number,
): Promise<{ ms: number; deliveries: number; cpuUs: number; clientCpuUs: number }> {
  const cpu = async (): Promise<number> =>
    (await Promise.all(cluster.nodes.map((node) => node.peer.call('cpu', null)))).reduce(
      (a, b) => a + b,
      0,
    )
  const before = await cpu()
  const {
    ms,
    deliveries,
    cpuUs: clientCpuUs,
  } = await ctx.client.call(
    'broadcast',
    {
      senderGroup: cluster.sender,
      sender: 0,
      receivers: cluster.receivers,
      messages,
      window: ctx.options.window,
      timeoutMs: 120_000,
    },
    130_000,
  )
  const expected = messages * ctx.options.broadcastClients
  if (deliveries !== expected)
    throw new Error(`SANITY: ${deliveries} deliveries, expected ${expected}`)
  return { ms, deliveries, cpuUs: (await cpu()) - before, clientCpuUs }
}

/** One round on `count` nodes: both setups up at once, their slices alternating. */
async function broadcastRound(
  ctx: BenchContext,
  count: 1 | 2,
  round: number,
  sanity: Set<string>,
): Promise<Map<NodeSetup, BroadcastSample>> {
  const { options } = ctx
  const started: NodeHandle[] = []
  const clusters: Cluster[] = []
  try {
    for (const setup of SETUPS)
      clusters.push(await startCluster(ctx, setup, count, sanity, started))
    for (const cluster of clusters) await slice(ctx, cluster, options.warmupMessages)
    const totals = new Map(
      clusters.map((c) => [
        c,
        { ms: 0, deliveries: 0, cpuUs: 0, clientCpuUs: 0, messages: 0, rates: [] as number[] },
      ]),
    )
    const per = Math.ceil(options.messages / options.slices)
    for (let s = 0; s < options.slices; s++) {
      ctx.progress(`broadcast ${count} node(s) round ${round + 1} slice ${s + 1}`)
      const order = (s + round) % 2 === 0 ? clusters : [...clusters].reverse()
      for (const cluster of order) {
        const part = await slice(ctx, cluster, per)
        const total = totals.get(cluster)!
        total.ms += part.ms
        total.deliveries += part.deliveries
        total.cpuUs += part.cpuUs
        total.clientCpuUs += part.clientCpuUs
        total.messages += per
        total.rates.push(part.deliveries / (part.ms / 1000))
      }
    }
    sanity.add(
      `every one of the ${options.broadcastClients} receivers got every message, on 1 and on 2 nodes`,
    )
    for (const cluster of clusters)
      for (const group of [...cluster.receivers, cluster.sender])
        await ctx.client.call('disconnect', { group })
    return new Map(
      [...totals].map(([cluster, t]) => [
        cluster.setup,
        {
          deliveriesPerSec: median(t.rates),
          sliceDeliveriesPerSec: t.rates,
          overallDeliveriesPerSec: t.deliveries / (t.ms / 1000),
          serverCpuUsPerMessage: t.cpuUs / t.messages,
          clientCpuUsPerMessage: t.clientCpuUs / t.messages,
        },
      ]),
    )
  } finally {
    await Promise.all(started.map((node) => node.stop()))
    for (const cluster of clusters)
      if (cluster.prefix !== undefined) await ctx.cleanRedis(cluster.prefix)
  }
}

/**
 * deliveries/s of `own` over `plain` in each block of two slice pairs. Every slice carries the
 * same deliveries, so a block's ratio is plain's time over the setup's time in it.
 */
function blocks(plain: BroadcastSample, own: BroadcastSample): number[] {
  const time = (rate: number): number => 1 / rate
  const p = plain.sliceDeliveriesPerSec
  const o = own.sliceDeliveriesPerSec
  const ratios: number[] = []
  for (let k = 0; k + 1 < p.length; k += 2)
    ratios.push((time(p[k]!) + time(p[k + 1]!)) / (time(o[k]!) + time(o[k + 1]!)))
  return ratios
}

export async function runBroadcast(
  ctx: BenchContext,
  log: (line: string) => void,
): Promise<BroadcastResult> {
  const samples = new Map<string, BroadcastSample[]>()
  const sanity = new Set<string>()
  for (let round = 0; round < ctx.options.rounds; round++) {
    const counts = round % 2 === 0 ? [...NODE_COUNTS] : [...NODE_COUNTS].reverse()
    for (const count of counts) {
      const round_ = await broadcastRound(ctx, count, round, sanity)
      for (const [setup, sample] of round_) {
        const name = caseName(setup, count)
        samples.set(name, [...(samples.get(name) ?? []), sample])
      }
      const plain = round_.get('plain')!
      const guarded = round_.get('sockguard')!
      log(
        `round ${round + 1} broadcast, ${count} node(s): plain ${Math.round(plain.deliveriesPerSec).toLocaleString('en-US')} deliveries/s (${plain.serverCpuUsPerMessage.toFixed(0)} µs CPU/message), sockguard ${Math.round(guarded.deliveriesPerSec).toLocaleString('en-US')} (${guarded.serverCpuUsPerMessage.toFixed(0)} µs); ABBA blocks ${median(blocks(plain, guarded)).toFixed(3)}x`,
      )
    }
  }
  const rows = NODE_COUNTS.flatMap((nodes) =>
    SETUPS.map((setup): BroadcastRow => {
      const own = samples.get(caseName(setup, nodes)) ?? []
      const plain = samples.get(caseName('plain', nodes)) ?? []
      const blockRatios = own.flatMap((sample, round) => blocks(plain[round]!, sample))
      const plainFirst: number[] = []
      const ownFirst: number[] = []
      own.forEach((sample, round) => {
        sample.sliceDeliveriesPerSec.forEach((rate, s) => {
          // The order of broadcastRound: plain first when s + round is even.
          const ratio = rate / plain[round]!.sliceDeliveriesPerSec[s]!
          ;((s + round) % 2 === 0 ? plainFirst : ownFirst).push(ratio)
        })
      })
      return {
        nodes,
        setup,
        blockRatios,
        blockRatio: {
          median: median(blockRatios),
          p25: percentile(blockRatios, 0.25),
          p75: percentile(blockRatios, 0.75),
        },
        pairRatio: { plainFirst: median(plainFirst), ownFirst: median(ownFirst) },
        deliveriesPerSec: metric(
          own.map((s) => s.deliveriesPerSec),
          plain.map((s) => s.deliveriesPerSec),
        ),
        serverCpuUsPerMessage: metric(
          own.map((s) => s.serverCpuUsPerMessage),
          plain.map((s) => s.serverCpuUsPerMessage),
        ),
        clientCpuUsPerMessage: metric(
          own.map((s) => s.clientCpuUsPerMessage),
          plain.map((s) => s.clientCpuUsPerMessage),
        ),
      }
    }),
  )
  return { rows, rounds: Object.fromEntries(samples), sanity: [...sanity] }
}
