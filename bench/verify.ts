// Verification throughput of sockguard against jose, fast-jwt, jsonwebtoken and a minimal
// node:crypto verifier (the floor), on the same tokens and policy, in one process run.
// Run: npx tsx bench/verify.ts [--seconds 1.5] [--rounds 3] [--algs HS256,RS256,PS256,ES256,EdDSA]
import { createSecretKey, generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { createVerifier as createFastJwtVerifier } from 'fast-jwt'
import { importSPKI, jwtVerify } from 'jose'
import jwt from 'jsonwebtoken'
import { createVerifier } from '../src/index.js'
import { consoleTable as formatConsoleTable, fmtInt, fmtRatio } from './support/format.js'
import { intOption } from './support/int-option.js'
import { listOption } from './support/list-option.js'
import { b64json, signJwt } from './support/sign.js'
import { machineInfo, resultsHeader } from './support/results-header.js'
import { median } from './support/stats.js'
import { versionOf } from './support/version-of.js'
import { createWatchdog } from './support/watchdog.js'
import { createFloorVerifier } from './support/floor-verifier.js'
import { loadAround, runRecord, writeResults } from './support/write-results.js'

const ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'] as const
type Alg = (typeof ALGS)[number]

const ISSUER = 'https://issuer.bench.example'
const AUDIENCE = 'chat-api'
const TOKEN_COUNT = 64
/** Length of one timed slice, and of each case's warm-up, in seconds. */
const SLICE = 0.1
const WARM_SECONDS = 0.3
const ROOT = new URL('../', import.meta.url)

// ---------------------------------------------------------------------------------------------
// Options

function parseOptions(): { seconds: number; rounds: number; algs: readonly Alg[] } {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '1.5' },
      rounds: { type: 'string', default: '3' },
      algs: { type: 'string', default: ALGS.join(',') },
    },
    strict: true,
  })
  const seconds = Number(values.seconds)
  if (!(seconds > 0 && seconds <= 60)) throw new Error('--seconds must be a number in (0, 60]')
  const rounds = intOption(values, 'rounds', 1, 15)
  return { seconds, rounds, algs: listOption('algs', values.algs, ALGS) }
}

// ---------------------------------------------------------------------------------------------
// Keys and tokens, signed with node:crypto so that no library under test made them.

interface Keys {
  /** The HMAC secret or the private key, for signing. */
  readonly signing: KeyObject
  /** What verifies: the secret KeyObject or the public KeyObject. */
  readonly verifying: KeyObject
  /** Raw secret (HS256 only). */
  readonly secret: Buffer | undefined
  /** SPKI PEM of the public key (asymmetric only). */
  readonly pem: string | undefined
}

function makeKeys(alg: Alg): Keys {
  if (alg === 'HS256') {
    const secret = Buffer.from('bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz', 'utf8')
    const key = createSecretKey(secret)
    return { signing: key, verifying: key, secret, pem: undefined }
  }
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString()
  return { signing: pair.privateKey, verifying: pair.publicKey, secret: undefined, pem }
}

function signToken(alg: Alg, key: KeyObject, claims: Record<string, unknown>): string {
  return signJwt(alg, key, claims)
}

function claimsFor(i: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `user-${i}`,
    iat: now,
    exp: now + 3600,
    jti: `b1c2d3e4-${String(i).padStart(4, '0')}`,
    scope: 'chat:read chat:write',
    ...overrides,
  }
}

/** Tokens every verifier must refuse; `policy` ones need the issuer and audience checks. */
interface BadToken {
  readonly name: string
  readonly token: string
  readonly policy: boolean
}

function badTokens(alg: Alg, keys: Keys, good: string): BadToken[] {
  const [header = '', payload = '', signature = ''] = good.split('.')
  const forgedPayload = b64json({ ...claimsFor(0), sub: 'admin' })
  const sigBytes = Buffer.from(signature, 'base64url')
  sigBytes[0] = (sigBytes[0] ?? 0) ^ 0x01
  const hour = 3600
  const past = Math.floor(Date.now() / 1000) - 2 * hour
  return [
    { name: 'tampered payload', token: `${header}.${forgedPayload}.${signature}`, policy: false },
    {
      name: 'tampered signature',
      token: `${header}.${payload}.${sigBytes.toString('base64url')}`,
      policy: false,
    },
    {
      name: 'expired',
      token: signToken(alg, keys.signing, claimsFor(0, { iat: past, exp: past + hour })),
      policy: false,
    },
    {
      name: 'other issuer',
      token: signToken(alg, keys.signing, claimsFor(0, { iss: 'https://evil.example' })),
      policy: true,
    },
    {
      name: 'other audience',
      token: signToken(alg, keys.signing, claimsFor(0, { aud: 'other-api' })),
      policy: true,
    },
  ]
}

