// Room authorization cost (issue 13), side by side in one run: broadcast throughput to a guarded
// room against the same room unguarded, server CPU per client `room:join` against a hand-written
// `socket.on('join')` with the same check, and memory per socket in 10 guarded rooms against 10
// plain rooms; server and clients in separate processes, setups alternating, medians of rounds.
// Run: npx tsx bench/rooms.ts [--rounds 5] [--memory-sockets 2000] [--members 200]
//      [--messages 2000] [--join-sockets 100] [--rooms-per-socket 50] [--join-cycles 4]
//      [--sockguard build|src|<module path>] [--no-pin] [--profile] [--out bench/results]
import os from 'node:os'
import { parseArgs } from 'node:util'
import { forkPeer, type Peer } from './rooms/rpc.js'
import {
  HS256_SECRET,
  PREFIX,
  SETUPS,
  type ClientCommands,
  type MemorySample,
  type ServerCommands,
  type Setup,
} from './rooms/protocol.js'
import { alternate } from './support/alternate.js'
import {
  createChildWatchdog,
  runMain,
  serverFlags,
  stopClientChild,
  stopServerChild,
} from './support/children.js'
import { consoleTable, fmtInt, fmtPct, fmtRatio, table } from './support/format.js'
import { hasTaskset } from './support/has-taskset.js'
import { intOption } from './support/int-option.js'
import { machineInfo, resultsHeader } from './support/results-header.js'
import { metric, type Metric } from './support/stats.js'
import {
  checkSockguardOption,
  describeSockguard,
  sockguardModule,
  startRun,
} from './support/sockguard-entry.js'
import { versionOf } from './support/version-of.js'
import { loadAround, resultsDir, runRecord, writeResults } from './support/write-results.js'

const ROOT = new URL('../', import.meta.url)
const PROFILE_DIR = new URL('.tmp/rooms-profiles/', ROOT)
/** Where `--sockguard build` compiles src/ with tsc (tsconfig.build.json, no declarations). */
const BUILD_DIR = new URL('.tmp/rooms-build/', ROOT)
/** Quiet time before a memory sample, so that handshakes and timers settle. */
const SETTLE_MS = 500
/** A phase that makes no progress for this long stops the run. */
const STALL_MS = 90_000
/** Rooms per socket in the memory phase (issue 13: 10 guarded rooms versus 10 plain rooms). */
const MEMORY_ROOMS = 10
/** Distinct room suffixes per room index in the memory phase: sockets share rooms 20 to a room. */
const MEMORY_SPREAD = 100
/** Messages published before the timed ones (JIT warm-up), and the chat payload's text length. */
const WARMUP_MESSAGES = 300
const PAYLOAD_BYTES = 64
/** Acknowledged requests each socket keeps in flight (joins, leaves, publishes). */
const JOIN_INFLIGHT = 5
const PUBLISH_INFLIGHT = 10
const CONCURRENCY = 50

/** Targets of issue 13. */
const BROADCAST_TARGET = 0.98
const JOIN_CPU_TARGET = 1.1
const MEMORY_TARGET = 1.05

const LABEL: Readonly<Record<Setup, string>> = {
  guarded: 'guarded: `team:*` rooms, matched by `rooms.policy`',
  plain: 'plain: `open:*` rooms, not in the policy (same guard)',
  hand: 'hand-written `join` handler, guard without `rooms`',
}

interface Options {
  readonly rounds: number
  readonly memorySockets: number
  readonly members: number
  readonly messages: number
  readonly joinSockets: number
  readonly roomsPerSocket: number
  readonly joinCycles: number
  /** Messages per room in the paired broadcast (guarded and unguarded room, one process). */
  readonly pairedMessages: number
  readonly slice: number
  readonly sockguard: string
  readonly pin: boolean
  readonly profile: boolean
  readonly maxMinutes: number
  readonly out: string
}

