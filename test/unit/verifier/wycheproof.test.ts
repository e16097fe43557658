// Runs every Wycheproof JWS and JWK-set vector through key-set import and the JWS layer, and pins
// each outcome: Wycheproof's verdict, or an override listed below with its reason.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  WYCHEPROOF_DIR,
  loadWycheproof,
  publicHalf,
  runVector,
  verificationKeySet,
  type VectorJwk,
  type VectorOutcome,
  type WycheproofFile,
  type WycheproofGroup,
  type WycheproofTest,
} from '../../support/wycheproof-vectors.js'

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..')

type Expected = 'accepted' | 'rejected'

interface Override {
  readonly expected: Expected
  readonly reason: string
}

/** Where sockguard departs from Wycheproof's `result`, and why. Checked to be live below. */
const SIGNATURE_OVERRIDES: ReadonlyMap<number, Override> = new Map([
  [
    346,
    {
      expected: 'rejected',
      reason:
        'the JWK pins "alg": "PS256" and the token says PS384: the key decides the algorithm, ' +
        'never the token (RFC 8725 §3.1)',
    },
  ],
  [
    350,
    {
      expected: 'rejected',
      reason: 'as tcId 346 (JWK pinned to PS256, token PS384), with key_ops ["verify"]',
    },
  ],
  [
    347,
    {
      expected: 'rejected',
      reason:
        'the JWK says "alg": "ES521", which is no JWS algorithm (RFC 7518 §3.1 names ES512 for ' +
        'P-521). An unknown pinned algorithm is refused at import rather than guessed; with ' +
        '"ES512" the token verifies (asserted below)',
    },
  ],
  [351, { expected: 'rejected', reason: 'as tcId 347 ("alg": "ES521"), with key_ops ["verify"]' }],
  [
    367,
    {
      expected: 'accepted',
      reason:
        'labelled invalid (invalidBase64Padding) but the string is byte-for-byte the valid ' +
        'tcId 357 (asserted below): the padding it names is not in the vector',
    },
  ],
  [
    370,
    {
      expected: 'accepted',
      reason:
        'labelled invalid (invalidBase64PaddingInPayload) but identical to the valid tcId 357 ' +
        '(asserted below)',
    },
  ],
  [
    372,
    {
      expected: 'rejected',
      reason:
        'labelled valid, but "?" sits inside the header segment: it is not base64url ' +
        '(RFC 7515 §2), and only a decoder that skips stray characters accepts it',
    },
  ],
  [
    373,
    {
      expected: 'rejected',
      reason: 'labelled valid, but "?" sits inside the payload segment (as tcId 372)',
    },
  ],
])

/** Every `json_web_key_test` verdict matches Wycheproof's; none is overridden. */
const KEY_OVERRIDES: ReadonlyMap<number, Override> = new Map()

/**
 * Key-set vectors whose point is the set as published, so the material is passed as given:
 * - MixedKeySet (tcId 1): an HMAC secret beside a public EC key. Stripping private members
 *   would not change it, and the verifier must see the mix to refuse it (RFC 8725 §3.1).
 * - DuplicateKid (tcId 4): two HMAC secrets under one kid; `oct` keys are never stripped, and
 *   the set must reach the importer with both keys for the duplicate to be seen.
 * Every other group is reduced to its public half (or its `public` member), since a verifier
 * refuses private key material outright.
 */
const KEEP_SET_AS_GIVEN_FLAGS = new Set(['MixedKeySet', 'DuplicateKid'])