// ---------------------------------------------------------------------------------------------
// Cases

interface Case {
  readonly alg: Alg
  readonly library: string
  readonly run:
    { sync: (token: string) => unknown } | { async: (token: string) => Promise<unknown> }
  /** The floor skips iss/aud by design. */
  readonly checksPolicy: boolean
}

const FLOOR = 'node:crypto floor'
const SOCKGUARD = 'sockguard'
const SOCKGUARD_CACHE = 'sockguard (cache hits)'
const FAST_JWT_CACHE = 'fast-jwt (cache hits)'

async function makeCases(alg: Alg, keys: Keys): Promise<Case[]> {
  const policy = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE } as const
  const sockguardOptions =
    keys.secret !== undefined
      ? { ...policy, algorithms: ['HS256' as const], secret: keys.secret }
      : { ...policy, algorithms: [alg as Exclude<Alg, 'HS256'>], publicKey: keys.verifying }
  const plain = createVerifier(sockguardOptions)
  const cached = createVerifier({ ...sockguardOptions, cache: { max: 10_000 } })

  // jose's fastest path: a CryptoKey imported once (a secret KeyObject or Uint8Array would be
  // re-imported into WebCrypto on every call).
  const joseKey =
    keys.secret !== undefined
      ? await webcrypto.subtle.importKey(
          'raw',
          keys.secret,
          { name: 'HMAC', hash: 'SHA-256' },
          false,
          ['verify'],
        )
      : await importSPKI(keys.pem ?? '', alg)

  // fast-jwt takes a PEM string or a Buffer secret and builds its KeyObject once, at creation.
  const fastKey = keys.secret ?? keys.pem ?? ''
  const fastOptions = { key: fastKey, algorithms: [alg], allowedIss: ISSUER, allowedAud: AUDIENCE }
  const fast = createFastJwtVerifier(fastOptions)
  const fastCached = createFastJwtVerifier({ ...fastOptions, cache: 10_000 })

  const jwtOptions = { algorithms: [alg], issuer: ISSUER, audience: AUDIENCE }
  const floor = createFloorVerifier(alg, keys.verifying)

  const make = (library: string, run: Case['run'], checksPolicy = true): Case => ({
    alg,
    library,
    run,
    checksPolicy,
  })
  return [
    make(FLOOR, { sync: floor }, false),
    make(SOCKGUARD, { async: (token) => plain.verify(token) }),
    // Cache-hit rows: the sanity check and the warm-up verify the same 64 tokens first.
    make(SOCKGUARD_CACHE, { async: (token) => cached.verify(token) }),
    make('jose jwtVerify', { async: (token) => jwtVerify(token, joseKey, jwtOptions) }),
    make('fast-jwt', { sync: (token): unknown => fast(token) }),
    make(FAST_JWT_CACHE, { sync: (token): unknown => fastCached(token) }),
    // jsonwebtoken 9 has no EdDSA ("Unknown key type ed25519").
    ...(alg === 'EdDSA'
      ? []
      : [
          make('jsonwebtoken', {
            sync: (token) =>
              jwt.verify(token, keys.verifying, { ...jwtOptions, algorithms: [alg] }),
          }),
        ]),
  ]
}

async function call(c: Case, token: string): Promise<unknown> {
  return 'sync' in c.run ? c.run.sync(token) : await c.run.async(token)
}

/** Every case accepts the good tokens and refuses every bad one, or the run stops. */
async function sanityCheck(c: Case, tokens: readonly string[], bad: readonly BadToken[]) {
  const where = `${c.alg} ${c.library}`
  for (const token of tokens) {
    try {
      const result = await call(c, token)
      if (typeof result !== 'object' || result === null) throw new Error('no result')
    } catch (error) {
      throw new Error(`SANITY: ${where} refused a valid token`, { cause: error })
    }
  }
  for (const { name, token, policy } of bad) {
    if (policy && !c.checksPolicy) continue
    let accepted = false
    try {
      await call(c, token)
      accepted = true
    } catch {
      // refused, as it must be
    }
    if (accepted) throw new Error(`SANITY: ${where} accepted a bad token (${name})`)
  }
}

// ---------------------------------------------------------------------------------------------
// Timing: batches of the whole token list, the clock read once per batch.

let sink = 0

