// An independent oracle for the tests: the decoded member names of every object of a JSON text,
// found by a scanner that shares no code with src/internal/parse-json-object.ts.

const STRING = /"(?:[^"\\]|\\.)*"/y
const COLON = /[ \t\n\r]*:/y

/**
 * The member names of each object of `text` (a JSON text that JSON.parse accepts), each decoded,
 * in order and with repeats, one list per object in the order the objects open (the outermost
 * first). `undefined` when `text` is not an object.
 */
export function objectMemberNames(text: string): string[][] | undefined {
  const start = text.search(/[^ \t\n\r]/)
  if (text[start] !== '{') return undefined
  const objects: string[][] = []
  // One entry per open bracket: the names list of an object, null for an array.
  const open: (string[] | null)[] = []
  let i = start
  while (i < text.length) {
    const c = text[i]
    if (c === '"') {
      STRING.lastIndex = i
      const match = STRING.exec(text)
      if (match === null) return undefined
      i += match[0].length
      COLON.lastIndex = i
      const container = open.at(-1)
      if (container && COLON.test(text)) container.push(JSON.parse(match[0]) as string)
      continue
    }
    if (c === '{') {
      const names: string[] = []
      objects.push(names)
      open.push(names)
    } else if (c === '[') open.push(null)
    else if (c === '}' || c === ']') open.pop()
    i++
  }
  return objects
}

/**
 * The top-level member names of `text` (a JSON object that JSON.parse accepts), each decoded, in
 * order and with repeats. `undefined` when `text` is not an object.
 */
export function topLevelNames(text: string): string[] | undefined {
  return objectMemberNames(text)?.[0]
}

/** True when an object of the JSON text `text`, at any depth, repeats a member name (after unescaping). */
export function hasDuplicateNames(text: string): boolean {
  const objects = objectMemberNames(text)
  return objects !== undefined && objects.some((names) => new Set(names).size !== names.length)
}