/** Why each refused key-set vector is refused: the option path at fault and the message. */
const KEY_REFUSALS: ReadonlyMap<number, readonly [option: string, message: RegExp]> = new Map([
  [1, ['jwks', /mixes HMAC secrets and public keys/]],
  // The second key's k ends in "e", whose low bits are not zero: it is refused as
  // non-canonical base64url before the duplicate kid is looked at (see the test below).
  [4, ['jwks.keys[1].k', /canonical base64url/]],
  [6, ['jwks.keys[0].use', /must be "sig"/]],
  [7, ['jwks.keys[0]', /ROCA/]],
  [8, ['jwks.keys[0]', /at least 2048 bits/]],
  [9, ['jwks.keys[0]', /unsafe RSA public exponent/]],
  [10, ['jwks.keys[0]', /HS256 needs at least 32/]],
  [11, ['jwks.keys[0]', /HS384 needs at least 48/]],
  [12, ['jwks.keys[0]', /HS512 needs at least 64/]],
  [16, ['jwks.keys[0].k', /is empty/]],
  [17, ['jwks.keys[0].k', /is empty/]],
  [18, ['jwks.keys[0].k', /is empty/]],
  [19, ['jwks.keys[0].alg', /not a supported JWS algorithm/]],
  [20, ['jwks.keys[0].alg', /not a supported JWS algorithm/]],
  [21, ['jwks.keys[0].use', /must be "sig"/]],
  [22, ['jwks.keys[0]', /not a valid public JWK/]],
  [23, ['jwks.keys[0]', /not a valid public JWK/]],
  [24, ['jwks.keys[0]', /not a valid public JWK/]],
  [25, ['jwks.keys[0].alg', /not a supported JWS algorithm/]],
  [26, ['jwks.keys[0].alg', /not a supported JWS algorithm/]],
])

/** Totals, pinned: a change in any verdict shows here as well as in its own test. */
const TOTALS = {
  signatures: { run: 401, accepted: 42, rejected: 359, notApplicable: [17] },
  keys: { run: 26, accepted: 5, rejected: 21 },
} as const

const ERROR_CODES = new Set(['token_malformed', 'token_invalid', 'key_not_found', 'invalid_option'])

interface Case {
  readonly name: string
  readonly test: WycheproofTest
  readonly group: WycheproofGroup
  readonly expected: Expected
  readonly override: Override | undefined
  /** JSON serialization: not applicable to a compact-only verifier, yet fed as a string. */
  readonly jsonSerialization: boolean
}

function wycheproofVerdict(test: WycheproofTest): Expected {
  if (test.result === 'acceptable') {
    throw new Error(`tcId ${test.tcId} is "acceptable": pin it with an override`)
  }
  return test.result === 'valid' ? 'accepted' : 'rejected'
}

function casesOf(file: WycheproofFile | undefined, overrides: ReadonlyMap<number, Override>) {
  return (file?.testGroups ?? []).flatMap((group) =>
    group.tests.map((test): Case => {
      const override = overrides.get(test.tcId)
      const jsonSerialization =
        typeof test.jws !== 'string' || test.flags.includes('JsonSerialization')
      return {
        name: `tcId ${test.tcId} [${group.comment ?? ''}] ${test.comment}`,
        test,
        group,
        // A JSON-serialized JWS is never a compact token: whatever its label, it must be refused.
        expected: jsonSerialization ? 'rejected' : (override?.expected ?? wycheproofVerdict(test)),
        override,
        jsonSerialization,
      }
    }),
  )
}

/** The token as a verifier would receive it: a JSON-serialized JWS arrives as its JSON text. */
function tokenOf(test: WycheproofTest): string {
  return typeof test.jws === 'string' ? test.jws : JSON.stringify(test.jws)
}

/** The code a rejected signature vector must carry, where its class makes that plain. */
function expectedCode(c: Case): string | undefined {
  const { comment, flags } = c.test
  if (c.jsonSerialization) return 'token_malformed'
  if (
    ['ModifiedSignature', 'ModifiedPadding', 'WrongPrimitive', 'AlgIsNone'].some((f) =>
      flags.includes(f),
    )
  ) {
    return 'token_invalid'
  }
  // Not canonical base64url in some segment (whitespace, '?', '=', non-zero trailing bits).
  if (c.group.comment === 'base64') return 'token_malformed'
  if (c.group.comment === 'SpecialCaseEs256') return 'token_invalid'
  if (/Separator|EmptyString|ExtraComponent|ExtraEmptyComponent|MissingHeader/.test(comment)) {
    return 'token_malformed'
  }
  // The header was changed by editing its kid, so no key matches any more.
  if (comment === 'rejectsModifiedHeader') return 'key_not_found'
  if (/^rejects(Modified|Missing)(Signature|Payload)$/.test(comment)) return 'token_invalid'
  if (/^rejectWrong(Use|KeyOps)$/.test(comment)) return 'invalid_option'
  return undefined
}

const loaded = loadWycheproof()
const signatureFile = loaded.ok ? loaded.signatures : undefined
const keyFile = loaded.ok ? loaded.keys : undefined
const signatureCases = casesOf(signatureFile, SIGNATURE_OVERRIDES)
const keyCases = casesOf(keyFile, KEY_OVERRIDES)

