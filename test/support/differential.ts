// The differential harness of sockguard against jose.jwtVerify, shared by
// test/unit/verifier/differential.test.ts and scripts/differential.ts: keys made at run time, the
// policies both verifiers get, generators of valid tokens and of mutations of them, and the
// comparison that classifies every disagreement by one of sockguard's documented stricter rules.
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { CompactSign, SignJWT, jwtVerify, type JWTVerifyOptions } from 'jose'
import {
  createVerifier,
  isAuthError,
  type AuthErrorCode,
  type JwtVerifier,
  type VerifierOptions,
  type VerifierPolicyOptions,
} from '../../src/index.js'
import { hasDuplicateNames } from './json-members.js'
import { b64url, signerFor } from './sign.js'

/** The fixed clock of every case, in whole seconds: both verifiers are given this instant. */
export const NOW_S = 1_700_000_000
/** {@link NOW_S} in ms, for sockguard's `now`. */
export const NOW_MS = NOW_S * 1000
/** The seed used when `FC_SEED` is not set. */
export const DEFAULT_SEED = 20_260_611

/** The seed of a run: `FC_SEED` from the environment, else {@link DEFAULT_SEED}. */
export function seedFromEnv(): number {
  const raw = process.env.FC_SEED
  if (raw === undefined || raw === '') return DEFAULT_SEED
  const seed = Number(raw)
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${raw}`)
  return seed
}

/**
 * Where sockguard is deliberately stricter than jose 6 (the only disagreements allowed): the code
 * sockguard answers with, and why. `exp` being required by default is not here: jose is given
 * `requiredClaims: ['exp']` whenever sockguard has `requireExp: true`, so they agree.
 */
export const STRICTER_RULES = {
  'max-token-bytes': {
    code: 'token_malformed',
    text: 'a token longer than maxTokenBytes (default 8192) is refused before any decoding',
  },
  'non-canonical-base64url': {
    code: 'token_malformed',
    text: 'every segment is canonical unpadded base64url: no "=", no whitespace, no non-zero trailing bits (jose decodes with atob, which forgives all three)',
  },
  'duplicate-member-names': {
    code: 'token_malformed',
    text: 'header and payload repeat no top-level member name, escaped spellings included (JSON.parse keeps the last one)',
  },
  'utf8-bom': {
    code: 'token_malformed',
    text: 'header and payload JSON do not start with a UTF-8 byte order mark (jose’s TextDecoder strips it)',
  },
  'kid-shape': {
    code: 'token_malformed',
    text: '"kid", when present, is a string of 1 to 256 characters, even when no key is looked up by it',
  },
  'typ-not-string': {
    code: 'token_malformed',
    text: '"typ", when present, is a string, even without a `typ` policy',
  },
  'crit-unsupported': {
    code: 'token_invalid',
    text: 'any "crit" header is refused: sockguard understands no extension (jose understands "b64")',
  },
  'b64-not-true': {
    code: 'token_invalid',
    text: '"b64" other than true is refused even when "crit" does not list it (jose then ignores it)',
  },
  'string-claim-type': {
    code: 'claim_invalid',
    text: '"iss", "sub" and "jti" are strings whenever present (jose checks iss/sub only against a policy, jti never)',
  },
  'empty-sub': {
    code: 'claim_invalid',
    text: '"sub", when present, is not empty: "" names nobody (issue 10, B5); jose accepts it',
  },
  'aud-type': {
    code: 'claim_invalid',
    text: '"aud" is a string or an array of strings whenever present (jose only looks for a match when an audience is configured)',
  },
  'non-finite-numeric-date': {
    code: 'claim_invalid',
    text: '"exp", "nbf" and "iat" are finite: 1e400 parses to Infinity, which jose compares as a date',
  },
  'iat-in-future': {
    code: 'token_not_active',
    text: '"iat" later than now + tolerance is refused (jose checks it only with maxTokenAge)',
  },
  'max-token-age-inclusive': {
    code: 'token_expired',
    text: 'a token is too old at exactly iat + maxTokenAgeMs (+ tolerance), as at exactly exp; jose still accepts at that instant',
  },
} as const satisfies Record<string, { code: AuthErrorCode; text: string }>

/** The id of a documented stricter rule. */
export type RuleId = keyof typeof STRICTER_RULES

/** The algorithms the differential test covers. */
export type SuiteAlg = 'HS256' | 'RS256' | 'ES256' | 'EdDSA'

/** One policy, spelt for each verifier. */
export interface PolicyDef {
  readonly name: string
  readonly sockguard: Omit<VerifierPolicyOptions, 'now'>
  readonly jose: Omit<JWTVerifyOptions, 'algorithms' | 'currentDate'>
}

const ISSUERS = ['https://issuer.example', 'https://tenant.example', 'https://evil.example']

/** The policies every suite runs, each with sockguard's options and jose's equivalent. */
export const POLICIES: readonly PolicyDef[] = [
  { name: 'default', sockguard: {}, jose: { requiredClaims: ['exp'] } },
  {
    name: 'issuer-audience-subject',
    sockguard: {
      issuer: ISSUERS[0]!,
      audience: ['api', 'chat'],
      subject: 'alice',
      clockToleranceMs: 30_000,
    },
    jose: {
      issuer: ISSUERS[0]!,
      audience: ['api', 'chat'],
      subject: 'alice',
      clockTolerance: 30,
      requiredClaims: ['exp'],
    },
  },
  {
    name: 'typ-max-age-no-exp',
    sockguard: { typ: 'at+jwt', maxTokenAgeMs: 3_600_000, requireExp: false },
    jose: { typ: 'at+jwt', maxTokenAge: 3600 },
  },
  {
    name: 'issuers-no-exp',
    sockguard: {
      requireExp: false,
      clockToleranceMs: 5_000,
      issuer: [ISSUERS[0]!, ISSUERS[1]!],
      requiredClaims: ['sub'],
    },
    jose: { clockTolerance: 5, issuer: [ISSUERS[0]!, ISSUERS[1]!], requiredClaims: ['sub'] },
  },
  {
    name: 'typ-with-slash',
    sockguard: { typ: 'example/jwt', audience: 'api' },
    jose: { typ: 'example/jwt', audience: 'api', requiredClaims: ['exp'] },
  },
  {
    name: 'small-tokens-short-age',
    sockguard: { maxTokenBytes: 1024, maxTokenAgeMs: 60_000, clockToleranceMs: 1_000 },
    jose: { maxTokenAge: 60, clockTolerance: 1, requiredClaims: ['exp'] },
  },
]

/** A policy with both verifiers built. */
export interface BoundPolicy {
  readonly def: PolicyDef
  readonly verifier: JwtVerifier
  readonly jose: JWTVerifyOptions
}

/** The keys of one algorithm and the verifiers of every policy over them. */
export interface Suite {
  readonly alg: SuiteAlg
  /** Signs with the right key on node:crypto (for inputs jose would not sign). */
  readonly sign: (input: string) => Buffer
  /** Signs with another key of the same type. */
  readonly signWrong: (input: string) => Buffer
  readonly joseSignKey: KeyObject | Uint8Array
  readonly joseVerifyKey: KeyObject | Uint8Array
  readonly policies: readonly BoundPolicy[]
}

function keyPair(alg: Exclude<SuiteAlg, 'HS256'>): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 })
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' })
  return generateKeyPairSync('ed25519')
}

/** Generates fresh keys for `alg` and builds both verifiers for every policy. */
export function createSuite(alg: SuiteAlg): Suite {
  const now = (): number => NOW_MS
  const currentDate = new Date(NOW_MS)
  if (alg === 'HS256') {
    const secret = randomBytes(32)
    return {
      alg,
      sign: signerFor(alg, secret),
      signWrong: signerFor(alg, randomBytes(32)),
      joseSignKey: secret,
      joseVerifyKey: secret,
      policies: POLICIES.map((def) => ({
        def,
        verifier: createVerifier({ ...def.sockguard, secret, algorithms: ['HS256'], now }),
        jose: { ...def.jose, algorithms: ['HS256'], currentDate },
      })),
    }
  }
  const { privateKey, publicKey } = keyPair(alg)
  return {
    alg,
    sign: signerFor(alg, privateKey),
    signWrong: signerFor(alg, keyPair(alg).privateKey),
    joseSignKey: privateKey,
    joseVerifyKey: publicKey,
    policies: POLICIES.map((def) => ({
      def,
      verifier: createVerifier({
        ...def.sockguard,
        publicKey,
        algorithms: [alg],
        now,
      } satisfies VerifierOptions),
      jose: { ...def.jose, algorithms: [alg], currentDate },
    })),
  }
}

// ---------------------------------------------------------------------------------------------
// Cases: a valid header and claims set, and up to three mutations applied in a fixed order.

type Json = Record<string, unknown>
type Target = 'header' | 'payload'

/** How a segment is made non-canonical. */
export type Encoding =
  | 'pad'
  | 'space'
  | 'newline'
  | 'tab'
  | 'cr'
  | 'formfeed'
  | 'nbsp'
  | 'trailing-bits'
  | 'std-alphabet'

/** A change to a token, applied at its stage whatever its place in the list. */
export type Mutation =
  | { readonly kind: 'header'; readonly change: Json }
  | { readonly kind: 'claims'; readonly change: Json }
  | { readonly kind: 'oversize'; readonly bytes: number }
  | {
      readonly kind: 'duplicate'
      readonly target: Target
      readonly name: string
      readonly escaped: boolean
      readonly last: boolean
      readonly value: unknown
    }
  | { readonly kind: 'non-object-payload'; readonly text: string }
  | { readonly kind: 'bom'; readonly target: Target }
  | { readonly kind: 'utf8'; readonly target: Target; readonly bytes: readonly number[] }
  | { readonly kind: 'non-finite'; readonly claim: 'exp' | 'nbf' | 'iat'; readonly literal: string }
  | { readonly kind: 'pretty'; readonly target: Target }
  | {
      readonly kind: 'encoding'
      readonly segment: 0 | 1 | 2
      readonly how: Encoding
      readonly at: number
      /** For header and payload: sign over the altered segment (else the signature is stale). */
      readonly resign: boolean
    }
  | {
      readonly kind: 'signature'
      readonly how: 'wrong-key' | 'empty' | 'garbage' | 'der' | 'truncate' | 'extend' | 'zero'
    }
  | { readonly kind: 'alg-none'; readonly alg: string }
  | {
      readonly kind: 'chars'
      readonly op: 'flip' | 'insert' | 'delete'
      readonly at: number
      readonly char: string
    }
  | {
      readonly kind: 'segments'
      readonly how:
        | 'swap-header-payload'
        | 'swap-payload-signature'
        | 'rotate'
        | 'drop-signature'
        | 'extra-segment'
        | 'header-twice'
        | 'empty-header'
    }

/** One generated case: which policy, the valid token's contents, and its mutations. */
export interface Case {
  readonly policy: number
  readonly header: Json
  readonly claims: Json
  readonly mutations: readonly Mutation[]
}

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const TYP_VALUES = [
  'JWT',
  'jwt',
  'application/jwt',
  'at+jwt',
  'AT+JWT',
  'application/at+jwt',
  'Application/At+JWT',
  'example/jwt',
  'EXAMPLE/JWT',
  'application/example/jwt',
  'text/plain',
]
const BOUNDARY_OFFSETS = [
  -3601, -3600, -3599, -61, -60, -59, -31, -30, -29, -6, -5, -4, -2, -1, 0, 1, 2, 4, 5, 6, 29, 30,
  31, 59, 60, 61, 3599, 3600, 3601,
]
const ATTACKER_JWK = {
  kty: 'oct',
  k: 'YXR0YWNrZXItY2hvc2VuLXNlY3JldC1vZi0zMi1ieXRlcw',
}

const offset = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...BOUNDARY_OFFSETS) },
  { weight: 2, arbitrary: fc.integer({ min: -90_000, max: 90_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -120_000, max: 120_000 }).map((ms) => ms / 1000) },
)
const pastOrNow = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -50, max: 0 }) },
  { weight: 2, arbitrary: fc.integer({ min: -7200, max: 0 }) },
  { weight: 2, arbitrary: offset },
)
const memberName = fc.string({ maxLength: 8 }).filter((name) => name !== '__proto__')

/** Mostly what the policies accept, so that valid tokens are common; sometimes anything. */
function likely<T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ weight: 3, arbitrary: usual }, { weight: 1, arbitrary: other })
}

const claimsArb: fc.Arbitrary<Json> = fc
  .tuple(
    fc.record({
      iss: fc.option(likely(fc.constant(ISSUERS[0]!), fc.constantFrom(...ISSUERS)), { freq: 6 }),
      sub: fc.option(likely(fc.constant('alice'), fc.constantFrom('bob', '')), { freq: 5 }),
      aud: fc.option(
        likely(
          fc.constantFrom<string | string[]>('api', ['api'], ['other', 'api'], ['chat']),
          fc.oneof(fc.constantFrom('chat', 'other'), fc.subarray(['api', 'chat', 'other'])),
        ),
        { freq: 5 },
      ),
      exp: fc.option(
        likely(fc.integer({ min: 1, max: 86_400 }), offset).map((o) => NOW_S + o),
        { freq: 8 },
      ),
      nbf: fc.option(
        pastOrNow.map((o) => NOW_S + o),
        { freq: 2 },
      ),
      iat: fc.option(
        pastOrNow.map((o) => NOW_S + o),
        { freq: 6 },
      ),
      jti: fc.option(fc.string({ maxLength: 16 }), { freq: 2 }),
    }),
    fc.dictionary(memberName, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  )
  .map(([registered, extra]) => {
    const claims: Json = { ...extra }
    for (const [name, value] of Object.entries(registered)) if (value !== null) claims[name] = value
    return claims
  })

/** `typ` spellings: mostly ones equal to the policy's `typ` when it has one. */
function typArb(policyTyp: string | undefined): fc.Arbitrary<string> {
  const any = fc.constantFrom(...TYP_VALUES)
  if (policyTyp === undefined) return any
  const lower = policyTyp.toLowerCase()
  return likely(fc.constantFrom(policyTyp, lower.toUpperCase(), `application/${lower}`), any)
}

function headerArb(alg: SuiteAlg, policyTyp: string | undefined): fc.Arbitrary<Json> {
  return fc
    .record({
      typ: fc.option(typArb(policyTyp), { freq: policyTyp === undefined ? 3 : 8 }),
      kid: fc.option(fc.constantFrom('k1', '2024-01', 'tenant/a'), { freq: 3 }),
    })
    .map(({ typ, kid }) => {
      const header: Json = { alg }
      if (typ !== null) header.typ = typ
      if (kid !== null) header.kid = kid
      return header
    })
}

const headerChange: fc.Arbitrary<Json> = fc.oneof(
  fc
    .constantFrom<unknown>(
      'none',
      'None',
      'NONE',
      'nOnE',
      'HS256',
      'HS384',
      'HS512',
      'RS256',
      'PS256',
      'ES256',
      'ES384',
      'EdDSA',
      'Ed25519',
      'hs256',
      '',
      1,
      null,
      undefined,
      ['HS256'],
    )
    .map((alg) => ({ alg })),
  fc
    .constantFrom<unknown>(
      '',
      'k1',
      'x'.repeat(256),
      'x'.repeat(257),
      7,
      null,
      {},
      ['k1'],
      '../../etc/passwd',
      undefined,
    )
    .map((kid) => ({ kid })),
  fc.string({ maxLength: 300 }).map((kid) => ({ kid })),
  fc.constantFrom<Json>(
    { crit: ['b64'], b64: true },
    { crit: ['b64'], b64: false },
    { crit: ['b64'] },
    { crit: ['exp'], exp: NOW_S + 60 },
    { crit: [] },
    { crit: 'b64' },
    { crit: ['kid'] },
    { crit: null },
  ),
  fc.constantFrom<unknown>(true, false, 'false', 0, null).map((b64) => ({ b64 })),
  fc.constantFrom<unknown>(...TYP_VALUES, 1, null, {}, ['JWT'], undefined).map((typ) => ({ typ })),
  fc.constantFrom<Json>(
    { jwk: ATTACKER_JWK },
    { jku: 'https://attacker.example/jwks.json' },
    { x5u: 'https://attacker.example/cert.pem' },
    { x5c: ['MIIBszCCAVmgAwIBAgIU'] },
    { cty: 'JWT' },
    { zip: 'DEF' },
  ),
  fc
    .tuple(memberName, fc.jsonValue({ maxDepth: 2 }))
    .map(([name, value]) => Object.fromEntries([[name, value]]) as Json),
)

const claimChange: fc.Arbitrary<Json> = fc
  .tuple(
    fc.constantFrom('exp', 'nbf', 'iat', 'iss', 'sub', 'aud', 'jti'),
    fc.oneof(
      fc.constantFrom<unknown>(
        undefined,
        '9999999999',
        String(NOW_S + 60),
        null,
        true,
        false,
        0,
        -1,
        1.5,
        1e308,
        -1e308,
        {},
        [],
        [1],
        ['api', 1],
        ['api'],
        'api',
        'alice',
        ISSUERS[0],
        NOW_S - 1,
        NOW_S,
        NOW_S + 1,
        NOW_S + 31,
        NOW_S + 3600,
        NOW_S - 61,
        NOW_S - 3600,
        NOW_S - 3601,
      ),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  )
  .map(([name, value]) => ({ [name]: value }))

const target = fc.constantFrom<Target>('header', 'payload')

function mutationArb(alg: SuiteAlg): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 4, arbitrary: headerChange.map((change) => ({ kind: 'header', change }) as const) },
    { weight: 4, arbitrary: claimChange.map((change) => ({ kind: 'claims', change }) as const) },
    {
      weight: 1,
      arbitrary: fc
        .oneof(fc.integer({ min: 500, max: 1200 }), fc.integer({ min: 5000, max: 9000 }))
        .map((bytes) => ({ kind: 'oversize', bytes }) as const),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('duplicate' as const),
        target,
        name: fc.constantFrom('alg', 'kid', 'typ', 'exp', 'iat', 'sub', 'aud', 'iss', 'x'),
        escaped: fc.boolean(),
        last: fc.boolean(),
        value: fc.oneof(
          fc.constantFrom<unknown>(alg, 'none', 'HS256', NOW_S + 60, NOW_S - 60, 'alice', 'api'),
          fc.jsonValue({ maxDepth: 1 }),
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '[]',
          '[{"exp":9999999999}]',
          '"a string"',
          '1',
          '9999999999',
          'null',
          'true',
          'false',
          '',
          '{',
          '{"exp":1700003600,}',
          ' {"exp":1700003600} ',
        )
        .map((text) => ({ kind: 'non-object-payload', text }) as const),
    },
    { weight: 1, arbitrary: target.map((t) => ({ kind: 'bom', target: t }) as const) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('utf8' as const),
        target,
        bytes: fc.constantFrom<readonly number[]>(
          [0xff],
          [0x80],
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xe2, 0x82],
          [0xf8, 0x88, 0x80, 0x80, 0x80],
          [0xc3, 0xa9],
          [0xf0, 0x9f, 0x98, 0x80],
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('non-finite' as const),
        claim: fc.constantFrom('exp' as const, 'nbf' as const, 'iat' as const),
        literal: fc.constantFrom('1e400', '-1e400', '1E999'),
      }),
    },
    { weight: 1, arbitrary: target.map((t) => ({ kind: 'pretty', target: t }) as const) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('encoding' as const),
        segment: fc.constantFrom(0 as const, 1 as const, 2 as const),
        how: fc.constantFrom<Encoding>(
          'pad',
          'space',
          'newline',
          'tab',
          'cr',
          'formfeed',
          'nbsp',
          'trailing-bits',
          'std-alphabet',
        ),
        at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        resign: fc.boolean(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('wrong-key', 'empty', 'garbage', 'der', 'truncate', 'extend', 'zero')
        .map((how) => ({ kind: 'signature', how }) as const),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('none', 'None', 'NONE', 'nOnE')
        .map((a) => ({ kind: 'alg-none', alg: a }) as const),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('chars' as const),
        op: fc.constantFrom('flip' as const, 'insert' as const, 'delete' as const),
        at: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        char: fc.oneof(
          fc.constantFrom('A', 'a', '0', '-', '_', '.', '=', ' ', '+', '/', '\n', 'é', '\u0000'),
          fc.constantFrom(...Array.from(DIGITS)),
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'swap-header-payload',
          'swap-payload-signature',
          'rotate',
          'drop-signature',
          'extra-segment',
          'header-twice',
          'empty-header',
        )
        .map((how) => ({ kind: 'segments', how }) as const),
    },
  )
}

/** Random cases for `suite`: a third unmutated, the rest with one to three mutations. */
export function caseArbitrary(suite: Suite): fc.Arbitrary<Case> {
  const mutations = fc.oneof(
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 2, arbitrary: fc.array(mutationArb(suite.alg), { minLength: 1, maxLength: 3 }) },
  )
  return fc.nat({ max: suite.policies.length - 1 }).chain((policy) =>
    fc.record({
      policy: fc.constant(policy),
      header: headerArb(suite.alg, suite.policies[policy]!.def.sockguard.typ),
      claims: claimsArb,
      mutations,
    }),
  )
}

// ---------------------------------------------------------------------------------------------
// Building the token of a case.

const BOM = Buffer.from([0xef, 0xbb, 0xbf])

function at(text: string, fraction: number): number {
  return Math.min(text.length, Math.floor(fraction * (text.length + 1)))
}

/** Makes `segment` non-canonical in the way `how` says (or leaves it when that cannot apply). */
export function alterEncoding(segment: string, how: Encoding, fraction: number): string {
  const i = at(segment, fraction)
  const insert = (s: string): string => segment.slice(0, i) + s + segment.slice(i)
  switch (how) {
    case 'pad':
      return segment + '='.repeat(segment.length % 4 === 0 ? 2 : 4 - (segment.length % 4))
    case 'space':
      return insert(' ')
    case 'newline':
      return insert('\n')
    case 'tab':
      return insert('\t')
    case 'cr':
      return insert('\r')
    case 'formfeed':
      return insert('\f')
    case 'nbsp':
      return insert('\u00a0')
    case 'trailing-bits': {
      const rest = segment.length % 4
      if (rest !== 2 && rest !== 3) return segment + '=='
      const value = DIGITS.indexOf(segment.at(-1)!)
      const spare = rest === 2 ? 0x0f : 0x03
      const bits = 1 + Math.floor(fraction * spare)
      return segment.slice(0, -1) + DIGITS[(value & ~spare) | (bits & spare)]!
    }
    case 'std-alphabet': {
      const swapped = segment.replaceAll('-', '+').replaceAll('_', '/')
      return swapped === segment ? insert('+') : swapped
    }
  }
}

/** Converts an IEEE P1363 (r || s) ECDSA signature to DER, as other JWT libraries emit it. */
export function p1363ToDer(signature: Uint8Array): Buffer {
  const half = signature.length / 2
  const integer = (bytes: Uint8Array): Buffer => {
    let start = 0
    while (start < bytes.length - 1 && bytes[start] === 0) start++
    let body = Buffer.from(bytes.subarray(start))
    if ((body[0]! & 0x80) !== 0) body = Buffer.concat([Buffer.from([0]), body])
    return Buffer.concat([Buffer.from([0x02, body.length]), body])
  }
  const body = Buffer.concat([
    integer(signature.subarray(0, half)),
    integer(signature.subarray(half)),
  ])
  return Buffer.concat([Buffer.from([0x30, body.length]), body])
}

function memberText(name: string, escaped: boolean, value: unknown): string {
  const literal = escaped
    ? `"\\u${name.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(name).slice(2)}`
    : JSON.stringify(name)
  return `${literal}:${value === undefined ? 'null' : JSON.stringify(value)}`
}