// A verification that never settles (a lost WebCrypto job, say) would hang the run silently;
// the watchdog names the case instead. The timer is unref'd so that it never keeps Node alive.
const STALL_MS = 60_000
const watchdog = createWatchdog({ stallMs: STALL_MS, checkEveryMs: 5_000 })
const { progress, touch } = watchdog
watchdog.start()

interface Sample {
  ops: number
  ns: number
}

/** Runs `c` for about `seconds`; returns the operations done and the wall time they took. */
async function measure(c: Case, tokens: readonly string[], seconds: number): Promise<Sample> {
  const budget = BigInt(Math.round(seconds * 1e9))
  const n = tokens.length
  let ops = 0
  let elapsed: bigint
  const start = process.hrtime.bigint()
  if ('sync' in c.run) {
    const fn = c.run.sync
    do {
      for (let i = 0; i < n; i++) if (fn(tokens[i]!) !== undefined) sink++
      ops += n
      touch()
      elapsed = process.hrtime.bigint() - start
    } while (elapsed < budget)
  } else {
    const fn = c.run.async
    do {
      for (let i = 0; i < n; i++) if ((await fn(tokens[i]!)) !== undefined) sink++
      ops += n
      touch()
      elapsed = process.hrtime.bigint() - start
    } while (elapsed < budget)
  }
  return { ops, ns: Number(elapsed) }
}

/**
 * One round of one algorithm: every case gets `seconds` in total, in slices of about SLICE
 * seconds taken in turn (alternating direction), so a neighbour's burst of CPU use lands on all
 * the cases of the algorithm alike instead of on whichever case ran at that moment.
 */
async function measureRound(
  cases: readonly Case[],
  tokens: readonly string[],
  seconds: number,
): Promise<number[]> {
  const slices = Math.max(1, Math.round(seconds / SLICE))
  const totals = cases.map(() => ({ ops: 0, ns: 0 }))
  for (let slice = 0; slice < slices; slice++) {
    const order = cases.map((_, i) => i)
    if (slice % 2 === 1) order.reverse()
    for (const i of order) {
      progress(`timing of ${cases[i]!.alg} ${cases[i]!.library}`)
      const { ops, ns } = await measure(cases[i]!, tokens, seconds / slices)
      totals[i]!.ops += ops
      totals[i]!.ns += ns
    }
  }
  return totals.map(({ ops, ns }) => ops / (ns / 1e9))
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  readonly alg: Alg
  readonly library: string
  readonly opsPerSec: number
  readonly rounds: readonly number[]
  readonly ratioToFloor: number
}

interface Target {
  readonly alg: Alg
  readonly target: string
  readonly value: number
  readonly threshold: number
  readonly pass: boolean
}

const spread = (row: Row) => {
  const lo = Math.min(...row.rounds)
  const hi = Math.max(...row.rounds)
  return `±${((((hi - lo) / 2) * 100) / row.opsPerSec).toFixed(1)}%`
}

function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| Algorithm | Library | ops/s | µs/op | ratio to floor | spread |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ]
  for (const row of rows) {
    lines.push(
      `| ${row.alg} | ${row.library} | ${fmtInt(row.opsPerSec)} | ${(1e6 / row.opsPerSec).toFixed(2)} | ${fmtRatio(row.ratioToFloor)} | ${spread(row)} |`,
    )
  }
  return lines.join('\n')
}

function consoleTable(rows: readonly Row[]): string {
  const header = ['Algorithm', 'Library', 'ops/s', 'µs/op', 'ratio', 'spread']
  const body = rows.map((r) => [
    r.alg,
    r.library,
    fmtInt(r.opsPerSec),
    (1e6 / r.opsPerSec).toFixed(2),
    fmtRatio(r.ratioToFloor),
    spread(r),
  ])
  return formatConsoleTable(header, body)
}

