// Differential property test: sockguard against jose.jwtVerify, same key, same policy, same clock,
// over random valid tokens and random mutations of them (bytes, segments, headers, claims,
// encodings). sockguard never accepts what jose rejects; when jose accepts and sockguard does not,
// the token must fall under one of the documented stricter rules below, recognised from the token
// itself, with the error code that rule gives. Anything else fails and prints the token.
//
// Documented stricter rules (ids as in test/support/differential.ts, STRICTER_RULES):
//  - max-token-bytes          token_malformed   longer than maxTokenBytes (8192 by default)
//  - non-canonical-base64url  token_malformed   "=" padding, whitespace, non-zero trailing bits
//  - duplicate-member-names   token_malformed   a repeated top-level name in header or payload
//  - utf8-bom                 token_malformed   header or payload JSON starting with a BOM
//  - kid-shape                token_malformed   "kid" not a string of 1-256 chars, even unused
//  - typ-not-string           token_malformed   "typ" not a string, even without a typ policy
//  - crit-unsupported         token_invalid     any "crit" (jose understands crit: ["b64"])
//  - b64-not-true             token_invalid     "b64" other than true, listed in crit or not
//  - string-claim-type        claim_invalid     "iss"/"sub"/"jti" present and not a string
//  - empty-sub                claim_invalid     "sub" present and "" (it names nobody)
//  - aud-type                 claim_invalid     "aud" not a string or an array of strings
//  - non-finite-numeric-date  claim_invalid     exp/nbf/iat that JSON.parse made Infinity
//  - iat-in-future            token_not_active  iat after now + tolerance (jose: only with maxTokenAge)
//  - max-token-age-inclusive  token_expired     exactly at iat + maxTokenAgeMs (+ tolerance)
// Not a rule: `exp` required by default; jose gets `requiredClaims: ['exp']` whenever sockguard
// has requireExp, so they agree. Non-UTF-8 bytes are not a rule either: jose 6 decodes strictly.
//
// Seed: FC_SEED=<n> npx vitest run test/unit/verifier/differential.test.ts (fast-check prints the
// seed and path of a failure). A larger run: npx tsx scripts/differential.ts --cases 1000000
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  STRICTER_RULES,
  SHARES,
  caseArbitrary,
  count,
  createSuite,
  newTally,
  runCase,
  seedFromEnv,
  type SuiteAlg,
} from '../../support/differential.js'

const DOCUMENTED = [
  'max-token-bytes',
  'non-canonical-base64url',
  'duplicate-member-names',
  'utf8-bom',
  'kid-shape',
  'typ-not-string',
  'crit-unsupported',
  'b64-not-true',
  'string-claim-type',
  'empty-sub',
  'aud-type',
  'non-finite-numeric-date',
  'iat-in-future',
  'max-token-age-inclusive',
]

/** Cases in `npm test`: 10,000 in all, most of them HS256 (asymmetric signing is slower). */
const TOTAL = 10_000
const SEED = seedFromEnv()
const SUITES = Object.entries(SHARES).map(
  ([alg, share], i) => [alg as SuiteAlg, Math.round(TOTAL * share), i] as const,
)

describe('differential: sockguard vs jose.jwtVerify', () => {
  it('lists exactly the documented stricter rules', () => {
    expect(Object.keys(STRICTER_RULES)).toEqual(DOCUMENTED)
    expect(SUITES.reduce((sum, [, runs]) => sum + runs, 0)).toBe(TOTAL)
  })

  it.each(SUITES)(
    '%s: %i cases agree or differ only by a documented rule',
    async (alg, runs, i) => {
      const suite = createSuite(alg)
      const tally = newTally()
      await fc.assert(
        fc.asyncProperty(caseArbitrary(suite), async (c) => {
          const { token, outcome } = await runCase(suite, c)
          count(tally, outcome)
          if (outcome.kind === 'violation') {
            throw new Error(
              `${outcome.reason}\npolicy: ${suite.policies[c.policy]!.def.name}\ntoken: ${token}`,
            )
          }
        }),
        { numRuns: runs, seed: SEED + i },
      )
      // The generators must keep producing tokens both verifiers accept, or the test proves little.
      expect(tally.bothAccept).toBeGreaterThan(runs * 0.05)
      expect(tally.bothReject).toBeGreaterThan(runs * 0.2)
    },
    120_000,
  )
})