/** Inserts raw member text first or last into the JSON object in `bytes`. */
function insertMember(bytes: Buffer, member: string | Buffer, last: boolean): Buffer {
  const text = bytes.toString('latin1')
  const open = text.indexOf('{')
  const close = text.lastIndexOf('}')
  if (open === -1 || close === -1) return bytes
  const empty = text.slice(open + 1, close).trim() === ''
  const raw = typeof member === 'string' ? Buffer.from(member) : member
  if (last) {
    return Buffer.concat([
      bytes.subarray(0, close),
      Buffer.from(empty ? '' : ','),
      raw,
      bytes.subarray(close),
    ])
  }
  return Buffer.concat([
    bytes.subarray(0, open + 1),
    raw,
    Buffer.from(empty ? '' : ','),
    bytes.subarray(open + 1),
  ])
}

function mutate(token: string, m: Mutation & { kind: 'chars' | 'segments' }): string {
  if (m.kind === 'chars') {
    const i = Math.min(Math.floor(m.at * token.length), token.length - 1)
    if (m.op === 'insert') return token.slice(0, i) + m.char + token.slice(i)
    if (m.op === 'delete') return token.slice(0, i) + token.slice(i + 1)
    const char = token[i] === m.char ? (m.char === 'A' ? 'B' : 'A') : m.char
    return token.slice(0, i) + char + token.slice(i + 1)
  }
  const [h = '', p = '', s = ''] = token.split('.')
  switch (m.how) {
    case 'swap-header-payload':
      return `${p}.${h}.${s}`
    case 'swap-payload-signature':
      return `${h}.${s}.${p}`
    case 'rotate':
      return `${s}.${h}.${p}`
    case 'drop-signature':
      return `${h}.${p}`
    case 'extra-segment':
      return `${token}.${s}`
    case 'header-twice':
      return `${h}.${h}.${s}`
    case 'empty-header':
      return `.${p}.${s}`
  }
}

