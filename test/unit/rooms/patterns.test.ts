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

// Outside attack r11 (F1, high): a pattern with several parameters joined by text a parameter
// may hold (`doc:{org}.{repo}.{file}`) was matched by a backtracking regular expression, whose
// time grows with the name's length to the power of the parameters: one `room:join` of 303
// characters held the event loop 35 s, from any client or guest.
describe('matching time is linear in the name', () => {
  const hostile = (params: number, length: number): { pattern: string; room: string } => ({
    pattern: `doc:${Array.from({ length: params }, (_, i) => `{p${String(i)}}`).join('.')}`,
    room: `doc:${'.'.repeat(length)}:`,
  })

  it('answers a hostile name at once, whatever the parameters', () => {
    for (const [params, length] of [
      [3, 1_000],
      [6, 1_000],
      [6, 100_000],
      [12, 20_000],
    ] as const) {
      const { pattern, room } = hostile(params, length)
      const compiled = compilePattern(pattern, 'p')
      const started = performance.now()
      expect(compiled.match(room)).toBeUndefined()
      expect(compiled.match(`${room}y`)).toBeUndefined()
      // Milliseconds at most; the backtracking matcher took minutes here.
      expect(performance.now() - started).toBeLessThan(1_000)
    }
    // Parameters each ended by text with a ':' keep the regular expression: linear too.
    for (const [pattern, room] of [
      ['doc:{a}:{b}:{c}:{d}:{e}', `doc:${'x:'.repeat(50_000)}!`],
      ['{a}.x:{b}.x:{c}.x:{d}', `${'.x'.repeat(50_000)}:`],
      ['{a}.x:{b}.x:{c}.x:{d}', '.x:'.repeat(30_000)],
    ] as const) {
      const started = performance.now()
      expect(compilePattern(pattern, 'p').match(room)).toBeUndefined()
      expect(performance.now() - started).toBeLessThan(1_000)
    }
  })

  it('matches as the regular expression it replaces (each parameter as long as it can be)', () => {
    const patterns = [
      'doc:{a}.{b}',
      'doc:{a}.{b}.{c}',
      '{a}.{b}',
      '{a}:{b}',
      'x{a}y{b}z',
      '{a}..{b}.*',
      'org:{org}:team:{team}',
      'a{x}b{y}c*',
      '{a}.{b}:*',
    ]
    const alphabet = ['.', ':', 'a', 'b', 'x', 'y', 'z', 'd', 'o', 'c']
    let seed = 7
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    for (const pattern of patterns) {
      const compiled = compilePattern(pattern, 'p')
      const names = [...pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string)
      const regex = new RegExp(
        '^' +
          pattern
            .replace(/[.*+?^$()|[\]\\/-]/g, (c) => (c === '*' ? '\u0000' : `\\${c}`))
            .replace(/\{\w+\}/g, '([^:]+)')
            .replace('\u0000', '[\\s\\S]+') +
          '$',
        'u',
      )
      for (let i = 0; i < 3_000; i++) {
        const prefix = pattern.startsWith('doc:')
          ? 'doc:'
          : pattern.startsWith('org:')
            ? 'org:'
            : ''
        let room: string = prefix
        const length = Math.floor(random() * 12)
        for (let c = 0; c < length; c++)
          room += alphabet[Math.floor(random() * alphabet.length)] ?? ''
        const found = regex.exec(room)
        const expected =
          found === null
            ? undefined
            : Object.fromEntries(names.map((name, index) => [name, found[index + 1]]))
        expect({ room, params: compiled.match(room) }).toEqual({ room, params: expected })
      }
    }
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