const tally = {
  signatures: { run: new Set<number>(), accepted: 0, rejected: 0, notApplicable: [] as number[] },
  keys: { run: new Set<number>(), accepted: 0, rejected: 0 },
}

function count(which: 'signatures' | 'keys', c: Case, result: VectorOutcome): void {
  const bucket = tally[which]
  bucket.run.add(c.test.tcId)
  bucket[result.outcome]++
  if (which === 'signatures' && c.jsonSerialization)
    tally.signatures.notApplicable.push(c.test.tcId)
}

/** `[name, case]` rows, so that `%s` prints the whole name (`$name` would quote and truncate it). */
function named(cases: readonly Case[]): (readonly [string, Case])[] {
  return cases.map((c) => [c.name, c] as const)
}

function vector(cases: readonly Case[], tcId: number): Case {
  const found = cases.find((c) => c.test.tcId === tcId)
  if (found === undefined) throw new Error(`no vector with tcId ${tcId}`)
  return found
}

function jwkOf(c: Case, member: 'public' | 'private'): VectorJwk {
  const material = c.group[member]
  if (material === undefined || 'keys' in material)
    throw new Error(`tcId ${c.test.tcId}: no ${member} JWK`)
  return material
}

describe('Wycheproof vector files', () => {
  it('are found in test/vectors/wycheproof, inside the repository', () => {
    if (!loaded.ok) expect.fail(loaded.message)
    expect(signatureFile?.numberOfTests).toBe(TOTALS.signatures.run)
    expect(keyFile?.numberOfTests).toBe(TOTALS.keys.run)
    expect(signatureCases).toHaveLength(TOTALS.signatures.run)
    expect(keyCases).toHaveLength(TOTALS.keys.run)
  })

  it('sit beside their Apache-2.0 license and a README naming their source', () => {
    expect(path.relative(REPO_ROOT, WYCHEPROOF_DIR)).toBe(
      path.join('test', 'vectors', 'wycheproof'),
    )
    expect(readFileSync(path.join(WYCHEPROOF_DIR, 'LICENSE'), 'utf8')).toMatch(
      /Apache License\s+Version 2\.0, January 2004/,
    )
    const readme = readFileSync(path.join(WYCHEPROOF_DIR, 'README.md'), 'utf8')
    expect(readme).toContain('C2SP Wycheproof')
    expect(readme).toContain('Apache License, Version 2.0')
  })
})

describe('json_web_signature_test.json', () => {
  it.each(named(signatureCases))('%s', (_name, c) => {
    const result = runVector(verificationKeySet(c.group), tokenOf(c.test))
    count('signatures', c, result)
    expect(result.outcome, c.override?.reason ?? `Wycheproof: ${c.test.result}`).toBe(c.expected)
    if (result.outcome === 'rejected') {
      expect(ERROR_CODES).toContain(result.code)
      const code = expectedCode(c)
      if (code !== undefined) expect(result.code).toBe(code)
    }
  })
})

describe('json_web_key_test.json', () => {
  it.each(named(keyCases))('%s', (_name, c) => {
    const asGiven = c.test.flags.some((flag) => KEEP_SET_AS_GIVEN_FLAGS.has(flag))
    const result = runVector(verificationKeySet(c.group, asGiven), tokenOf(c.test))
    count('keys', c, result)
    expect(result.outcome, c.override?.reason ?? `Wycheproof: ${c.test.result}`).toBe(c.expected)
    const refusal = KEY_REFUSALS.get(c.test.tcId)
    if (refusal !== undefined) {
      expect(result).toMatchObject({ stage: 'import', code: 'invalid_option', option: refusal[0] })
      if (result.outcome === 'rejected') expect(result.message).toMatch(refusal[1])
    } else if (result.outcome === 'rejected') {
      // tcId 3: a good key set, a modified MAC.
      expect(result).toMatchObject({ stage: 'verify', code: 'token_invalid' })
    }
  })
})