function evaluateTargets(rows: readonly Row[], algs: readonly Alg[]): Target[] {
  const find = (alg: Alg, library: string) =>
    rows.find((r) => r.alg === alg && r.library === library)
  const targets: Target[] = []
  for (const alg of algs) {
    const plain = find(alg, SOCKGUARD)
    const cached = find(alg, SOCKGUARD_CACHE)
    const fastCached = find(alg, FAST_JWT_CACHE)
    if (plain !== undefined) {
      targets.push({
        alg,
        target: 'sockguard without cache >= 0.90x floor',
        value: plain.ratioToFloor,
        threshold: 0.9,
        pass: plain.ratioToFloor >= 0.9,
      })
    }
    if (cached !== undefined && fastCached !== undefined) {
      const ratio = cached.opsPerSec / fastCached.opsPerSec
      targets.push({
        alg,
        target: 'sockguard cache hits >= fast-jwt cache hits',
        value: ratio,
        threshold: 1,
        pass: ratio >= 1,
      })
    }
  }
  return targets
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { seconds, rounds, algs } = parseOptions()
  const command = ['npx tsx bench/verify.ts', ...process.argv.slice(2)].join(' ')

  const suites: { alg: Alg; tokens: string[]; cases: Case[] }[] = []
  for (const alg of algs) {
    const keys = makeKeys(alg)
    const tokens = Array.from({ length: TOKEN_COUNT }, (_, i) =>
      signToken(alg, keys.signing, claimsFor(i)),
    )
    const bad = badTokens(alg, keys, tokens[0]!)
    const cases = await makeCases(alg, keys)
    for (const c of cases) {
      progress(`sanity check of ${alg} ${c.library}`)
      await sanityCheck(c, tokens, bad)
      progress(`warm-up of ${alg} ${c.library}`)
      await measure(c, tokens, WARM_SECONDS)
    }
    suites.push({ alg, tokens, cases })
  }
  console.log(
    `sanity checks passed; ${suites.reduce((n, s) => n + s.cases.length, 0)} cases x ${rounds} rounds x ${seconds}s`,
  )

  const loadBefore = os.loadavg()
  const samples = new Map<Case, number[]>()
  for (let round = 0; round < rounds; round++) {
    for (const { cases, tokens } of suites) {
      const opsPerSec = await measureRound(cases, tokens, seconds)
      cases.forEach((c, i) => samples.set(c, [...(samples.get(c) ?? []), opsPerSec[i]!]))
    }
    console.log(`round ${round + 1}/${rounds} done`)
  }
  const load = loadAround(loadBefore)

  const rows: Row[] = suites.flatMap(({ alg, cases }) => {
    const floor = median(samples.get(cases[0]!) ?? [])
    return cases.map((c) => {
      const values = samples.get(c) ?? []
      const opsPerSec = median(values)
      return { alg, library: c.library, opsPerSec, rounds: values, ratioToFloor: opsPerSec / floor }
    })
  })
  const targets = evaluateTargets(rows, algs)

  const machine = machineInfo()
  const versions = {
    sockguard: versionOf(ROOT, undefined),
    jose: versionOf(ROOT, 'jose'),
    'fast-jwt': versionOf(ROOT, 'fast-jwt'),
    jsonwebtoken: versionOf(ROOT, 'jsonwebtoken'),
  }
  const date = new Date().toISOString()

  console.log()
  console.log(consoleTable(rows))
  console.log()
  for (const t of targets) {
    console.log(
      `${t.pass ? 'PASS' : 'MISS'}  ${t.alg.padEnd(5)}  ${t.target}: ${fmtRatio(t.value, 3)} (target ${fmtRatio(t.threshold)})`,
    )
  }

  const header = [
    '# Verification throughput',
    '',
    ...resultsHeader({
      date,
      machine,
      load: `before / after the timed rounds: ${load.before} / ${load.after}`,
      versions,
      command,
    }),
    '- jsonwebtoken 9 does not support EdDSA, so it has no EdDSA row.',
    `- Method: ${TOKEN_COUNT} distinct tokens per algorithm rotated round-robin (cache-hit rows: the same ${TOKEN_COUNT}, already cached); ${rounds} rounds; in each round every case of an algorithm runs ${seconds}s in ${SLICE}s slices taken in turn; ops/s is the median round; spread is half the min-max range. Policy: signature, exp, iss, aud (the floor: signature and exp only).`,
    '',
    markdownTable(rows),
    '',
    '## Targets',
    '',
    '| Algorithm | Target | Measured | Result |',
    '| --- | --- | ---: | --- |',
    ...targets.map(
      (t) => `| ${t.alg} | ${t.target} | ${fmtRatio(t.value, 3)} | ${t.pass ? 'PASS' : 'MISS'} |`,
    ),
    '',
  ].join('\n')

  const json = {
    ...runRecord({ date, machine, versions, command, load }),
    options: { seconds, rounds, sliceSeconds: SLICE, tokens: TOKEN_COUNT, algorithms: algs },
    results: rows,
    targets,
  }
  writeResults(
    new URL('bench/results/', ROOT),
    'bench/results',
    'verify',
    header,
    json,
    ` (sink ${sink > 0})`,
  )
}

await main()
