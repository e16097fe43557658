// An independent oracle for the tests: the decoded top-level member names of a JSON object text,
// found by a scanner that shares no code with src/internal/parse-json-object.ts.

const STRING = /"(?:[^"\\]|\\.)*"/y
const COLON = /[ \t\n\r]*:/y

/**
 * The top-level member names of `text` (a JSON object that JSON.parse accepts), each decoded, in
 * order and with repeats. `undefined` when `text` is not an object.
 */
export function topLevelNames(text: string): string[] | undefined {
  const start = text.search(/[^ \t\n\r]/)
  if (text[start] !== '{') return undefined
  const names: string[] = []
  let depth = 0
  let i = start
  while (i < text.length) {
    const c = text[i]
    if (c === '"') {
      STRING.lastIndex = i
      const match = STRING.exec(text)
      if (match === null) return undefined
      i += match[0].length
      COLON.lastIndex = i
      if (depth === 1 && COLON.test(text)) {
        names.push(JSON.parse(match[0]) as string)
      }
      continue
    }
    if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') depth--
    i++
  }
  return names
}

/** True when the JSON object `text` repeats a top-level member name (after unescaping). */
export function hasDuplicateNames(text: string): boolean {
  const names = topLevelNames(text)
  return names !== undefined && new Set(names).size !== names.length
}
