// Room name patterns: compiled once, matched over the whole name, and the `rooms` option checked
// at createGuard (invalid_option for empty or unbalanced patterns, non-function rules, unknown
// members).
import { describe, expect, it } from 'vitest'
import { createGuard, requireClaim, requireScope, type GuardOptions } from '../../../src/index.js'
import { compilePattern, isGranted } from '../../../src/rooms/patterns.js'

const key = { secret: 'k'.repeat(32), algorithms: ['HS256'] } as const
const create = (rooms: unknown) => (): void => {
  createGuard({ ...key, rooms } as unknown as GuardOptions)
}
const invalid = (option: string): Error =>
  expect.objectContaining({ name: 'InvalidOptionError', code: 'invalid_option', option }) as Error

describe('room patterns', () => {
  it('matches `{name}` as one non-empty segment, exactly over the whole name', () => {
    const doc = compilePattern('doc:{id}', 'p')
    expect(doc.match('doc:1')).toEqual({ id: '1' })
    expect(doc.match('doc:1:admin')).toBeUndefined()
    expect(doc.match('doc:')).toBeUndefined()
    expect(doc.match('xdoc:1')).toBeUndefined()
    // The rule gets the raw segment, whatever it holds but ':'.
    expect(doc.match('doc:1\n')).toEqual({ id: '1\n' })
    // A fullwidth colon is not ':' (no lookalike is folded).
    expect(doc.match('doc\uff1a1')).toBeUndefined()
    const two = compilePattern('org:{org}:team:{team}', 'p')
    expect(two.match('org:a:team:b')).toEqual({ org: 'a', team: 'b' })
    expect(two.match('org:a:team:b:c')).toBeUndefined()
  })

  it('matches a final `*` as a non-empty rest, and literal text exactly', () => {
    const all = compilePattern('doc:*', 'p')
    expect(all.match('doc:1:admin')).toEqual({})
    expect(all.match('doc:')).toBeUndefined()
    expect(compilePattern('admin', 'p').match('admin')).toEqual({})
    expect(compilePattern('admin', 'p').match('admin2')).toBeUndefined()
    // Regular-expression characters are literal text.
    const dots = compilePattern('a.b+(c)', 'p')
    expect(dots.match('a.b+(c)')).toEqual({})
    expect(dots.match('aXbb(c)')).toBeUndefined()
  })

  it('treats `doc:*` in a room name as a plain string', () => {
    const doc = compilePattern('doc:{id}', 'p')
    expect(doc.match('doc:*')).toEqual({ id: '*' })
    expect(compilePattern('doc:7', 'p').match('doc:*')).toBeUndefined()
  })

  it.each([
    ['', 'empty'],
    ['doc:{id', 'unbalanced {'],
    ['doc:id}', 'unbalanced }'],
    ['doc:{}', 'empty name'],
    ['doc:{a-b}', 'bad name'],
    ['doc:{__proto__}', 'prototype name'],
    ['{a}:{a}', 'repeated'],
    ['{a}{b}', 'side by side'],
    ['doc:*:x', 'star not last'],
    ['doc:{id}*', 'param then star'],
  ])('refuses %j (%s)', (source) => {
    expect(() => compilePattern(source, 'rooms.policy.x')).toThrow(invalid('rooms.policy.x'))
  })

  it('grants exact names and `prefix:*` only', () => {
    expect(isGranted(['team:a'], 'team:a')).toBe(true)
    expect(isGranted(['team:a'], 'team:ab')).toBe(false)
    expect(isGranted(['team:*'], 'team:a:b')).toBe(true)
    expect(isGranted(['team:*'], 'team:')).toBe(false)
    expect(isGranted(['*'], 'anything')).toBe(false)
    expect(isGranted(['team*'], 'teamx')).toBe(false)
    expect(isGranted('team:a', 'team:a')).toBe(false)
    expect(isGranted([1, null, {}, 'x'], 'x')).toBe(true)
  })
})

describe('the rooms option', () => {
  it('accepts a policy of rules, requireScope included', () => {
    expect(
      create({
        policy: { admin: requireScope('admin'), 'user:{sub}': () => true },
        grantsClaim: 'rooms',
        unlistedRooms: 'deny',
        maxRoomsPerSocket: 10,
      }),
    ).not.toThrow()
  })

  it.each<[string, unknown, string]>([
    ['not an object', 'admin', 'rooms'],
    ['an unknown member', { policy: {}, unlisted: 'deny' }, 'rooms.unlisted'],
    ['no policy', {}, 'rooms.policy'],
    ['a Map policy', { policy: new Map() }, 'rooms.policy'],
    ['an empty pattern', { policy: { '': () => true } }, 'rooms.policy.'],
    ['an unbalanced pattern', { policy: { 'doc:{id': () => true } }, 'rooms.policy.doc:{id'],
    ['a rule that is not a function', { policy: { admin: true } }, 'rooms.policy.admin'],
    ['a bad grants claim', { policy: {}, grantsClaim: 'a b' }, 'rooms.grantsClaim'],
    ['a bad unlistedRooms', { policy: {}, unlistedRooms: 'maybe' }, 'rooms.unlistedRooms'],
    ['a zero room limit', { policy: {}, maxRoomsPerSocket: 0 }, 'rooms.maxRoomsPerSocket'],
  ])('refuses %s', (_, rooms, option) => {
    expect(create(rooms)).toThrow(invalid(option))
  })
})

describe('ready-made rules as room rules', () => {
  it('deny `null` claims (a guest) instead of throwing', () => {
    expect(requireScope('admin')(null)).toBe(false)
    expect(requireClaim('team', 'red')(null)).toBe(false)
    expect(requireScope('admin')({ scope: 'admin' }, 'admin', {})).toBe(true)
  })
})