const USAGE = `Usage: npx tsx bench/rooms.ts [options]
  --rounds N            rounds; figures are the median round (5)
  --memory-sockets N    sockets in ${MEMORY_ROOMS} rooms each for the memory figure (2000)
  --members N           members of the broadcast room (200)
  --messages N          timed messages published to it (2000)
  --join-sockets N      sockets sending room:join / join (100)
  --rooms-per-socket N  rooms each joins, then leaves, per cycle (50; at most 100)
  --join-cycles N       timed join/leave cycles (4)
  --paired-messages N   messages per room in the paired broadcast (2000)
  --slice N             messages per slice of the paired broadcast (200)
  --sockguard build|src|<path>, --no-pin, --profile, --max-minutes N (20)
  --out DIR             results directory (bench/results)`

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      'memory-sockets': { type: 'string', default: '2000' },
      members: { type: 'string', default: '200' },
      messages: { type: 'string', default: '2000' },
      'join-sockets': { type: 'string', default: '100' },
      'rooms-per-socket': { type: 'string', default: '50' },
      'join-cycles': { type: 'string', default: '4' },
      'paired-messages': { type: 'string', default: '2000' },
      slice: { type: 'string', default: '200' },
      sockguard: { type: 'string', default: 'build' },
      'no-pin': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'max-minutes': { type: 'string', default: '20' },
      out: { type: 'string', default: 'bench/results' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  checkSockguardOption(values.sockguard)
  const int = (name: keyof typeof values, min: number, max: number): number =>
    intOption(values, name, min, max)
  return {
    rounds: int('rounds', 1, 9),
    memorySockets: int('memory-sockets', 10, 10_000),
    members: int('members', 1, 5_000),
    messages: int('messages', 10, 1_000_000),
    joinSockets: int('join-sockets', 1, 2_000),
    // The guard's default maxRoomsPerSocket is 100.
    roomsPerSocket: int('rooms-per-socket', 1, 100),
    joinCycles: int('join-cycles', 1, 50),
    pairedMessages: int('paired-messages', 10, 1_000_000),
    slice: int('slice', 10, 100_000),
    sockguard: values.sockguard,
    pin: !values['no-pin'] && os.cpus().length >= 2 && hasTaskset(),
    profile: values.profile,
    maxMinutes: int('max-minutes', 1, 60),
    out: values.out,
  }
}

// The run's children and watchdog (bench/support/children.ts).
const { children, watchdog, progress } = createChildWatchdog<
  Peer<ServerCommands> | Peer<ClientCommands>
>(STALL_MS)

// ---------------------------------------------------------------------------------------------
// One server process: sanity, memory, joins, broadcast.

interface MemoryFigure {
  readonly before: MemorySample
  readonly connected: MemorySample
  readonly joined: MemorySample
  /** (heapUsed + external) growth per socket, no sockets -> sockets in 10 rooms, bytes. */
  readonly perSocket: number
  /** The same, sockets connected -> sockets in 10 rooms: what the 10 memberships cost. */
  readonly roomsPerSocket: number
  readonly rssPerSocket: number
}

interface JoinFigure {
  /** Server CPU per join / per leave, µs. */
  readonly joinUs: number
  readonly leaveUs: number
  readonly joinUserUs: number
  readonly joinSystemUs: number
  /** Joins acknowledged per second on the client. */
  readonly joinsPerSec: number
}

interface BroadcastFigure {
  /** Messages received by the members, per second, from the first publish to the last delivery. */
  readonly deliveriesPerSec: number
  /** Server CPU per published message (sent to every member) and per delivery, µs. */
  readonly cpuUsPerMessage: number
  readonly cpuUsPerDelivery: number
}

/**
 * The guarded room and the unguarded room in one server process, with the same members, in
 * alternating slices: the side-by-side figure, least exposed to another process's load.
 */
interface PairedFigure {
  readonly guardedDeliveriesPerSec: number
  readonly unguardedDeliveriesPerSec: number
  readonly guardedCpuUsPerMessage: number
  readonly unguardedCpuUsPerMessage: number
}

interface Sample {
  readonly memory: MemoryFigure
  readonly paired: PairedFigure | null
  readonly join: JoinFigure | null
  readonly broadcast: BroadcastFigure
  /** Timed windows on the monotonic clock (µs), for cutting a --cpu-prof profile. */
  readonly windows: Readonly<Record<string, readonly [number, number]>>
}

const perSocketOf = (a: MemorySample, b: MemorySample, n: number): number =>
  (b.heapUsed + b.external - a.heapUsed - a.external) / n

