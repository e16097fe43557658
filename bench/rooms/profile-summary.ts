// Summarises the server profiles of `npx tsx bench/rooms.ts --profile`, cut to the timed windows
// that the results JSON records (the timed join cycles, or the timed broadcast): per setup,
// the busy time in the window, the share in sockguard's own code, the hottest functions by self
// time, and the inclusive time of the functions named with --focus.
// Run: npx tsx bench/rooms/profile-summary.ts <rooms.json> [.tmp/rooms-profiles] [--window join]
//      [--top 15] [--focus onJoin,answer,decideFor,match]
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
  readonly children?: readonly number[]
}

interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly startTime: number
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

interface RoundSample {
  readonly windows: Readonly<Record<string, readonly [number, number]>>
}

const isSockguard = (url: string): boolean =>
  url.includes('/.tmp/rooms-build/') || url.includes('/src/')
const short = (url: string): string =>
  url.replace(/^.*\/(node_modules|\.tmp\/rooms-build|src|bench)\//, '$1/')

function summarise(
  file: string,
  windows: readonly (readonly [number, number])[],
  top: number,
  focus: readonly string[],
): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let total = 0
  let sockguard = 0
  let t = profile.startTime
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    t += us
    if (!windows.some(([from, to]) => t >= from && t <= to)) return
    const frame = byId.get(id)?.callFrame
    if (frame === undefined || frame.functionName === '(idle)') return
    total += us
    if (isSockguard(frame.url)) sockguard += us
    const key = `${frame.functionName || '(anonymous)'} ${short(frame.url)}:${frame.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + us)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)?.callFrame.functionName ?? ''
      if (focus.includes(name) && !seen.has(name)) {
        seen.add(name)
        inclusive.set(name, (inclusive.get(name) ?? 0) + us)
      }
    }
  })
  console.log(
    `\n${file}\n  busy ${(total / 1000).toFixed(1)} ms in the window; sockguard's code (self) ${((sockguard / Math.max(total, 1)) * 100).toFixed(1)}%`,
  )
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
  for (const name of focus)
    console.log(
      `  inclusive ${name}: ${(((inclusive.get(name) ?? 0) / Math.max(total, 1)) * 100).toFixed(1)}%`,
    )
}

const { values, positionals } = parseArgs({
  options: {
    window: { type: 'string', default: 'join' },
    top: { type: 'string', default: '15' },
    focus: { type: 'string', default: 'onJoin,answer,admit,decideFor,match,runRule,joinChecked' },
  },
  allowPositionals: true,
})
const [resultsFile, dir = '.tmp/rooms-profiles'] = positionals
if (resultsFile === undefined)
  throw new Error('usage: profile-summary.ts <rooms.json> [profile dir]')
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
  rounds: Record<string, RoundSample[]>
}
for (const [setup, rounds] of Object.entries(results.rounds)) {
  rounds.forEach((round, r) => {
    // Every window named `--window` or `--window-<n>` (the timed join cycles are join-1 .. join-N).
    const windows = Object.entries(round.windows)
      .filter(([name]) => name === values.window || name.startsWith(`${values.window}-`))
      .map(([, w]) => w)
    if (windows.length === 0) return
    const sub = join(dir, `${setup}-r${r + 1}`)
    let files: string[]
    try {
      files = readdirSync(sub).filter((f) => f.endsWith('.cpuprofile'))
    } catch {
      return
    }
    // The main thread's profile (tsx's loader thread writes the other).
    for (const f of files.sort())
      summarise(join(sub, f), windows, Number(values.top), values.focus.split(','))
  })
}