describe('the decisions behind the overrides', () => {
  it('lists only live overrides: each names a vector and departs from its Wycheproof result', () => {
    for (const [tcId, override] of [...SIGNATURE_OVERRIDES, ...KEY_OVERRIDES]) {
      const c = [...signatureCases, ...keyCases].find(
        (k) => k.test.tcId === tcId && k.override === override,
      )
      expect(c, `override for tcId ${tcId}`).toBeDefined()
      if (c !== undefined) expect(wycheproofVerdict(c.test)).not.toBe(override.expected)
    }
  })

  it('tcId 367 and 370 are the very string of the valid tcId 357', () => {
    const valid = vector(signatureCases, 357)
    expect(valid.test.result).toBe('valid')
    expect(vector(signatureCases, 367).test.jws).toBe(valid.test.jws)
    expect(vector(signatureCases, 370).test.jws).toBe(valid.test.jws)
  })

  it('tcId 372 and 373 differ from tcId 357 only by an inserted "?"', () => {
    const valid = tokenOf(vector(signatureCases, 357).test)
    for (const tcId of [372, 373]) {
      const jws = tokenOf(vector(signatureCases, tcId).test)
      expect(jws).toContain('?')
      expect(jws.replace('?', '')).toBe(valid)
    }
  })

  it('tcId 346 and 350 verify once the JWK pins PS384: only the pin refuses them', () => {
    for (const tcId of [346, 350]) {
      const c = vector(signatureCases, tcId)
      const jwk = jwkOf(c, 'public')
      expect(jwk.alg).toBe('PS256')
      expect(runVector({ keys: [{ ...jwk, alg: 'PS384' }] }, tokenOf(c.test)).outcome).toBe(
        'accepted',
      )
    }
  })

  it('tcId 347 and 351 verify once the JWK says ES512: only the misspelt "ES521" refuses them', () => {
    for (const tcId of [347, 351]) {
      const c = vector(signatureCases, tcId)
      const jwk = jwkOf(c, 'public')
      expect(jwk.alg).toBe('ES521')
      expect(runVector({ keys: [{ ...jwk, alg: 'ES512' }] }, tokenOf(c.test)).outcome).toBe(
        'accepted',
      )
    }
  })

  it('tcId 349: the public JWK (key_ops ["verify"]) verifies; its private twin\'s key_ops ["sign, verify"] is refused', () => {
    const c = vector(signatureCases, 349)
    expect(jwkOf(c, 'public').key_ops).toEqual(['verify'])
    expect(c.expected).toBe('accepted')
    // Stricter than Wycheproof, on purpose: key_ops is an array of operation names
    // (RFC 7517 §4.3); one string "sign, verify" names no operation this library knows, so a
    // key published that way is refused instead of being read as a list.
    const derived = publicHalf(jwkOf(c, 'private'))
    expect(derived.key_ops).toEqual(['sign, verify'])
    expect(runVector({ keys: [derived] }, tokenOf(c.test))).toMatchObject({
      outcome: 'rejected',
      stage: 'import',
      option: 'jwks.keys[0].key_ops',
    })
  })

  it('tcId 4: with a canonical second key, the set is still refused for its duplicate kid', () => {
    const c = vector(keyCases, 4)
    const { keys } = verificationKeySet(c.group, true)
    expect(keys.map((key) => key.kid)).toEqual(['kid-aes-sign', 'kid-aes-sign'])
    const k = keys[1]?.k
    expect(typeof k).toBe('string')
    // Re-encoding clears the non-zero trailing bits that made the published k non-canonical.
    const canonical = Buffer.from(String(k), 'base64url').toString('base64url')
    expect(canonical).not.toBe(k)
    const fixed = { keys: [keys[0], { ...keys[1], k: canonical }] }
    expect(runVector(fixed, tokenOf(c.test))).toMatchObject({
      outcome: 'rejected',
      stage: 'import',
      option: 'jwks.keys[1].kid',
    })
  })

  it('tcId 1: the mixed set is refused as a whole, though its HMAC key alone verifies the token', () => {
    const c = vector(keyCases, 1)
    const { keys } = verificationKeySet(c.group, true)
    const secret = keys.find((key) => key.kty === 'oct')
    expect(runVector({ keys: [secret] }, tokenOf(c.test)).outcome).toBe('accepted')
  })
})

describe('Wycheproof totals', () => {
  it('ran every vector, none skipped, with the pinned verdict counts', () => {
    expect({
      signatures: {
        run: tally.signatures.run.size,
        accepted: tally.signatures.accepted,
        rejected: tally.signatures.rejected,
        notApplicable: tally.signatures.notApplicable,
      },
      keys: {
        run: tally.keys.run.size,
        accepted: tally.keys.accepted,
        rejected: tally.keys.rejected,
      },
    }).toEqual(TOTALS)
  })
})