const STAGE_ORDER: Readonly<Record<Mutation['kind'], number>> = {
  header: 0,
  claims: 0,
  oversize: 0,
  'alg-none': 0,
  'non-finite': 0,
  pretty: 0,
  duplicate: 1,
  'non-object-payload': 1,
  bom: 1,
  utf8: 1,
  encoding: 2,
  signature: 3,
  chars: 4,
  segments: 4,
}

/**
 * Builds the token of a case. Unmutated contents are signed by jose (`SignJWT`, or `CompactSign`
 * for raw payload bytes); anything jose would not sign (raw headers, altered `alg`, `crit`,
 * re-encoded segments) by node:crypto with the same key.
 */
export async function buildToken(suite: Suite, c: Case): Promise<string> {
  const mutations = [...c.mutations].sort((a, b) => STAGE_ORDER[a.kind] - STAGE_ORDER[b.kind])
  const header: Json = { ...c.header }
  const claims: Json = { ...c.claims }
  const pretty = new Set<Target>()
  const raw = new Set<Target>()
  let noneSignature = false
  for (const m of mutations) {
    if (m.kind === 'header') Object.assign(header, m.change)
    else if (m.kind === 'claims') Object.assign(claims, m.change)
    else if (m.kind === 'oversize') claims.pad = 'x'.repeat(m.bytes)
    else if (m.kind === 'non-finite') claims[m.claim] = undefined
    else if (m.kind === 'pretty') pretty.add(m.target)
    else if (m.kind === 'alg-none') {
      header.alg = m.alg
      noneSignature = true
    }
  }
  const serialize = (value: Json, t: Target): Buffer =>
    Buffer.from(pretty.has(t) ? JSON.stringify(value, null, 2) : JSON.stringify(value))
  let headerBytes = serialize(header, 'header')
  let payloadBytes = serialize(claims, 'payload')
  const edit = (t: Target, change: (bytes: Buffer) => Buffer): void => {
    if (t === 'header') headerBytes = change(headerBytes)
    else payloadBytes = change(payloadBytes)
    raw.add(t)
  }
  let h = ''
  let p = ''
  let signature: Buffer | undefined
  const late: Extract<Mutation, { kind: 'encoding' }>[] = []
  for (const m of mutations) {
    switch (m.kind) {
      case 'duplicate': {
        const member = memberText(m.name, m.escaped, m.value)
        edit(m.target, (bytes) => {
          const present = (m.target === 'header' ? header : claims)[m.name] !== undefined
          const once = insertMember(bytes, member, m.last)
          return present ? once : insertMember(once, member, !m.last)
        })
        break
      }
      case 'non-object-payload':
        edit('payload', () => Buffer.from(m.text))
        break
      case 'bom':
        edit(m.target, (bytes) => Buffer.concat([BOM, bytes]))
        break
      case 'utf8':
        edit(m.target, (bytes) =>
          insertMember(
            bytes,
            Buffer.concat([Buffer.from('"x":"'), Buffer.from(m.bytes), Buffer.from('"')]),
            false,
          ),
        )
        break
      case 'non-finite':
        edit('payload', (bytes) => insertMember(bytes, `"${m.claim}":${m.literal}`, false))
        break
      case 'encoding': {
        if (h === '') {
          h = b64url(headerBytes)
          p = b64url(payloadBytes)
        }
        if (m.segment === 2 || !m.resign) late.push(m)
        else if (m.segment === 0) h = alterEncoding(h, m.how, m.at)
        else p = alterEncoding(p, m.how, m.at)
        break
      }
      case 'signature':
      case 'chars':
      case 'segments':
      case 'header':
      case 'claims':
      case 'oversize':
      case 'pretty':
      case 'alg-none':
        break
    }
  }
  if (h === '') {
    h = b64url(headerBytes)
    p = b64url(payloadBytes)
  }
  const joseCanSign =
    !raw.has('header') &&
    !pretty.has('header') &&
    h === b64url(headerBytes) &&
    p === b64url(payloadBytes) &&
    header.alg === suite.alg &&
    header.crit === undefined &&
    header.b64 === undefined
  if (joseCanSign) {
    try {
      const signed =
        raw.has('payload') || pretty.has('payload')
          ? await new CompactSign(payloadBytes)
              .setProtectedHeader(header as { alg: string })
              .sign(suite.joseSignKey)
          : await new SignJWT(claims)
              .setProtectedHeader(header as { alg: string })
              .sign(suite.joseSignKey)
      const [sh = '', sp = '', ss = ''] = signed.split('.')
      if (sh === h && sp === p) {
        signature = Buffer.from(ss, 'base64url')
      }
    } catch {
      // jose refuses to sign some headers (a non-string kid, for one): node:crypto signs instead.
    }
  }
  const input = `${h}.${p}`
  signature ??= suite.sign(input)
  for (const m of mutations) {
    if (m.kind !== 'signature') continue
    switch (m.how) {
      case 'wrong-key':
        signature = suite.signWrong(input)
        break
      case 'empty':
        signature = Buffer.alloc(0)
        break
      case 'garbage':
        signature = Buffer.alloc(signature.length, 0x5a)
        break
      case 'der':
        signature =
          suite.alg === 'ES256'
            ? p1363ToDer(signature)
            : Buffer.concat([Buffer.from([0x30]), signature])
        break
      case 'truncate':
        signature = signature.subarray(0, Math.max(0, signature.length - 1))
        break
      case 'extend':
        signature = Buffer.concat([signature, Buffer.from([0])])
        break
      case 'zero':
        signature = Buffer.alloc(signature.length)
        break
    }
  }
  if (noneSignature) signature = Buffer.alloc(0)
  const segments = [h, p, b64url(signature)]
  for (const m of late) segments[m.segment] = alterEncoding(segments[m.segment]!, m.how, m.at)
  let token = segments.join('.')
  for (const m of mutations)
    if (m.kind === 'chars' || m.kind === 'segments') token = mutate(token, m)
  return token
}

