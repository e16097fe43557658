// A long differential run of sockguard against jose.jwtVerify, with the generators of the unit
// test (test/support/differential.ts). Counts every disagreement instead of stopping at the first.
//   npx tsx scripts/differential.ts --cases 1000000 [--seed 42]   (FC_SEED also sets the seed)
import fc from 'fast-check'
import {
  SHARES,
  caseArbitrary,
  count,
  createSuite,
  newTally,
  runCase,
  seedFromEnv,
  type SuiteAlg,
} from '../test/support/differential.js'

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? undefined : process.argv[i + 1]
}

const cases = Number(argument('cases') ?? 20_000)
const seedArgument = argument('seed')
const seed = seedArgument === undefined ? seedFromEnv() : Number(seedArgument)
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) {
  console.error('usage: npx tsx scripts/differential.ts [--cases N] [--seed S]')
  process.exit(2)
}

const BATCH = 1000
const MAX_REPORTED = 5
const tally = newTally()
const started = performance.now()
let reported = 0
const algs = Object.entries(SHARES) as [SuiteAlg, number][]
let remaining = cases
for (const [index, [alg, share]] of algs.entries()) {
  const runs = index === algs.length - 1 ? remaining : Math.round(cases * share)
  remaining -= runs
  const suite = createSuite(alg)
  const arbitrary = caseArbitrary(suite)
  for (let done = 0, batch = 0; done < runs; batch++) {
    const size = Math.min(BATCH, runs - done)
    // One seed per batch, derived from the run's seed, so any batch can be replayed alone.
    const batchSeed = seed + index * 1_000_003 + batch
    for (const c of fc.sample(arbitrary, { numRuns: size, seed: batchSeed })) {
      const { token, outcome } = await runCase(suite, c)
      count(tally, outcome)
      if (outcome.kind === 'violation' && reported++ < MAX_REPORTED) {
        console.error(
          `${alg} batch seed ${batchSeed}: ${outcome.reason}\n` +
            `policy: ${suite.policies[c.policy]!.def.name}\ncase: ${JSON.stringify(c)}\ntoken: ${token}\n`,
        )
      }
    }
    done += size
  }
}

const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(
  `cases=${tally.cases} disagreements=${tally.violations} classified=${JSON.stringify(tally.classified)}` +
    ` bothAccept=${tally.bothAccept} bothReject=${tally.bothReject} seed=${seed} seconds=${seconds}`,
)
process.exitCode = tally.violations === 0 ? 0 : 1
