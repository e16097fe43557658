// The security suite's large runs, one after the other, and their result as
// bench/results/security-fuzz.md: the differential verifier run against jose
// (scripts/differential.ts) and the handshake fuzzer (scripts/fuzz-handshake.ts).
//   nice -n 10 npx tsx scripts/security-runs.ts [--cases 1000000] [--handshakes 100000]
import { spawn } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  const value = i === -1 ? fallback : Number(process.argv[i + 1])
  if (!Number.isInteger(value) || value < 1) {
    console.error('usage: npx tsx scripts/security-runs.ts [--cases N] [--handshakes N]')
    process.exit(2)
  }
  return value
}

const cases = argument('cases', 1_000_000)
const handshakes = argument('handshakes', 100_000)

/** Runs `args` with tsx; resolves with its exit code, stdout and wall time. */
function run(args: string[]): Promise<{ code: number; stdout: string; seconds: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      resolve({ code: code ?? 1, stdout, seconds: (performance.now() - started) / 1000 })
    })
  })
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`
const loadBefore = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')

const differentialCommand = ['scripts/differential.ts', '--cases', String(cases)]
const differential = await run(differentialCommand)
const line = differential.stdout.trim().split('\n').at(-1) ?? ''
const field = (name: string): string => new RegExp(`${name}=(\\S+)`).exec(line)?.[1] ?? '?'

const json = join(tmpdir(), `fuzz-handshake-${process.pid}.json`)
const fuzzCommand = ['scripts/fuzz-handshake.ts', '--cases', String(handshakes), '--json', json]
const fuzz = await run(fuzzCommand)
const summary = JSON.parse(readFileSync(json, 'utf8')) as Record<string, unknown>
rmSync(json, { force: true })
const loadAfter = loadavg()
  .map((l) => l.toFixed(1))
  .join(' ')

const outcomes = Object.entries(summary.outcomes as Record<string, number>)
  .sort(([, a], [, b]) => b - a)
  .map(([name, count]) => `${name} ${count}`)
  .join(', ')
const report = `# Security suite: large runs

Latest result of \`nice -n 10 npx tsx scripts/security-runs.ts --cases ${cases} --handshakes ${handshakes}\`
(${new Date().toISOString().slice(0, 10)}). The small versions of both run in \`npm test\`
(test/unit/verifier/differential.test.ts, test/e2e/security/handshake-fuzz.test.ts).

Machine: ${machine}; load average ${loadBefore} before, ${loadAfter} after (other work was
running: the figures are wall time on a shared 2-core machine).

## Differential verifier run against jose

Command: \`npx tsx ${differentialCommand.join(' ')}\` (exit code ${differential.code})

| cases | disagreements | both accept | both reject | seed | run time |
| ---: | ---: | ---: | ---: | ---: | ---: |
| ${field('cases')} | ${field('disagreements')} | ${field('bothAccept')} | ${field('bothReject')} | ${field('seed')} | ${differential.seconds.toFixed(0)} s |

Cases where sockguard is stricter by a documented rule (not failures): \`${field('classified')}\`

## Handshake fuzzing over real sockets

Command: \`npx tsx ${fuzzCommand.slice(0, 3).join(' ')}\` (exit code ${fuzz.code}); one guarded
server on 127.0.0.1 reading auth, header, cookie and query; socket.io-client over WebSocket and
long-polling, ${String(summary.concurrency)} clients at a time; each case bounded to 10 s.

| cases | failures | unhandled rejections / uncaught exceptions | run time | cases/s | slowest case |
| ---: | ---: | ---: | ---: | ---: | ---: |
| ${String(summary.cases)} | ${String(summary.failures)} | ${String(summary.processErrors)} | ${String(summary.seconds)} s | ${String(summary.casesPerSecond)} | ${String(summary.slowestCaseMs)} ms |

Outcomes: ${outcomes}.

Heap after forced GC: ${String(summary.heapBeforeMiB)} MiB after the warm-up, ${String(summary.heapAfterMiB)} MiB at the end; peak RSS ${String(summary.peakRssMiB)} MiB.
`
writeFileSync(new URL('../bench/results/security-fuzz.md', import.meta.url), report)
console.log(report)
process.exitCode = differential.code === 0 && fuzz.code === 0 ? 0 : 1