// ---------------------------------------------------------------------------------------------
// Classification: which stricter rules a token falls under, read from the token itself.

function isCanonical(segment: string): boolean {
  return (
    /^[A-Za-z0-9_-]*$/.test(segment) &&
    Buffer.from(segment, 'base64url').toString('base64url') === segment
  )
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Decodes a segment as jose does (atob, which forgives padding, whitespace and spare bits). */
function inspect(segment: string): { bom: boolean; duplicates: boolean; value: Json | undefined } {
  try {
    const binary = atob(segment.replaceAll('-', '+').replaceAll('_', '/'))
    const text = fatalUtf8.decode(Buffer.from(binary, 'latin1'))
    const bom = text.startsWith('\ufeff')
    const body = bom ? text.slice(1) : text
    const value: unknown = JSON.parse(body)
    const object =
      typeof value === 'object' && value !== null && !Array.isArray(value)
        ? (value as Json)
        : undefined
    return { bom, duplicates: object !== undefined && hasDuplicateNames(body), value: object }
  } catch {
    return { bom: false, duplicates: false, value: undefined }
  }
}

/** The stricter rules that `token` falls under with policy `def`. */
export function applicableRules(token: string, def: PolicyDef): RuleId[] {
  const rules = new Set<RuleId>()
  if (token.length > (def.sockguard.maxTokenBytes ?? 8192)) rules.add('max-token-bytes')
  const segments = token.split('.')
  if (segments.length !== 3) return [...rules]
  if (!segments.every(isCanonical)) rules.add('non-canonical-base64url')
  const header = inspect(segments[0]!)
  const payload = inspect(segments[1]!)
  for (const part of [header, payload]) {
    if (part.bom) rules.add('utf8-bom')
    if (part.duplicates) rules.add('duplicate-member-names')
  }
  const h = header.value
  if (h !== undefined) {
    const { kid, typ, crit, b64 } = h
    if (kid !== undefined && !(typeof kid === 'string' && kid.length >= 1 && kid.length <= 256)) {
      rules.add('kid-shape')
    }
    if (typ !== undefined && typeof typ !== 'string') rules.add('typ-not-string')
    if (crit !== undefined) rules.add('crit-unsupported')
    if (b64 !== undefined && b64 !== true) rules.add('b64-not-true')
  }
  const claims = payload.value
  if (claims !== undefined) {
    for (const name of ['iss', 'sub', 'jti']) {
      if (claims[name] !== undefined && typeof claims[name] !== 'string')
        rules.add('string-claim-type')
    }
    if (claims.sub === '') rules.add('empty-sub')
    const { aud, iat } = claims
    if (
      aud !== undefined &&
      typeof aud !== 'string' &&
      !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
    ) {
      rules.add('aud-type')
    }
    for (const name of ['exp', 'nbf', 'iat']) {
      const value = claims[name]
      if (typeof value === 'number' && !Number.isFinite(value)) rules.add('non-finite-numeric-date')
    }
    const tolerance = def.sockguard.clockToleranceMs ?? 0
    if (typeof iat === 'number' && iat * 1000 > NOW_MS + tolerance) rules.add('iat-in-future')
    const maxAge = def.sockguard.maxTokenAgeMs
    if (
      maxAge !== undefined &&
      typeof iat === 'number' &&
      iat * 1000 + maxAge === NOW_MS - tolerance
    ) {
      rules.add('max-token-age-inclusive')
    }
  }
  return [...rules]
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/** What one case showed. */
export type Outcome =
  | { readonly kind: 'both-accept' }
  | { readonly kind: 'both-reject' }
  | { readonly kind: 'classified'; readonly rule: RuleId }
  | { readonly kind: 'violation'; readonly reason: string }

const SOCKGUARD_CODES = new Set<string>([
  'token_malformed',
  'token_invalid',
  'token_expired',
  'token_not_active',
  'claim_invalid',
])

/** Verifies `token` with both verifiers of `policy` and compares. */
export async function compare(suite: Suite, policy: BoundPolicy, token: string): Promise<Outcome> {
  let ours: { claims: unknown; header: unknown } | { code: string; message: string }
  try {
    const verified = await policy.verifier.verify(token)
    ours = { claims: verified.claims, header: verified.header }
  } catch (error) {
    if (!isAuthError(error))
      return { kind: 'violation', reason: `sockguard threw ${String(error)}` }
    if (!SOCKGUARD_CODES.has(error.code)) {
      return { kind: 'violation', reason: `sockguard answered ${error.code}: ${error.message}` }
    }
    ours = { code: error.code, message: error.message }
  }
  let theirs: { payload: unknown; protectedHeader: unknown } | undefined
  try {
    theirs = await jwtVerify(token, suite.joseVerifyKey, policy.jose)
  } catch {
    theirs = undefined
  }
  if ('claims' in ours) {
    if (theirs === undefined)
      return { kind: 'violation', reason: 'sockguard accepted, jose rejected' }
    if (!isDeepStrictEqual({ ...(ours.claims as Json) }, theirs.payload)) {
      return { kind: 'violation', reason: 'both accepted with different claims' }
    }
    if (!isDeepStrictEqual({ ...(ours.header as Json) }, theirs.protectedHeader)) {
      return { kind: 'violation', reason: 'both accepted with different headers' }
    }
    return { kind: 'both-accept' }
  }
  if (theirs === undefined) return { kind: 'both-reject' }
  const rules = applicableRules(token, policy.def)
  const { code } = ours
  const rule = rules.find((id) => STRICTER_RULES[id].code === code)
  if (rule === undefined) {
    return {
      kind: 'violation',
      reason: `jose accepted, sockguard refused with ${ours.code} (${ours.message}); rules recognised: [${rules.join(', ')}]`,
    }
  }
  return { kind: 'classified', rule }
}

/** Counts of outcomes over a run. */
export interface Tally {
  cases: number
  bothAccept: number
  bothReject: number
  classified: Partial<Record<RuleId, number>>
  violations: number
}

/** An empty {@link Tally}. */
export function newTally(): Tally {
  return { cases: 0, bothAccept: 0, bothReject: 0, classified: {}, violations: 0 }
}

/** Adds `outcome` to `tally`. */
export function count(tally: Tally, outcome: Outcome): void {
  tally.cases++
  if (outcome.kind === 'both-accept') tally.bothAccept++
  else if (outcome.kind === 'both-reject') tally.bothReject++
  else if (outcome.kind === 'violation') tally.violations++
  else tally.classified[outcome.rule] = (tally.classified[outcome.rule] ?? 0) + 1
}

/** Builds and compares one case. */
export async function runCase(suite: Suite, c: Case): Promise<{ token: string; outcome: Outcome }> {
  const token = await buildToken(suite, c)
  return { token, outcome: await compare(suite, suite.policies[c.policy]!, token) }
}

/** How the cases of a run are shared among algorithms: HS256 is the cheapest to sign. */
export const SHARES: Readonly<Record<SuiteAlg, number>> = {
  HS256: 0.6,
  ES256: 0.15,
  EdDSA: 0.15,
  RS256: 0.1,
}
