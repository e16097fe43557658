// The snippets in seed-snippets.ts are the seed page's text: each function body, minus the lines
// the TypeScript form needs and the edits its TSDoc names, is a run of lines of the fixture.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'

const HERE = import.meta.dirname
const SEED = path.join(HERE, 'fixtures', 'authenticating-socketio-with-jwt.txt')
const SNIPPETS = path.join(HERE, 'seed-snippets.ts')

/** Lines without trailing blanks (the page has some). */
function lines(text: string): string[] {
  return text.split('\n').map((line) => line.trimEnd())
}

/** The body of the `prettier-ignore` function `name`: the lines between its signature and `}`. */
function body(source: readonly string[], name: string): string[] {
  const start = source.findIndex((line) => line.startsWith(`export function ${name}(`))
  if (start < 0) throw new Error(`seed-snippets.ts has no function ${name}`)
  expect(source[start - 1]).toBe('// prettier-ignore')
  const end = source.indexOf('}', start)
  return source
    .slice(start + 1, end)
    .filter((line) => line !== 'return socket' && !line.startsWith('// @ts-expect-error'))
}

/** Whether `block` occurs in `text` as consecutive lines. */
function containsRun(text: readonly string[], block: readonly string[]): boolean {
  return text.some((_, i) => block.every((line, j) => text[i + j] === line))
}

describe('the seed fixture and seed-snippets.ts', () => {
  const seed = lines(readFileSync(SEED, 'utf8'))
  const source = lines(readFileSync(SNIPPETS, 'utf8'))

  it.each([
    ['seedQueryClient', []],
    ['seedSocketioJwtClientAsWritten', []],
    // Documented edit: the connect listener loses its parameter.
    [
      'seedSocketioJwtClient',
      [["socket.on('connect', function () {", "socket.on('connect', function (socket) {"]],
    ],
    // Documented edit: the 10-byte literal secret becomes a parameter.
    ['seedSocketioJwtServer', [['    secret: secret,', "    secret: 'SECRET_KEY',"]]],
  ] as const)('%s is the page text (edits: %j)', (name, edits) => {
    const block = body(source, name).map(
      (line) => edits.find(([ours]) => ours === line)?.[1] ?? line,
    )
    expect(block.length).toBeGreaterThan(3)
    expect(containsRun(seed, block), block.join('\n')).toBe(true)
  })

  it('a changed snippet would be caught', () => {
    const block = body(source, 'seedQueryClient').map((line) => line.replace('3000', '3001'))
    expect(containsRun(seed, block)).toBe(false)
  })
})
