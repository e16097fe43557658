// Room name patterns, compiled once: `{name}` matches one non-empty segment (no ':'), a final `*`
// matches a non-empty rest, any other text matches itself exactly. Matching is over the whole room
// name (anchored), so `doc:1:admin` is not `doc:{id}` and a room named `doc:*` is just a string.
import { InvalidOptionError } from '../errors.js'

/** A compiled pattern: a literal name, or an anchored regular expression with named segments. */
export interface CompiledPattern {
  readonly source: string
  /** The parameter names, in order (empty for a literal pattern). */
  readonly names: readonly string[]
  /** The room's parameters when it matches, else undefined. */
  match(room: string): Readonly<Record<string, string>> | undefined
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype'])
const NO_PARAMS = Object.freeze(Object.create(null) as Record<string, string>)
// The prototype of every params object: empty and frozen. `Object.create(null)` objects are kept
// in dictionary mode by V8, ones made from a shared prototype get a fast shape per pattern.
const PARAMS_PROTOTYPE = Object.freeze(Object.create(null) as object)

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/**
 * Compiles one pattern of `rooms.policy`.
 * @throws {InvalidOptionError} (`option`) for an empty or unbalanced pattern, a bad or repeated
 * parameter name, two parameters side by side, or a `*` anywhere but at the end.
 */
export function compilePattern(source: string, option: string): CompiledPattern {
  const fail = (message: string): never => {
    throw new InvalidOptionError(option, message)
  }
  if (typeof source !== 'string' || source === '') fail('must be a non-empty room name pattern')
  const names: string[] = []
  // The literal text before each parameter, then the text after the last (before any `*`).
  const pieces: string[] = []
  // The text between the last parameter and a final `*`.
  let beforeStar = ''
  let regex = '^'
  let literal = ''
  let i = 0
  let lastWasParam = false
  while (i < source.length) {
    const ch = source[i] as string
    if (ch === '{') {
      const end = source.indexOf('}', i + 1)
      if (end === -1) fail('has an unbalanced "{"')
      const name = source.slice(i + 1, end)
      if (!PARAM_NAME.test(name) || PROTOTYPE_NAMES.has(name))
        fail(`has a bad parameter name "{${name}}" (letters, digits and _)`)
      if (names.includes(name)) fail(`repeats the parameter "{${name}}"`)
      if (lastWasParam) fail('has two parameters side by side (ambiguous)')
      names.push(name)
      pieces.push(literal)
      regex += escapeRegExp(literal) + '([^:]+)'
      literal = ''
      lastWasParam = true
      i = end + 1
      continue
    }
    if (ch === '}') fail('has an unbalanced "}"')
    if (ch === '*') {
      if (i !== source.length - 1) fail('may have "*" only as its last character')
      if (lastWasParam && literal === '') fail('has a parameter right before "*" (ambiguous)')
      regex += escapeRegExp(literal) + '[\\s\\S]+'
      beforeStar = literal
      literal = ''
      i += 1
      // The rest is matched but not a parameter.
      continue
    }
    literal += ch
    if (literal !== '') lastWasParam = false
    i += 1
  }
  if (names.length === 0 && !source.endsWith('*')) {
    // A literal pattern: the room is this exact string.
    return Object.freeze({
      source,
      names: [],
      match: (room: string) => (room === source ? NO_PARAMS : undefined),
    })
  }
  // One parameter, or parameters each ended by text with a ':' (`org:{org}:team:{team}`): each
  // ends at a known ':', and the regular expression backtracks over one parameter at a time
  // (linear). Two joined by text a parameter may hold (`{org}.{repo}`) would make it try every
  // split, in time growing as the name's length to the power of the parameters: matched by
  // splitPattern, in linear time (a few times slower than the expression on short names).
  if (pieces.slice(1).some((piece) => !piece.includes(':'))) {
    const rest = source.endsWith('*')
    pieces.push(rest ? beforeStar : literal)
    return splitPattern(source, names, pieces, rest)
  }
  const compiled = new RegExp(regex + escapeRegExp(literal) + '$', 'u')
  return Object.freeze({
    source,
    names: Object.freeze(names),
    match(room: string) {
      const found = compiled.exec(room)
      if (found === null) return undefined
      // A fresh object per match, handed to one rule, so not frozen (freezing protected nothing
      // and cost a quarter of a join's overhead, bench/results/rooms.md); its prototype has no
      // members, so `params.constructor` or `params.__proto__` name nothing.
      const params = Object.create(PARAMS_PROTOTYPE) as Record<string, string>
      for (let index = 0; index < names.length; index++)
        params[names[index] as string] = found[index + 1] as string
      return params
    },
  })
}

/**
 * A pattern of two or more parameters, matched in time linear in the room's length (times the
 * number of parameters) with the result of the regular expression `^lit0([^:]+)lit1([^:]+)…$`:
 * each parameter as long as it can be with the rest still matching.
 *
 * `pieces[j]` is the text before parameter j, `pieces[k]` the text after the last; `rest` adds a
 * final non-empty `*`. From the right: `last[j][x]` is the largest end e <= x of parameter j (its
 * text `room[start, e)`) after which the pattern's remainder matches; parameter j starting at p
 * holds no ':' so it ends at most at the next ':' from p, and matches when `last[j][that] > p`.
 */
function splitPattern(
  source: string,
  names: readonly string[],
  pieces: readonly string[],
  rest: boolean,
): CompiledPattern {
  const k = names.length
  return Object.freeze({
    source,
    names: Object.freeze([...names]),
    match(room: string) {
      const head = pieces[0] as string
      if (!room.startsWith(head)) return undefined
      const n = room.length
      // nextColon[x]: the first ':' at or after x (n when none).
      const nextColon = new Int32Array(n + 1)
      nextColon[n] = n
      for (let x = n - 1; x >= 0; x--)
        nextColon[x] = room.charCodeAt(x) === 58 ? x : (nextColon[x + 1] ?? n)
      const last: Int32Array[] = new Array<Int32Array>(k)
      // After parameter j (0-based) ending at e: the text pieces[j + 1], then parameter j + 1
      // (or, after the last, the end of the name or a non-empty rest).
      for (let j = k - 1; j >= 0; j--) {
        const after = pieces[j + 1] as string
        const next = j + 1 < k ? last[j + 1] : undefined
        const table = new Int32Array(n + 1)
        let best = -1
        for (let e = 0; e <= n; e++) {
          if (room.startsWith(after, e)) {
            const from = e + after.length
            const ok =
              next === undefined
                ? rest
                  ? from < n
                  : from === n
                : from < n && (next[nextColon[from] ?? n] ?? -1) > from
            if (ok) best = e
          }
          table[e] = best
        }
        last[j] = table
      }
      /** Where parameter j, starting at `from`, ends at the latest (-1: it cannot). */
      const endOf = (j: number, from: number): number => last[j]?.[nextColon[from] ?? n] ?? -1
      let start = head.length
      if (endOf(0, start) <= start) return undefined
      const params = Object.create(PARAMS_PROTOTYPE) as Record<string, string>
      for (let j = 0; j < k; j++) {
        const end = endOf(j, start)
        params[names[j] as string] = room.slice(start, end)
        start = end + (pieces[j + 1] as string).length
      }
      return params
    },
  })
}

/**
 * True when the grants claim's value names `room`: an exact room name, or `prefix:*` for every
 * room that starts with `prefix:` and goes on (a lone `*`, or a `*` not after ':', grants nothing
 * more than its literal name).
 */
export function isGranted(grants: unknown, room: string): boolean {
  if (!Array.isArray(grants)) return false
  for (const grant of grants as unknown[]) {
    if (typeof grant !== 'string' || grant === '') continue
    if (grant === room) return true
    if (
      grant.length > 2 &&
      grant.endsWith(':*') &&
      room.length > grant.length - 1 &&
      room.startsWith(grant.slice(0, -1))
    )
      return true
  }
  return false
}
