// JSON objects with unique member names in every object (RFC 7515 §4, RFC 7519 §4, RFC 8259 §4),
// from UTF-8 bytes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseJsonObject } from '../../../src/internal/parse-json-object.js'
import { hasDuplicateNames } from '../../support/json-members.js'

const parse = (text: string | Buffer): unknown =>
  parseJsonObject(typeof text === 'string' ? Buffer.from(text, 'utf8') : text)

describe('parseJsonObject', () => {
  it.each([
    ['{}', {}],
    ['{"a":1}', { a: 1 }],
    [' \n{ "a" : 1 , "b" : [1, {"c": null}] }\t', { a: 1, b: [1, { c: null }] }],
    ['{"a":"é😀"}', { a: 'é😀' }],
    ['{"a\\"b":1,"a\\"c":2}', { 'a"b': 1, 'a"c': 2 }],
    ['{"a\\\\":1,"a":2}', { 'a\\': 1, a: 2 }],
    ['{"a\\\\\\"b":1,"a\\\\b":2}', { 'a\\"b': 1, 'a\\b': 2 }],
    ['{"":1,"\\"":2}', { '': 1, '"': 2 }],
  ])('parses %s', (text, expected) => {
    expect(parse(text)).toEqual(expected)
  })

  it.each([
    ['a name twice', '{"a":1,"a":2}'],
    ['a name twice with equal values', '{"a":1,"a":1}'],
    ['"a" and "\\u0061"', '{"a":1,"\\u0061":2}'],
    ['"alg" and "\\u0061lg"', '{"alg":"none","\\u0061lg":"HS256"}'],
    ['"A" and "\\u0041"', '{"A":1,"\\u0041":2}'],
    ['escaped quotes: "a\\"b" and "a\\u0022b"', '{"a\\"b":1,"a\\u0022b":2}'],
    ['escaped backslashes: "a\\\\b" and "a\\u005cb"', '{"a\\\\b":1,"a\\u005cb":2}'],
    ['"\\"" and "\\u0022"', '{"\\"":1,"\\u0022":2}'],
    ['"\\/" and "/"', '{"\\/":1,"/":2}'],
    ['the empty name twice', '{"":1,"":2}'],
    ['whitespace before the colon', '{"a" :1,"a"\n\t:2}'],
    ['a duplicate after a nested object', '{"a":{"b":{"a":1}},"a":2}'],
    ['a duplicate after braces in a string', '{"a":"}}}{","a":2}'],
    ['"__proto__" twice', '{"__proto__":1,"__proto__":2}'],
  ])('refuses %s', (_name, text) => {
    expect(parse(text)).toBeUndefined()
  })

  it('allows one name in several objects (names are unique per object)', () => {
    expect(parse('{"x":{"a":1},"y":{"a":2},"a":3}')).toEqual({ x: { a: 1 }, y: { a: 2 }, a: 3 })
    expect(parse('{"x":[{"a":1},{"a":2}]}')).toEqual({ x: [{ a: 1 }, { a: 2 }] })
    expect(parse('{"a":{"a":{"a":{}}}}')).toEqual({ a: { a: { a: {} } } })
    expect(parse('{"x":[{},[{}],{"b":[]}]}')).toEqual({ x: [{}, [{}], { b: [] }] })
  })

  // attack3 F1: a nested duplicate was accepted, last wins (realm.roles ["user"] then ["admin"]),
  // so two parsers of one token could read different roles.
  it.each([
    ['a nested name twice (attack3 F1)', '{"realm":{"roles":["user"],"roles":["admin"]}}'],
    ['a nested name and its escaped spelling', '{"x":{"a":1,"\\u0061":2}}'],
    ['a duplicate in an object inside an array', '{"x":[{"a":1},{"a":1,"a":2}]}'],
    ['a duplicate three objects deep', '{"x":{"y":{"z":{"a":1,"a":2}}}}'],
    ['a duplicate in an object of an array of arrays', '{"x":[[[{"b":1,"b":1}]]]}'],
    ['"__proto__" twice in a nested object', '{"x":{"__proto__":1,"__proto__":2}}'],
    ['a nested duplicate beside a unique top level', '{"a":1,"x":{"k":1,"k":2},"b":2}'],
    ['a nested duplicate after an empty object', '{"e":{},"x":{"k":1,"k":2}}'],
  ])('refuses %s', (_name, text) => {
    expect(parse(text)).toBeUndefined()
  })

  it('refuses a nested duplicate at a depth that a recursive walk could not reach', () => {
    const depth = 100_000
    const deep = `{"x":${'['.repeat(depth)}{"a":1,"a":2}${']'.repeat(depth)}}`
    expect(parse(deep)).toBeUndefined()
    const unique = `{"x":${'['.repeat(depth)}{"a":1,"b":2}${']'.repeat(depth)}}`
    expect(parse(unique)).toBeDefined()
  })

  it('is not fooled by strings holding braces, colons and quotes', () => {
    expect(parse('{"a":"}{:,\\"a\\":1","b":"{\\"a\\":2}"}')).toEqual({
      a: '}{:,"a":1',
      b: '{"a":2}',
    })
    expect(parse('{"a":"\\\\","b":":"}')).toEqual({ a: '\\', b: ':' })
    expect(parse('{"a":["a","a"],"b":"a"}')).toEqual({ a: ['a', 'a'], b: 'a' })
    expect(parse('{"k":"x\\\\\\"y:\\"","k2":1}')).toEqual({ k: 'x\\"y:"', k2: 1 })
  })

  it.each([
    ['an array', '[]'],
    ['an array of an object', '[{"a":1}]'],
    ['null', 'null'],
    ['a number', '1'],
    ['a string', '"{}"'],
    ['true', 'true'],
    ['false', 'false'],
    ['empty', ''],
    ['whitespace', '  '],
    ['not JSON', '{a:1}'],
    ['a trailing comma', '{"a":1,}'],
    ['two objects', '{}{}'],
    ['a single-quoted name', "{'a':1}"],
    ['a byte order mark', '\ufeff{"a":1}'],
  ])('refuses %s', (_name, text) => {
    expect(parse(text)).toBeUndefined()
  })

  it.each([
    ['0xff', [0xff]],
    ['a lone continuation byte', [0x80]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['a 5-byte sequence', [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ])('refuses bytes that are not UTF-8: %s', (_name, bytes) => {
    const text = Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')])
    expect(parse(text)).toBeUndefined()
  })

  it('keeps "__proto__" as an own member and never changes the prototype', () => {
    const value = parse('{"__proto__":{"exp":1},"sub":"a"}') as Record<string, unknown>
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.hasOwn(value, '__proto__')).toBe(true)
    expect(value.exp).toBeUndefined()
  })

  it('property: refused exactly when an independent scanner finds a repeated name in any object', () => {
    const name = fc.constantFrom('a', 'b', 'alg', 'a"b', 'a\\b', '', 'é', '{', ':')
    // Each name written plainly, fully \u-escaped, or with JSON.stringify's escapes.
    const spelled = fc.tuple(name, fc.nat({ max: 2 })).map(([n, style]) =>
      style === 0
        ? JSON.stringify(n)
        : style === 1
          ? `"${Array.from(n)
              .map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
              .join('')}"`
          : JSON.stringify(n).replaceAll('/', '\\/'),
    )
    const ws = fc.constantFrom('', ' ', '\n')
    // Values are JSON texts: plain JSON values, or objects and arrays of the same spelled members,
    // so that repeated names also occur in nested objects (attack3 F1).
    const { value } = fc.letrec<{ value: string; object: string }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 1 }).map((v) => JSON.stringify(v)),
        tie('object'),
        fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
      ),
      object: fc
        .array(fc.tuple(spelled, tie('value'), ws), { maxLength: 4 })
        .map((members) => `{${members.map(([n, v, w]) => `${w}${n}${w}:${v}`).join(',')}}`),
    }))
    const member = fc.tuple(spelled, value, ws)
    fc.assert(
      fc.property(fc.array(member, { maxLength: 5 }), (members) => {
        const text = `{${members.map(([n, v, w]) => `${w}${n}${w}:${v}`).join(',')}}`
        const result = parse(text)
        if (hasDuplicateNames(text)) expect(result).toBeUndefined()
        else expect(result).toEqual(JSON.parse(text))
      }),
      { numRuns: 2000 },
    )
  })
})
