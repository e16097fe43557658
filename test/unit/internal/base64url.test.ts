// Strict base64url: one encoding per byte string (RFC 7515 §2, RFC 4648 §5 and §3.5).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64url } from '../../../src/internal/base64url.js'

const isCanonicalBase64url = (text: string): boolean => decodeBase64url(text) !== undefined

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

describe('decodeBase64url', () => {
  it.each([
    ['', []],
    ['AA', [0]],
    ['AQ', [1]],
    ['_w', [0xff]],
    ['AAA', [0, 0]],
    ['__8', [0xff, 0xff]],
    ['AAAA', [0, 0, 0]],
    ['Zm9v', [0x66, 0x6f, 0x6f]],
    ['-_-_', [0xfb, 0xff, 0xbf]],
  ])('accepts %j', (text, bytes) => {
    expect(isCanonicalBase64url(text)).toBe(true)
    expect(decodeBase64url(text)).toEqual(Buffer.from(bytes))
  })

  it('length % 4 == 2: only a last character with the 4 spare bits zero', () => {
    const accepted = Array.from(DIGITS).filter((last) => isCanonicalBase64url(`A${last}`))
    expect(accepted).toEqual(['A', 'Q', 'g', 'w'])
    expect(decodeBase64url('AB')).toBeUndefined()
    // Buffer decodes both to the same byte: that is the ambiguity refused.
    expect(Buffer.from('AB', 'base64url')).toEqual(Buffer.from('AA', 'base64url'))
  })

  it('length % 4 == 3: only a last character with the 2 spare bits zero', () => {
    const accepted = Array.from(DIGITS).filter((last) => isCanonicalBase64url(`AA${last}`))
    expect(accepted).toEqual(Array.from(DIGITS).filter((_, value) => (value & 3) === 0))
    expect(accepted).toHaveLength(16)
    expect(decodeBase64url('AAB')).toBeUndefined()
    expect(decodeBase64url('__9')).toBeUndefined()
  })

  it.each([
    ['"=" padding', 'AA=='],
    ['one "="', 'AAA='],
    ['short padding', 'AA='],
    ['padding alone', '===='],
    ['"=" inside', 'AA=A'],
    ['"+" (standard alphabet)', 'A+AA'],
    ['"/" (standard alphabet)', 'A/AA'],
    ['a leading space', ' AAA'],
    ['a trailing newline', 'AAAA\n'],
    ['a space inside', 'AA AA'],
    ['a tab', 'AA\tA'],
    ['a carriage return', 'AAA\r'],
    ['a non-breaking space', 'AA\u00a0A'],
    ['length % 4 == 1 (one char)', 'A'],
    ['length % 4 == 1 (five chars)', 'AAAAA'],
    ['a non-ASCII letter', 'AAé'],
    ['a full-width letter', 'ＡＡ'],
    ['a NUL', 'AA\u0000A'],
    ['a dot', 'AA.A'],
  ])('refuses %s', (_name, text) => {
    expect(isCanonicalBase64url(text)).toBe(false)
    expect(decodeBase64url(text)).toBeUndefined()
  })

  it('property: every byte string has exactly one accepted encoding, and it round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64url')
        expect(isCanonicalBase64url(text)).toBe(true)
        expect(decodeBase64url(text)).toEqual(Buffer.from(bytes))
      }),
      { numRuns: 500 },
    )
  })

  it('property: accepted exactly when the text is what its bytes re-encode to', () => {
    const text = fc.string({
      unit: fc.constantFrom(...Array.from(DIGITS), '=', '+', '/', ' ', '\n', 'é'),
      maxLength: 12,
    })
    fc.assert(
      fc.property(text, (s) => {
        const reference =
          /^[A-Za-z0-9_-]*$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s
        expect(isCanonicalBase64url(s)).toBe(reference)
      }),
      { numRuns: 2000 },
    )
  })
})
