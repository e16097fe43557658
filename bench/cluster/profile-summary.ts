// Summarises the node profiles of `npx tsx bench/cluster.ts --profile`: for each node process,
// the share of its sampled CPU (main thread, start-up included) spent in sockguard's own code,
// and its hottest functions.
// Run: npx tsx bench/cluster/profile-summary.ts [.tmp/cluster-profiles] [--top 12]
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: {
    readonly functionName: string
    readonly url: string
    readonly lineNumber: number
  }
}

interface Profile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

/** sockguard's own files: the tsc build the benchmark makes, or src/ through tsx. */
const isSockguard = (url: string): boolean =>
  url.includes('/.tmp/cluster-build/') || url.includes('/main/src/')

function summarise(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const self = new Map<string, number>()
  let total = 0
  let sockguard = 0
  let idle = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    const frame = byId.get(id)?.callFrame
    if (frame === undefined) return
    if (frame.functionName === '(idle)') {
      idle += us
      return
    }
    total += us
    if (isSockguard(frame.url)) sockguard += us
    const short = frame.url.replace(/^.*\/(node_modules|\.tmp|src)\//, '$1/')
    const key = `${frame.functionName || '(anonymous)'} ${short}:${frame.lineNumber + 1}`
    self.set(key, (self.get(key) ?? 0) + us)
  })
  if (total === 0) return
  console.log(
    `\n${file}\n  busy ${(total / 1000).toFixed(0)} ms (idle ${(idle / 1000).toFixed(0)} ms); sockguard's code ${((sockguard / total) * 100).toFixed(2)}% of busy`,
  )
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
}

function profiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return profiles(path)
    // The main thread's profile; `.1.002` and above are tsx's loader thread.
    return name.endsWith('.0.001.cpuprofile') ? [path] : []
  })
}

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '12' } },
  allowPositionals: true,
})
for (const file of profiles(positionals[0] ?? '.tmp/cluster-profiles').sort())
  summarise(file, Number(values.top))