async function serverCase(
  client: Peer<ClientCommands>,
  setup: Setup,
  options: Options,
  round: number,
  sanity: Map<Setup, string[]>,
): Promise<Sample> {
  const where = `${setup} round ${round + 1}`
  progress(`start of ${where}`)
  const flags = serverFlags(
    options.profile ? new URL(`${setup}-r${round + 1}/`, PROFILE_DIR) : undefined,
  )
  const server = forkPeer<ServerCommands>(
    `server(${setup})`,
    new URL('rooms/server.ts', import.meta.url),
    ROOT,
    flags,
    options.pin ? 0 : undefined,
  )
  children.add(server)
  const prefix = PREFIX[setup]
  const windows: Record<string, readonly [number, number]> = {}
  try {
    const { port } = await server.call(
      'start',
      { setup, key: HS256_SECRET, sockguard: sockguardModule(options.sockguard, ROOT, BUILD_DIR) },
      60_000,
    )
    const url = `http://127.0.0.1:${port}`
    progress(`sanity check of ${where}`)
    sanity.set(setup, await client.call('sanity', { url, setup, token: 0 }))
    await server.call('drained', null)
    let token = 2

    // Memory: no sockets -> M sockets -> M sockets in 10 rooms each (server-side joins).
    progress(`memory of ${where}`)
    const m = options.memorySockets
    const before = await server.call('memory', { settleMs: SETTLE_MS })
    await client.call('connect', {
      group: 'mem',
      url,
      from: token,
      count: m,
      concurrency: CONCURRENCY,
    })
    token += m
    const connected = await server.call('memory', { settleMs: SETTLE_MS })
    const { memberships } = await server.call('joinAll', {
      prefix: `${prefix}m`,
      perSocket: MEMORY_ROOMS,
      spread: MEMORY_SPREAD,
      except: [],
    })
    if (memberships !== m * MEMORY_ROOMS)
      throw new Error(`${where}: ${memberships} memberships, expected ${m * MEMORY_ROOMS}`)
    const joined = await server.call('memory', { settleMs: SETTLE_MS })
    if (joined.clients !== m)
      throw new Error(`${where}: ${joined.clients} connections, expected ${m}`)
    await client.call('disconnect', { group: 'mem' })
    await server.call('drained', null)
    const memory: MemoryFigure = {
      before,
      connected,
      joined,
      perSocket: perSocketOf(before, joined, m),
      roomsPerSocket: perSocketOf(connected, joined, m),
      rssPerSocket: (joined.rss - before.rss) / m,
    }

    // Joins: S sockets each join K rooms with acknowledged requests, then leave them; one untimed
    // cycle, then the timed ones.
    let join: JoinFigure | null = null
    if (setup !== 'plain') {
      progress(`joins of ${where}`)
      const s = options.joinSockets
      const k = options.roomsPerSocket
      await client.call('connect', {
        group: 'join',
        url,
        from: token,
        count: s,
        concurrency: CONCURRENCY,
      })
      token += s
      const [joinEvent, leaveEvent] =
        setup === 'hand' ? ['join', 'leave'] : ['room:join', 'room:leave']
      const rooms = (event: string) =>
        client.call('rooms', {
          group: 'join',
          event,
          prefix: `${prefix}j`,
          perSocket: k,
          inflight: JOIN_INFLIGHT,
        })
      await rooms(joinEvent)
      await rooms(leaveEvent)
      let joinCpu = 0
      let joinUser = 0
      let joinSystem = 0
      let leaveCpu = 0
      let joinMs = 0
      for (let c = 0; c < options.joinCycles; c++) {
        progress(`joins of ${where}, cycle ${c + 1}`)
        const t0 = await server.call('cpu', null)
        const { ms } = await rooms(joinEvent)
        const t1 = await server.call('cpu', null)
        const members = await server.call('members', { room: `${prefix}j0` })
        if (members !== s)
          throw new Error(`${where}: ${members} members of ${prefix}j0, expected ${s}`)
        await rooms(leaveEvent)
        const t2 = await server.call('cpu', null)
        windows[`join-${c + 1}`] = [t0.monoUs, t1.monoUs]
        joinCpu += t1.cpuUs - t0.cpuUs
        joinUser += t1.userUs - t0.userUs
        joinSystem += t1.systemUs - t0.systemUs
        leaveCpu += t2.cpuUs - t1.cpuUs
        joinMs += ms
      }
      const n = s * k * options.joinCycles
      join = {
        joinUs: joinCpu / n,
        leaveUs: leaveCpu / n,
        joinUserUs: joinUser / n,
        joinSystemUs: joinSystem / n,
        joinsPerSec: n / (joinMs / 1000),
      }
      await client.call('disconnect', { group: 'join' })
      await server.call('drained', null)
    }

    // Broadcast: N members in one room (server-side joins), one publisher outside it.
    progress(`broadcast of ${where}`)
    const room = `${prefix}all`
    const { ids } = await client.call('connect', {
      group: 'pub',
      url,
      from: token,
      count: 1,
      concurrency: 1,
    })
    token += 1
    await client.call('connect', {
      group: 'members',
      url,
      from: token,
      count: options.members,
      concurrency: CONCURRENCY,
    })
    const { members } = await server.call('joinOne', { room, except: ids })
    if (members !== options.members)
      throw new Error(`${where}: ${members} members of ${room}, expected ${options.members}`)
    const publish = (messages: number, to = room) =>
      client.call(
        'broadcast',
        {
          publisher: 'pub',
          members: 'members',
          room: to,
          messages,
          inflight: PUBLISH_INFLIGHT,
          payloadBytes: PAYLOAD_BYTES,
        },
        300_000,
      )
    await publish(WARMUP_MESSAGES)
    const b0 = await server.call('cpu', null)
    const { ms, deliveries } = await publish(options.messages)
    const b1 = await server.call('cpu', null)
    windows.broadcast = [b0.monoUs, b1.monoUs]
    const broadcast: BroadcastFigure = {
      deliveriesPerSec: deliveries / (ms / 1000),
      cpuUsPerMessage: (b1.cpuUs - b0.cpuUs) / options.messages,
      cpuUsPerDelivery: (b1.cpuUs - b0.cpuUs) / deliveries,
    }

    // Paired (the guarded process only): the same members also in the unguarded room of the same
    // guard, and the publisher alternating slices between the two rooms.
    let paired: PairedFigure | null = null
    if (setup === 'guarded') {
      progress(`paired broadcast of ${where}`)
      const open = `${PREFIX.plain}all`
      const joinedOpen = await server.call('joinOne', { room: open, except: ids })
      if (joinedOpen.members !== options.members)
        throw new Error(`${where}: ${joinedOpen.members} members of ${open}`)
      await publish(WARMUP_MESSAGES, open)
      const zero = () => ({ ms: 0, deliveries: 0, cpuUs: 0, messages: 0 })
      const g = zero()
      const u = zero()
      const slices = Math.ceil(options.pairedMessages / options.slice)
      for (let i = 0; i < slices; i++) {
        progress(`paired broadcast of ${where}, slice ${i + 1}`)
        for (const to of i % 2 === 0 ? [room, open] : [open, room]) {
          const c0 = await server.call('cpu', null)
          const slice = await publish(options.slice, to)
          const c1 = await server.call('cpu', null)
          const t = to === room ? g : u
          t.ms += slice.ms
          t.deliveries += slice.deliveries
          t.cpuUs += c1.cpuUs - c0.cpuUs
          t.messages += options.slice
        }
      }
      paired = {
        guardedDeliveriesPerSec: g.deliveries / (g.ms / 1000),
        unguardedDeliveriesPerSec: u.deliveries / (u.ms / 1000),
        guardedCpuUsPerMessage: g.cpuUs / g.messages,
        unguardedCpuUsPerMessage: u.cpuUs / u.messages,
      }
    }
    await client.call('disconnect', { group: 'pub' })
    await client.call('disconnect', { group: 'members' })
    await server.call('drained', null)
    return { memory, paired, join, broadcast, windows }
  } finally {
    progress(`stop of ${where}`)
    await stopServerChild(server, children)
  }
}

