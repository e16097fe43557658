// The large handshake fuzzing run: the generator and checks of
// test/e2e/security/handshake-fuzz.test.ts, run for many cases against one guarded server on
// loopback, a few clients at a time. Counts every failure instead of stopping at the first, and
// watches the process (unhandled rejections, uncaught exceptions) and the heap.
//   npx tsx scripts/fuzz-handshake.ts --cases 100000 [--seed S] [--concurrency 8] [--json file]
import { writeFileSync } from 'node:fs'
import fc from 'fast-check'
import {
  handshakeCase,
  runHandshakeCase,
  startFuzzServer,
} from '../test/e2e/security/handshake-fuzz.js'
import { settledHeap } from '../test/e2e/security/support.js'

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}

const cases = Number(argument('cases') ?? 10_000)
const seed = Number(argument('seed') ?? 20_261_129)
const concurrency = Number(argument('concurrency') ?? 8)
const jsonPath = argument('json')
if (![cases, seed, concurrency].every(Number.isInteger) || cases < 1 || concurrency < 1) {
  console.error('usage: npx tsx scripts/fuzz-handshake.ts [--cases N] [--seed S] [--concurrency C]')
  process.exit(2)
}

const BATCH = 1_000
const CASE_TIMEOUT_MS = 10_000
const MAX_REPORTED = 5

const processErrors: string[] = []
const onProcessError = (error: unknown): void => {
  processErrors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error))
}
process.on('unhandledRejection', onProcessError)
process.on('uncaughtException', onProcessError)

const server = await startFuzzServer()
const outcomes: Record<string, number> = {}
const failures: string[] = []
let done = 0
let slowestMs = 0

// Warm-up, so the heap baseline includes what every case reuses.
for (const fuzz of fc.sample(handshakeCase, { numRuns: 200, seed: seed - 1 }))
  await runHandshakeCase(server, fuzz, CASE_TIMEOUT_MS)
const heapBefore = settledHeap()
const started = performance.now()
let peakRss = process.memoryUsage().rss

for (let batch = 0; done < cases; batch++) {
  const size = Math.min(BATCH, cases - done)
  // One seed per batch, derived from the run's seed, so any batch can be replayed alone.
  const batchSeed = seed + batch
  const queue = fc.sample(handshakeCase, { numRuns: size, seed: batchSeed })
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      const fuzz = queue[next++]!
      const t0 = performance.now()
      const { outcome, verdict } = await runHandshakeCase(server, fuzz, CASE_TIMEOUT_MS)
      slowestMs = Math.max(slowestMs, performance.now() - t0)
      const key =
        outcome === undefined
          ? 'hang'
          : outcome.kind === 'connect_error'
            ? String((outcome.data as { code?: unknown } | undefined)?.code)
            : outcome.kind
      outcomes[key] = (outcomes[key] ?? 0) + 1
      if (verdict !== undefined) {
        failures.push(verdict)
        if (failures.length <= MAX_REPORTED)
          console.error(
            `batch seed ${batchSeed}: ${verdict}\ncase: ${JSON.stringify(fuzz).slice(0, 2_000)}\n`,
          )
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  done += size
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  if (batch % 10 === 9) console.error(`${done} cases, ${failures.length} failures`)
}

const seconds = (performance.now() - started) / 1000
const heapAfter = settledHeap()
await server[Symbol.asyncDispose]()
const summary = {
  cases: done,
  failures: failures.length,
  processErrors: processErrors.length,
  outcomes,
  seed,
  concurrency,
  seconds: Number(seconds.toFixed(1)),
  casesPerSecond: Math.round(done / seconds),
  slowestCaseMs: Math.round(slowestMs),
  heapBeforeMiB: Number((heapBefore / 2 ** 20).toFixed(1)),
  heapAfterMiB: Number((heapAfter / 2 ** 20).toFixed(1)),
  peakRssMiB: Math.round(peakRss / 2 ** 20),
}
console.log(JSON.stringify(summary))
if (jsonPath !== undefined) writeFileSync(jsonPath, `${JSON.stringify(summary, null, 2)}\n`)
process.exitCode = failures.length === 0 && processErrors.length === 0 ? 0 : 1
