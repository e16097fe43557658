// Validates the `rooms` option of createGuard once, at creation: patterns compiled, rules checked.
import { InvalidOptionError } from '../errors.js'
import { integerOption } from '../internal/integer-option.js'
import { compilePattern, type CompiledPattern } from './patterns.js'
import type { RoomRule } from './types.js'

/** One pattern of the policy and its rule. */
export interface CompiledRule {
  readonly pattern: CompiledPattern
  readonly rule: RoomRule
}

/** The checked `rooms` option. */
export interface NormalizedRooms {
  /** Literal patterns by name (one map lookup), then the patterns with parameters or `*`. */
  readonly literal: ReadonlyMap<string, RoomRule>
  readonly patterns: readonly CompiledRule[]
  readonly grantsClaim: string | undefined
  readonly unlistedRooms: 'allow' | 'deny'
  readonly maxRoomsPerSocket: number
}

const OPTIONS = new Set(['policy', 'grantsClaim', 'unlistedRooms', 'maxRoomsPerSocket'])
const CLAIM_NAME = /^\S+$/
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype'])

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Checks `rooms`, or undefined when it is absent (no room authorization).
 * @throws {InvalidOptionError} naming `rooms.<member>` at fault.
 */
export function normalizeRooms(value: unknown): NormalizedRooms | undefined {
  if (value === undefined) return undefined
  if (!isPlainObject(value)) throw new InvalidOptionError('rooms', 'must be an object')
  for (const name of Object.keys(value)) {
    // A typo (`unlistedRoom`) must not silently keep the default.
    if (!OPTIONS.has(name)) throw new InvalidOptionError(`rooms.${name}`, 'is not a rooms option')
  }
  const { policy, grantsClaim, unlistedRooms = 'allow', maxRoomsPerSocket } = value
  if (!isPlainObject(policy))
    throw new InvalidOptionError(
      'rooms.policy',
      'must be a plain object of room name pattern -> rule function',
    )
  const literal = new Map<string, RoomRule>()
  const patterns: CompiledRule[] = []
  for (const [source, rule] of Object.entries(policy)) {
    const option = `rooms.policy.${source}`
    const pattern = compilePattern(source, option)
    if (typeof rule !== 'function') throw new InvalidOptionError(option, 'must be a rule function')
    if (pattern.names.length === 0 && !source.endsWith('*')) literal.set(source, rule as RoomRule)
    else patterns.push(Object.freeze({ pattern, rule: rule as RoomRule }))
  }
  if (
    grantsClaim !== undefined &&
    (typeof grantsClaim !== 'string' ||
      !CLAIM_NAME.test(grantsClaim) ||
      PROTOTYPE_NAMES.has(grantsClaim))
  )
    throw new InvalidOptionError('rooms.grantsClaim', 'must be a claim name')
  if (unlistedRooms !== 'allow' && unlistedRooms !== 'deny')
    throw new InvalidOptionError('rooms.unlistedRooms', 'must be "allow" or "deny"')
  return Object.freeze({
    literal,
    patterns: Object.freeze(patterns),
    grantsClaim,
    unlistedRooms,
    maxRoomsPerSocket: integerOption(maxRoomsPerSocket, 'rooms.maxRoomsPerSocket', 100, 1, 100_000),
  })
}
