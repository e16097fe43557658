// The results of bench/cluster.ts: the markdown of bench/results/cluster.md (machine, Node, the
// command, the method, the figures and a PASS/MISS line per target) and the JSON with every round.
import { readFileSync } from 'node:fs'
import { BROADCAST_TARGET, type BroadcastResult } from './broadcast.js'
import type { Options, Phase } from './context.js'
import type { ReconnectResult } from './reconnect.js'
import { REVOCATION_P99_TARGET_MS, type RevocationResult } from './revocation.js'
import { fmtInt, fmtMs, fmtPct, fmtRatio, table } from '../support/format.js'
import { machineInfo, resultsHeader } from '../support/results-header.js'
import { sourceState } from '../support/source-state.js'
import { versionOf } from '../support/version-of.js'

export interface RunInfo {
  readonly date: string
  readonly command: string
  readonly fdLimit: string
  readonly loadBefore: number
  readonly loadAfter: number
  readonly minutes: number
  readonly redisVersion: string
  readonly root: URL
  /** The 1-minute load average at the start and the end of each phase. */
  readonly phaseLoad: Readonly<Partial<Record<Phase, readonly [number, number]>>>
}

export interface Results {
  readonly revocation: RevocationResult | undefined
  readonly broadcast: BroadcastResult | undefined
  readonly reconnect: ReconnectResult | undefined
}

export interface Target {
  readonly target: string
  readonly measured: string
  readonly value: number
  readonly threshold: number
  readonly pass: boolean
}

function describeSockguard(mode: string): string {
  if (mode === 'build')
    return 'src/ compiled with tsc (tsconfig.build.json) into .tmp/cluster-build, as published'
  if (mode === 'src')
    return 'src/ run through tsx (esbuild keepNames: slower closures than the published build)'
  return `the entry point ${mode} (not src/ as committed)`
}

function targetsOf(results: Results): Target[] {
  const targets: Target[] = []
  const { revocation, broadcast } = results
  if (revocation !== undefined) {
    const p99 = revocation.latency.p99
    targets.push({
      target: `cross-node revocation latency p99 <= ${REVOCATION_P99_TARGET_MS} ms`,
      measured: fmtMs(p99),
      value: p99,
      threshold: REVOCATION_P99_TARGET_MS,
      pass: p99 <= REVOCATION_P99_TARGET_MS,
    })
  }
  for (const row of broadcast?.rows ?? []) {
    if (row.setup !== 'sockguard') continue
    const ratio = row.blockRatio.median
    targets.push({
      target: `broadcast deliveries/s with auth >= ${fmtRatio(BROADCAST_TARGET)} no auth, ${row.nodes} node${row.nodes === 1 ? '' : 's'}`,
      measured: fmtRatio(ratio, 3),
      value: ratio,
      threshold: BROADCAST_TARGET,
      pass: ratio >= BROADCAST_TARGET,
    })
  }
  return targets
}

function revocationSection(r: RevocationResult, options: Options): string[] {
  return [
    '## Cross-node revocation latency',
    '',
    `Two sockguard nodes (HS256) joined by \`@socket.io/redis-adapter\`, each with \`createRedisRevocationStore\` on its own ioredis client (default sweep, 15 s). ${fmtInt(options.revocationWarmup + options.revocations)} users, one socket each, half on each node, and ${fmtInt(options.bystanders)} bystanders (other subjects) split over both. Each user is revoked by the node it is *not* connected to: the client process sends \`POST /revoke?sub=<user>\` to that node, whose handler awaits \`guard.revoke({ sub })\` and answers 204. Latency = from just before the request is sent to the \`unauthorized\` event on the user's socket, both on the client process's \`performance.now()\` (one clock; the request's loopback trip, well under 1 ms, is included). Revocations run one at a time, alternating direction (A revokes a user on B, then B one on A); the first ${options.revocationWarmup} are a warm-up and not counted.`,
    '',
    table(
      ['Over ' + fmtInt(r.samples.length) + ' revocations', 'p50', 'p99', 'max'],
      '| --- | ---: | ---: | ---: |',
      [
        [
          'revoke request → `unauthorized` on the other node',
          fmtMs(r.latency.p50),
          fmtMs(r.latency.p99),
          fmtMs(r.latency.max),
        ],
        [
          'revoke request → `disconnect` on the other node',
          fmtMs(r.disconnect.p50),
          fmtMs(r.disconnect.p99),
          fmtMs(r.disconnect.max),
        ],
        [
          'revoke request → its 204 (the `guard.revoke()` call)',
          fmtMs(r.call.p50),
          fmtMs(r.call.p99),
          fmtMs(r.call.max),
        ],
        [
          '`guard.revoke()` timed inside the revoking node',
          fmtMs(r.revoke.p50),
          fmtMs(r.revoke.p99),
          fmtMs(r.revoke.max),
        ],
      ],
    ),
    '',
    `Revoked sockets that received \`unauthorized\` more than once before their disconnect: ${r.repeatedNotices} of ${r.samples.length} (the revoking node's adapter message and the store's change feed both reach the other node, and each ends the socket).`,
    '',
  ]
}

