// Property test of the handshake: arbitrary auth objects, query values and Authorization, Cookie
// and Origin headers from a real client (both transports) end in a connection authenticated by a
// valid token of the case, or a coded connect_error; never a crash, an unhandled rejection, a hang
// (each case is bounded) or a growing heap. The large run is scripts/fuzz-handshake.ts.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { watchProcess } from '../../support/guard-e2e.js'
import {
  handshakeCase,
  runHandshakeCase,
  startFuzzServer,
  type FuzzServer,
} from './handshake-fuzz.js'
import { settledHeap } from './support.js'

const SEED = 20_261_129
const RUNS = 1_000
/** Heap growth allowed over the whole run, after forced collections. */
const HEAP_TOLERANCE = 16 * 1024 * 1024

const watch = watchProcess()
let server: FuzzServer

beforeAll(async () => {
  server = await startFuzzServer()
})

afterAll(async () => {
  await server[Symbol.asyncDispose]()
  watch.stop()
})

describe('fuzzed handshakes', () => {
  it(`${RUNS} cases: coded refusal or an authenticated connection, bounded, heap stable`, async () => {
    // Warm-up: the first cases allocate what every later one reuses (parsers, memo, JIT).
    for (const fuzz of fc.sample(handshakeCase, { numRuns: 100, seed: SEED + 1 }))
      await runHandshakeCase(server, fuzz)
    const before = settledHeap()
    const tally = { connect: 0, refused: 0 }
    await fc.assert(
      fc.asyncProperty(handshakeCase, async (fuzz) => {
        const { outcome, verdict } = await runHandshakeCase(server, fuzz)
        if (verdict !== undefined) throw new Error(verdict)
        if (outcome?.kind === 'connect') tally.connect++
        else tally.refused++
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    )
    const growth = settledHeap() - before
    expect(tally.connect, 'some cases must connect').toBeGreaterThan(RUNS / 20)
    expect(tally.refused, 'most cases must be refused').toBeGreaterThan(RUNS / 2)
    expect(growth, `heap grew by ${(growth / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(HEAP_TOLERANCE)
    expect(server.admitted.size).toBe(0)
    expect(watch.errors).toEqual([])
    // ~5 s on an idle 2-core machine; the margin is for a loaded one.
  }, 90_000)
})