// ---------------------------------------------------------------------------------------------

interface Target {
  readonly name: string
  readonly target: string
  readonly value: number
  readonly pass: boolean
}

function roundsOf(samples: Map<Setup, Sample[]>, setup: Setup, pick: (s: Sample) => number | null) {
  return (samples.get(setup) ?? []).flatMap((s) => {
    const v = pick(s)
    return v === null ? [] : [v]
  })
}

async function main(): Promise<void> {
  const options = parseOptions()
  const { command, fdLimit, started, source } = startRun(
    'bench/rooms.ts',
    options,
    { root: ROOT, buildDir: BUILD_DIR },
    watchdog,
  )
  const client = forkPeer<ClientCommands>(
    'client',
    new URL('rooms/client.ts', import.meta.url),
    ROOT,
    [],
    options.pin ? 1 : undefined,
  )
  children.add(client)
  progress('minting tokens')
  await client.call('prepare', {
    key: HS256_SECRET,
    count: 8 + options.memorySockets + options.joinSockets + options.members,
  })

  const loadBefore = os.loadavg()
  const sanity = new Map<Setup, string[]>()
  const samples = new Map<Setup, Sample[]>()
  for (let round = 0; round < options.rounds; round++) {
    for (const setup of alternate(SETUPS, round)) {
      const s = await serverCase(client, setup, options, round, sanity)
      samples.set(setup, [...(samples.get(setup) ?? []), s])
      console.log(
        `round ${round + 1} ${setup.padEnd(7)} ${fmtInt(s.broadcast.deliveriesPerSec)} deliveries/s, ${s.broadcast.cpuUsPerMessage.toFixed(1)} µs CPU/message` +
          (s.paired === null
            ? ''
            : ` (paired: guarded ${fmtInt(s.paired.guardedDeliveriesPerSec)} / unguarded ${fmtInt(s.paired.unguardedDeliveriesPerSec)} = ${fmtRatio(s.paired.guardedDeliveriesPerSec / s.paired.unguardedDeliveriesPerSec, 3)})`) +
          (s.join === null ? '' : `, ${s.join.joinUs.toFixed(1)} µs CPU/join`) +
          `, ${fmtInt(s.memory.perSocket)} B/socket (rooms ${fmtInt(s.memory.roomsPerSocket)} B)`,
      )
      if (options.profile)
        console.log(
          `  windows (monotonic µs): ${Object.entries(s.windows)
            .map(([k, w]) => `${k} ${w.join('-')}`)
            .join(', ')}`,
        )
    }
  }
  const load = loadAround(loadBefore)
  await stopClientChild(client, children)

  const of = (setup: Setup, pick: (s: Sample) => number | null) => roundsOf(samples, setup, pick)
  const vs = (pick: (s: Sample) => number | null, setup: Setup, base: Setup): Metric =>
    metric(of(setup, pick), of(base, pick))
  const deliveries = (s: Sample) => s.broadcast.deliveriesPerSec
  const perMessage = (s: Sample) => s.broadcast.cpuUsPerMessage
  const joinUs = (s: Sample) => s.join?.joinUs ?? null
  const leaveUs = (s: Sample) => s.join?.leaveUs ?? null
  const joinsPerSec = (s: Sample) => s.join?.joinsPerSec ?? null
  const memPerSocket = (s: Sample) => s.memory.perSocket
  const memRooms = (s: Sample) => s.memory.roomsPerSocket
  const rss = (s: Sample) => s.memory.rssPerSocket

  const pairedOf = (pick: (p: PairedFigure) => number) =>
    of('guarded', (s) => (s.paired === null ? null : pick(s.paired)))
  const results = {
    paired: {
      deliveriesPerSec: metric(
        pairedOf((p) => p.guardedDeliveriesPerSec),
        pairedOf((p) => p.unguardedDeliveriesPerSec),
      ),
      unguardedDeliveriesPerSec: metric(
        pairedOf((p) => p.unguardedDeliveriesPerSec),
        pairedOf((p) => p.unguardedDeliveriesPerSec),
      ),
      cpuUsPerMessage: metric(
        pairedOf((p) => p.guardedCpuUsPerMessage),
        pairedOf((p) => p.unguardedCpuUsPerMessage),
      ),
      unguardedCpuUsPerMessage: metric(
        pairedOf((p) => p.unguardedCpuUsPerMessage),
        pairedOf((p) => p.unguardedCpuUsPerMessage),
      ),
    },
    broadcast: {
      guarded: {
        deliveriesPerSec: vs(deliveries, 'guarded', 'plain'),
        cpuUsPerMessage: vs(perMessage, 'guarded', 'plain'),
      },
      plain: {
        deliveriesPerSec: vs(deliveries, 'plain', 'plain'),
        cpuUsPerMessage: vs(perMessage, 'plain', 'plain'),
      },
      hand: {
        deliveriesPerSec: vs(deliveries, 'hand', 'plain'),
        cpuUsPerMessage: vs(perMessage, 'hand', 'plain'),
      },
    },
    join: {
      guarded: {
        cpuUsPerJoin: vs(joinUs, 'guarded', 'hand'),
        cpuUsPerLeave: vs(leaveUs, 'guarded', 'hand'),
        joinsPerSec: vs(joinsPerSec, 'guarded', 'hand'),
      },
      hand: {
        cpuUsPerJoin: vs(joinUs, 'hand', 'hand'),
        cpuUsPerLeave: vs(leaveUs, 'hand', 'hand'),
        joinsPerSec: vs(joinsPerSec, 'hand', 'hand'),
      },
    },
    memory: {
      guarded: {
        perSocket: vs(memPerSocket, 'guarded', 'plain'),
        roomsPerSocket: vs(memRooms, 'guarded', 'plain'),
        rssPerSocket: vs(rss, 'guarded', 'plain'),
      },
      plain: {
        perSocket: vs(memPerSocket, 'plain', 'plain'),
        roomsPerSocket: vs(memRooms, 'plain', 'plain'),
        rssPerSocket: vs(rss, 'plain', 'plain'),
      },
      hand: {
        perSocket: vs(memPerSocket, 'hand', 'plain'),
        roomsPerSocket: vs(memRooms, 'hand', 'plain'),
        rssPerSocket: vs(rss, 'hand', 'plain'),
      },
    },
  }
  const targets: Target[] = [
    {
      name: 'broadcast deliveries/s, guarded room vs the same room unguarded (paired, one process)',
      target: `>= ${BROADCAST_TARGET.toFixed(2)}x`,
      value: results.paired.deliveriesPerSec.ratio,
      pass: results.paired.deliveriesPerSec.ratio >= BROADCAST_TARGET,
    },
    {
      name: 'server CPU per room:join vs a hand-written join handler',
      target: `<= ${JOIN_CPU_TARGET.toFixed(2)}x`,
      value: results.join.guarded.cpuUsPerJoin.ratio,
      pass: results.join.guarded.cpuUsPerJoin.ratio <= JOIN_CPU_TARGET,
    },
    {
      name: `memory per socket in ${MEMORY_ROOMS} guarded rooms vs ${MEMORY_ROOMS} plain rooms`,
      target: `<= ${MEMORY_TARGET.toFixed(2)}x`,
      value: results.memory.guarded.perSocket.ratio,
      pass: results.memory.guarded.perSocket.ratio <= MEMORY_TARGET,
    },
  ]

  const machine = machineInfo(fdLimit)
  const versions = {
    sockguard: versionOf(ROOT, undefined),
    'socket.io': versionOf(ROOT, 'socket.io'),
    'socket.io-client': versionOf(ROOT, 'socket.io-client'),
    'socket.io-adapter': versionOf(ROOT, 'socket.io-adapter'),
    'engine.io': versionOf(ROOT, 'engine.io'),
    ws: versionOf(ROOT, 'ws'),
    tsx: versionOf(ROOT, 'tsx'),
  }
  const date = new Date().toISOString()
  const minutes = (Date.now() - started) / 60_000
  const r = (m: Metric, digits = 1) => [
    m.median.toFixed(digits),
    fmtRatio(m.ratio),
    fmtPct(m.spreadPct),
  ]

  const broadcastRows = SETUPS.map((setup) => {
    const b = results.broadcast[setup]
    return [
      LABEL[setup],
      fmtInt(b.deliveriesPerSec.median),
      fmtRatio(b.deliveriesPerSec.ratio),
      fmtPct(b.deliveriesPerSec.spreadPct),
      ...r(b.cpuUsPerMessage),
    ]
  })
  const joinRows = (['guarded', 'hand'] as const).map((setup) => {
    const j = results.join[setup]
    return [
      setup === 'guarded' ? "client `room:join` `{ room }` (the guard's listener)" : LABEL.hand,
      ...r(j.cpuUsPerJoin),
      ...r(j.cpuUsPerLeave).slice(0, 2),
      fmtInt(j.joinsPerSec.median),
    ]
  })
  const memoryRows = SETUPS.map((setup) => {
    const m = results.memory[setup]
    return [
      LABEL[setup],
      fmtInt(m.perSocket.median),
      fmtRatio(m.perSocket.ratio),
      fmtPct(m.perSocket.spreadPct),
      fmtInt(m.roomsPerSocket.median),
      fmtRatio(m.roomsPerSocket.ratio),
      fmtInt(m.rssPerSocket.median),
    ]
  })

  console.log()
  console.log(
    consoleTable(
      ['Broadcast', '', 'deliveries/s', 'vs plain', 'spread', 'CPU µs/msg', 'vs plain', 'spread'],
      broadcastRows.map((row, i) => [SETUPS[i]!, '', ...row.slice(1)]),
    ),
  )
  console.log()
  console.log(
    consoleTable(
      ['Join', '', 'CPU µs/join', 'vs hand', 'spread', 'CPU µs/leave', 'vs hand', 'joins/s'],
      joinRows.map((row, i) => [i === 0 ? 'guarded' : 'hand', '', ...row.slice(1)]),
    ),
  )
  console.log()
  console.log(
    consoleTable(
      [
        'Memory',
        '',
        'B/socket',
        'vs plain',
        'spread',
        'rooms B/socket',
        'vs plain',
        'RSS B/socket',
      ],
      memoryRows.map((row, i) => [SETUPS[i]!, '', ...row.slice(1)]),
    ),
  )
  console.log()
  console.log(
    `Paired broadcast: guarded ${fmtInt(results.paired.deliveriesPerSec.median)} vs unguarded ${fmtInt(results.paired.unguardedDeliveriesPerSec.median)} deliveries/s, ratio ${fmtRatio(results.paired.deliveriesPerSec.ratio, 3)}; server CPU/message ratio ${fmtRatio(results.paired.cpuUsPerMessage.ratio, 3)}`,
  )
  console.log()
  for (const t of targets)
    console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.name} ${t.target}: ${fmtRatio(t.value, 3)}`)

  const md = [
    '# Room authorization cost',
    '',
    ...resultsHeader({
      date,
      machine,
      load: `before / after the rounds: ${load.before} / ${load.after}; run time ${minutes.toFixed(1)} min`,
      versions,
      command,
    }),
    `- sockguard: ${source}, ${describeSockguard(options.sockguard, 'rooms-build')}`,
    `- Method: server and clients in separate processes on 127.0.0.1; a fresh server process (\`node --expose-gc\`) per setup and round, ${options.rounds} round${options.rounds === 1 ? '' : 's'}, setups in alternating order; one client process (socket.io-client, WebSocket only). Every setup attaches a guard (HS256); \`guarded\` and \`plain\` share the policy \`{ 'team:{name}': requireScope('chat') }\` and differ only in the room names (\`team:*\` matched, \`open:*\` unlisted); \`hand\` has no \`rooms\` and a hand-written \`join\` handler with the same check. Per server, in this order: sanity checks; memory; joins (not \`plain\`: a client cannot join an unlisted room); broadcast. Each figure is the median round; "vs" is the median of the per-round ratios to the baseline of the same round (the ratio of medians is in the JSON); spread is half the min-max range of the rounds.`,
    `- Memory: forced-GC samples (\`memoryUsage()\`, heapUsed + external) with no socket, after ${fmtInt(options.memorySockets)} sockets connected, and after each joined ${MEMORY_ROOMS} rooms server-side (\`socket.join([...])\`; room k of socket i is \`<prefix>m<k>-<i % ${MEMORY_SPREAD}>\`: ${MEMORY_ROOMS * MEMORY_SPREAD} rooms of ${fmtInt(options.memorySockets / MEMORY_SPREAD)} members). B/socket = growth from no socket to sockets in rooms, / sockets (the target's figure); "rooms B/socket" = growth from connected to joined, / sockets (the memberships alone).`,
    `- Joins: ${options.joinSockets} sockets each send ${options.roomsPerSocket} acknowledged joins (\`room:join\` \`{ room }\` to the guard, or \`join\` with the name to the hand-written handler), ${JOIN_INFLIGHT} in flight per socket, to the rooms \`team:j0\` .. \`team:j${options.roomsPerSocket - 1}\` (shared by the sockets), then leave them (\`room:leave\` / \`leave\`); one untimed cycle, then ${options.joinCycles} timed. Server CPU = process.cpuUsage() (user + system) of the server process over the joins of a cycle, summed, / ${fmtInt(options.joinSockets * options.roomsPerSocket * options.joinCycles)} joins (leaves likewise). Every ack must be \`{ ok: true }\`.`,
    `- Broadcast: ${options.members} members joined server-side to one room (\`team:all\` or \`open:all\`), one publisher outside it sending \`publish\` (room, \`{ n, room, text }\` with ${PAYLOAD_BYTES} characters of text) with an ack, ${PUBLISH_INFLIGHT} in flight; the server relays with \`socket.to(room).emit('msg', payload)\` and acks. ${WARMUP_MESSAGES} warm-up messages, then ${fmtInt(options.messages)} timed: deliveries/s on the client from the first publish to the last message received by the last member (every member must get every message, in order); server CPU per published message over the same window.`,
    `- CPU pinning: ${options.pin ? 'the server child on CPU 0, the client child on CPU 1 (taskset)' : 'none'}.`,
    `- 2 cores: the client process (${options.members} members decoding every message) competes with the server, so deliveries/s measures the pair; server CPU per message is measured inside the server process alone.`,
    '',
    '## Targets (issue 13, one run, side by side)',
    '',
    table(
      ['Measure', 'Target', 'Measured', 'Result'],
      '| --- | --- | ---: | --- |',
      targets.map((t) => [t.name, t.target, fmtRatio(t.value, 3), t.pass ? 'PASS' : 'MISS']),
    ),
    '',
    '## Broadcast: guarded and unguarded room in one process (paired)',
    '',
    `In the \`guarded\` server process of each round, after its own broadcast phase: the same ${options.members} members also joined \`open:all\` (unlisted, same guard), then ${fmtInt(options.pairedMessages)} messages per room in slices of ${options.slice}, the rooms alternating slice by slice (order swapped every slice); each slice timed from its first publish to its last delivery, server CPU sampled around it. "vs unguarded" is the median of the per-round ratios; this is the target's figure.`,
    '',
    table(
      [
        'Room',
        'deliveries/s',
        'vs unguarded',
        'spread',
        'server CPU µs/message',
        'vs unguarded',
        'spread',
      ],
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      [
        [
          '`team:all` (guarded: matched by `team:{name}`)',
          fmtInt(results.paired.deliveriesPerSec.median),
          fmtRatio(results.paired.deliveriesPerSec.ratio, 3),
          fmtPct(results.paired.deliveriesPerSec.spreadPct),
          results.paired.cpuUsPerMessage.median.toFixed(1),
          fmtRatio(results.paired.cpuUsPerMessage.ratio, 3),
          fmtPct(results.paired.cpuUsPerMessage.spreadPct),
        ],
        [
          '`open:all` (unguarded: in no pattern)',
          fmtInt(results.paired.unguardedDeliveriesPerSec.median),
          '1.000x',
          fmtPct(results.paired.unguardedDeliveriesPerSec.spreadPct),
          results.paired.unguardedCpuUsPerMessage.median.toFixed(1),
          '1.000x',
          fmtPct(results.paired.unguardedCpuUsPerMessage.spreadPct),
        ],
      ],
    ),
    '',
    'Per-round ratios (guarded / unguarded deliveries/s): ' +
      results.paired.deliveriesPerSec.roundRatios.map((x) => x.toFixed(3)).join(', ') +
      '.',
    '',
    '## Broadcast to one room, one server process per setup',
    '',
    "Each setup's own process (see Method); a busy machine moves these figures far more than the paired ones, as the setups of a round run about 15 s apart.",
    '',
    table(
      [
        'Setup',
        'deliveries/s',
        'vs plain',
        'spread',
        'server CPU µs/message',
        'vs plain',
        'spread',
      ],
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      broadcastRows,
    ),
    '',
    '## Server CPU per join',
    '',
    table(
      ['Setup', 'CPU µs/join', 'vs hand', 'spread', 'CPU µs/leave', 'vs hand', 'joins/s (client)'],
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      joinRows,
    ),
    '',
    '## Memory per socket in 10 rooms',
    '',
    table(
      ['Setup', 'B/socket', 'vs plain', 'spread', 'rooms B/socket', 'vs plain', 'RSS B/socket'],
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      memoryRows,
    ),
    '',
    '## Sanity checks (each server, before timing)',
    '',
    ...[...sanity].map(([setup, checks]) => `- ${setup}: ${checks.join('; ')}`),
    '',
  ].join('\n')

  const json = {
    ...runRecord({ date, machine, versions, command, source, load, minutes }),
    options: {
      ...options,
      memoryRooms: MEMORY_ROOMS,
      memorySpread: MEMORY_SPREAD,
      warmupMessages: WARMUP_MESSAGES,
      payloadBytes: PAYLOAD_BYTES,
      joinInflight: JOIN_INFLIGHT,
      publishInflight: PUBLISH_INFLIGHT,
      concurrency: CONCURRENCY,
      settleMs: SETTLE_MS,
    },
    results,
    targets,
    rounds: Object.fromEntries(samples),
    sanity: Object.fromEntries(sanity),
  }
  writeResults(resultsDir(options.out), options.out, 'rooms', md, json)
  if (options.profile) console.log(`CPU profiles in ${PROFILE_DIR.pathname}`)
}

await runMain(main, children)