function broadcastSection(b: BroadcastResult, options: Options): string[] {
  const per = Math.ceil(options.messages / options.slices)
  const orderEffect = b.rows
    .filter((r) => r.setup === 'sockguard')
    .map(
      (r) =>
        `${r.pairRatio.plainFirst.toFixed(3)} with plain first and ${r.pairRatio.ownFirst.toFixed(3)} with sockguard first on ${r.nodes} node${r.nodes === 1 ? '' : 's'}`,
    )
    .join(', ')
  return [
    '## Broadcast throughput, auth versus no auth',
    '',
    `${fmtInt(options.broadcastClients)} receiving clients (split evenly over the nodes) and one sender on the first node. The sender emits acknowledged \`message\` events (${options.window} unacknowledged at most); each node's handler calls \`io.emit('message', text)\` and acks. Setups: plain Socket.IO with that handler, and the same handler behind \`guard.attach(io)\` + \`io.on('connection', authorizeEvents({ message: requireScope('chat') }))\` (HS256 tokens, 1 h, scope chat). Two nodes: \`@socket.io/redis-adapter\` on the real Redis (the sockguard nodes also with the Redis revocation store, its feed and sweep on).`,
    '',
    `Method: in each round, fresh plain and sockguard nodes run side by side (1 node each, then 2 each, or the reverse), each setup with its own ${fmtInt(options.broadcastClients)} + 1 clients and ${fmtInt(options.warmupMessages)} warm-up messages; then they take turns, ${options.slices} slices of ${fmtInt(per)} messages each, in the order A B B A A B B A ... (A is plain in even rounds, sockguard in odd ones). A slice's deliveries/s = receivers × messages / (first emit → last delivery at the clients). **vs plain** is the median, over the ${options.slices / 2} × ${options.rounds} blocks of four slices (A B B A), of sockguard's deliveries/s over plain's within the block; the interquartile range is beside it. Why blocks: this machine is shared and other processes' load comes in bursts of seconds that slow whole stretches of slices 2-5x, so only neighbouring slices can be compared; and a slice right after a switch of setup runs slower than one right after its own setup (in this run, the median sockguard/plain ratio of single neighbouring slices was ${orderEffect}), which a block cancels since each setup has one of each. The deliveries/s column is the median round of each setup's median slice; ${options.rounds} round${options.rounds === 1 ? '' : 's'}. Server CPU = \`process.cpuUsage()\` of the setup's nodes over its timed messages (CPU time, which other processes' load barely changes; its "vs plain" is the median of the per-round ratios); client CPU the same for the client process, which decodes every delivery.`,
    '',
    table(
      [
        'Nodes',
        'Setup',
        'deliveries/s',
        'vs plain (ABBA blocks)',
        'IQR',
        'server CPU µs/message',
        'vs plain',
        'client CPU µs/message',
      ],
      '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      b.rows.map((r) => [
        String(r.nodes),
        r.setup === 'plain' ? 'plain Socket.IO (no auth)' : 'sockguard + authorizeEvents',
        fmtInt(r.deliveriesPerSec.median),
        fmtRatio(r.blockRatio.median, 3),
        r.setup === 'plain'
          ? '-'
          : `${r.blockRatio.p25.toFixed(3)} - ${r.blockRatio.p75.toFixed(3)}`,
        fmtInt(r.serverCpuUsPerMessage.median),
        fmtRatio(r.serverCpuUsPerMessage.ratio, 3),
        fmtInt(r.clientCpuUsPerMessage.median),
      ]),
    ),
    '',
    `Per-round ratios of the median slices, for comparison: ${b.rows
      .filter((r) => r.setup === 'sockguard')
      .map(
        (r) =>
          `${r.nodes} node${r.nodes === 1 ? '' : 's'} ${r.deliveriesPerSec.roundRatios.map((x) => x.toFixed(3)).join(', ')}`,
      )
      .join('; ')}.`,
    '',
  ]
}

