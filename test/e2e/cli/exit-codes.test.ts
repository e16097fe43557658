// The exit-code table: total over AUTH_ERROR_CODES, distinct, clear of 0/1/2, and the same in
// `docs/cli.md` and `sockguard verify --help`, in both directions. Every code has an explanation.
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { AUTH_EXIT_CODES, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE } from '../../../src/cli/exit-codes.js'
import { explainError, type ExplainContext } from '../../../src/cli/explain-error.js'
import { VERIFY_HELP } from '../../../src/cli/help.js'
import { AUTH_ERROR_CODES, AuthError } from '../../../src/errors.js'

const docs = await readFile(new URL('../../../docs/cli.md', import.meta.url), 'utf8')

describe('exit codes', () => {
  it('has one exit code for every AuthError code and no other', () => {
    expect(Object.keys(AUTH_EXIT_CODES).sort()).toEqual([...AUTH_ERROR_CODES].sort())
  })

  it('gives distinct codes that do not collide with ok, internal or usage', () => {
    const codes = [EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, ...Object.values(AUTH_EXIT_CODES)]
    expect(new Set(codes).size).toBe(codes.length)
    // Exit statuses are 8 bits; 126 and up mean "not executable", "not found" or a signal.
    for (const code of codes) expect(code).toBeLessThan(126)
  })

  it('is the table of docs/cli.md, in both directions', () => {
    const rows = [...docs.matchAll(/^\| (\d+)\s+\| `([a-z_]+)`\s+\|/gm)].map(
      (m): [string, number] => [m[2]!, Number(m[1])],
    )
    const documented = Object.fromEntries(rows.filter(([code]) => code !== 'invalid_option'))
    expect(documented).toEqual(AUTH_EXIT_CODES)
    expect(rows).toContainEqual(['invalid_option', EXIT_USAGE])
    expect(docs).toMatch(/^\| 0 +\| +\|/m)
    expect(docs).toMatch(/^\| 1 +\| +\| Internal error/m)
  })

  it('is listed by `sockguard verify --help`', () => {
    for (const [code, exit] of Object.entries(AUTH_EXIT_CODES)) {
      expect(VERIFY_HELP).toMatch(new RegExp(`\\b${exit} ${code}\\b`))
    }
    const listed = [...VERIFY_HELP.matchAll(/\b(\d+) ([a-z]+_[a-z_]+|forbidden)\b/g)]
    expect(listed).toHaveLength(AUTH_ERROR_CODES.length)
  })
})

describe('explanations', () => {
  const ctx: ExplainContext = {
    nowMs: Date.now(),
    header: undefined,
    claims: undefined,
    keyFlag: '--jwks-uri',
    keyLocation: 'https://id.example/jwks.json',
    algorithms: ['RS256'],
    issuer: undefined,
    audience: undefined,
    subject: undefined,
    typ: undefined,
    fromStdin: false,
  }

  it.each(AUTH_ERROR_CODES)('explains %s with its code and a sentence of what to do', (code) => {
    const text = explainError(new AuthError(code, 'The fixed message.'), ctx)
    const [head, body, rest] = text.split('\n')
    expect(head).toBe(`error: ${code}`)
    expect(body).toMatch(/^[A-Z].{30,}\.$/)
    expect(rest).toBe('')
  })

  it('names the claim and the kid the error carries', () => {
    const text = explainError(
      new AuthError('key_not_found', 'No key.', { kid: 'k-2', claim: 'x' }),
      ctx,
    )
    expect(text.split('\n')[0]).toBe('error: key_not_found (claim: x, kid: "k-2")')
    expect(text).toContain('https://id.example/jwks.json')
  })
})