function reconnectSection(r: ReconnectResult, options: Options): string[] {
  const n = options.reconnectClients
  const secs = (m: { median: number; spreadPct: number }): string =>
    `${(m.median / 1000).toFixed(2)} ${fmtPct(m.spreadPct)}`
  return [
    '## Reconnect storm after a restart',
    '',
    `One node, ${fmtInt(n)} clients connected (WebSocket only), then every one of them reconnects with the token it had, ${options.concurrency} handshakes in flight; the time runs from the first reconnect to the last \`connect\` event on the client. An in-memory verified-token cache does not outlive its process, so two restarts are measured: **same process**, \`io.disconnectSockets(true)\` and the clients come back to the process that verified their tokens (the cache, \`createVerifier({ ..., cache: { max: 20000 } })\`, holds all ${fmtInt(n)}: a network blip, a load balancer failing back); **fresh process**, a graceful stop and a new process on the same port (the cache is empty, as after any real restart or deploy, and the process's JIT is cold). The new process's start-up is not in the time (it is in the last column). CPU per reconnection = \`process.cpuUsage()\` of the node, and of the client process, over the storm / ${fmtInt(n)}. ${options.reconnectRounds} round${options.reconnectRounds === 1 ? '' : 's'}, cases in alternating order, median round; ± is half the min-max range of the rounds.`,
    '',
    table(
      [
        'Case',
        'same process: s',
        'server CPU µs/conn',
        'client CPU µs/conn',
        'fresh process: s',
        'server CPU µs/conn',
        'client CPU µs/conn',
        'process start',
      ],
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      r.rows.map((row) => [
        row.name,
        secs(row.warmMs),
        fmtInt(row.warmCpuUs.median),
        fmtInt(row.warmClientCpuUs.median),
        secs(row.coldMs),
        fmtInt(row.coldCpuUs.median),
        fmtInt(row.coldClientCpuUs.median),
        fmtMs(row.restartMs.median, 0),
      ]),
    ),
    '',
  ]
}

/** A section with the load average at its phase's start and end under its title. */
function withLoad(lines: readonly string[], info: RunInfo, phase: Phase): string[] {
  const load = info.phaseLoad[phase]
  const [title = '', ...rest] = lines
  if (load === undefined) return [...lines]
  return [
    title,
    '',
    `Load average (1 min) at the start / end of this phase: ${load[0].toFixed(2)} / ${load[1].toFixed(2)}.`,
    ...rest,
  ]
}

/** The results file and its JSON. */
export function renderResults(
  info: RunInfo,
  options: Options,
  results: Results,
): { markdown: string; json: unknown; targets: Target[] } {
  const machine = machineInfo(info.fdLimit)
  const versions = {
    sockguard: versionOf(info.root, undefined),
    'socket.io': versionOf(info.root, 'socket.io'),
    'socket.io-client': versionOf(info.root, 'socket.io-client'),
    'engine.io': versionOf(info.root, 'engine.io'),
    ws: versionOf(info.root, 'ws'),
    '@socket.io/redis-adapter': versionOf(info.root, '@socket.io/redis-adapter'),
    ioredis: versionOf(info.root, 'ioredis'),
    'Redis server': info.redisVersion,
    tsx: versionOf(info.root, 'tsx'),
  }
  const source = sourceState(info.root)
  const targets = targetsOf(results)
  const { revocation, broadcast, reconnect } = results
  const markdown = [
    '# Cluster: revocation latency, broadcast throughput, reconnect storms',
    '',
    ...resultsHeader({
      date: info.date,
      machine,
      load: `before / after: ${info.loadBefore.toFixed(2)} / ${info.loadAfter.toFixed(2)}; run time ${info.minutes.toFixed(1)} min`,
      versions,
      command: info.command,
    }),
    `- sockguard: ${source}, ${describeSockguard(options.sockguard)}`,
    `- Processes: the benchmark, one client process (every client socket, the token minting, the timing) and a process per node (\`node --import tsx\`), all on 127.0.0.1; Redis at ${options.redisUrl.replace(/\/\/[^@/]*@/, '//')}. ${options.pin ? 'Nodes pinned to CPU 0 and the client process to CPU 1 (taskset); in the broadcast phase two nodes share CPU 0, in the revocation phase node B runs on CPU 1; Redis runs wherever the OS puts it.' : 'No CPU pinning.'}`,
    '- 2 cores: clients, nodes and Redis compete for CPU, so rates measure the whole system; server CPU per message or per connection is measured inside the node processes.',
    '',
    ...(revocation === undefined
      ? []
      : withLoad(revocationSection(revocation, options), info, 'revocation')),
    ...(broadcast === undefined
      ? []
      : withLoad(broadcastSection(broadcast, options), info, 'broadcast')),
    ...(reconnect === undefined
      ? []
      : withLoad(reconnectSection(reconnect, options), info, 'reconnect')),
    '## Targets',
    '',
    table(
      ['Target', 'Measured', 'Result'],
      '| --- | ---: | --- |',
      targets.map((t) => [t.target, t.measured, t.pass ? 'PASS' : 'MISS']),
    ),
    '',
    ...(options.notes === undefined
      ? []
      : ['## Notes', '', readFileSync(options.notes, 'utf8').trim(), '']),
    '## Sanity checks',
    '',
    ...[
      ...(revocation?.sanity ?? []),
      ...(broadcast?.sanity ?? []),
      ...(reconnect?.sanity ?? []),
    ].map((line) => `- ${line}`),
    '',
  ].join('\n')
  const json = {
    date: info.date,
    machine,
    node: process.version,
    versions,
    command: info.command,
    sockguardSource: source,
    loadAverage1m: { before: info.loadBefore, after: info.loadAfter, phases: info.phaseLoad },
    runMinutes: info.minutes,
    options,
    revocation,
    broadcast,
    reconnect,
    targets,
  }
  return { markdown, json, targets }
}
