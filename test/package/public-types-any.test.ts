// No `any` in the package's published types (dist/**/*.d.ts of the packed build) but the ones
// listed below, each with its reason: an `any` in a .d.ts switches type-checking off in the apps
// that use it. Comments do not count: the files are parsed and only `any` keywords are found.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import ts from 'typescript'
import { beforeAll, describe, expect, it } from 'vitest'
import { packedPackage } from '../support/packed-package.js'

/**
 * `<file under dist>#<top-level declaration>` -> why its `any` stays. `internal: true` marks a
 * declaration the package uses between its own modules and must not export from an entry.
 */
const ALLOWED: Readonly<Record<string, { readonly reason: string; readonly internal?: true }>> = {
  'internal/any-socket-io.d.ts#AnySocket': {
    reason: "sockguard's modules handle sockets of whatever event maps the app chose",
    internal: true,
  },
  'internal/any-socket-io.d.ts#AnyNamespace': {
    reason: "sockguard's modules handle namespaces of whatever event maps the app chose",
    internal: true,
  },
  'internal/any-socket-io.d.ts#AnyServer': {
    reason: "sockguard's modules handle servers of whatever event maps the app chose",
    internal: true,
  },
  'authorize/authorize-events.d.ts#EventsMap': {
    reason:
      "Socket.IO's own EventsMap (not exported from its entry): only an `any` index signature " +
      'accepts the interfaces apps declare their events with',
  },
  'authorize/authorize-events.d.ts#AnyFunction': {
    reason: 'recognises an acknowledgement callback of any signature in an event map',
  },
  'authorize/authorize-events.d.ts#authorizeEvents': {
    reason:
      "the returned listener's emit and server-side maps are the app's, which the policy does " +
      'not read (could be narrowed to DefaultEventsMap)',
  },
  'client/types.d.ts#EventsMap': {
    reason: "socket.io-client's EventsMap (the browser-safe client cannot import its internals)",
  },
  'client/types.d.ts#DefaultEventsMap': {
    reason: "socket.io-client's DefaultEventsMap, the untyped default of an untyped socket",
  },
  'compat/types.d.ts#SecretFunction': {
    reason:
      "socketio-jwt's signature: a drop-in must accept existing secret functions typed for an " +
      'Express request (jwks-rsa)',
  },
  'nestjs/types.d.ts#SockguardModuleAsyncOptions': {
    reason:
      "Nest's factory-provider signature (`useFactory: (...args: any[]) => T`): the factory's " +
      'parameters are the injected providers, typed by the app',
  },
  'compat/types.d.ts#SecretFunctionWithHeader': {
    reason: "socketio-jwt's signature, as SecretFunction (jwks-rsa's expressJwtSecret)",
  },
}

/** The entries of package.json `exports` and the .d.ts each one publishes. */
const ENTRY_TYPES = [
  'index.d.ts',
  'client/index.d.ts',
  'express/index.d.ts',
  'fastify/index.d.ts',
  'nestjs/index.d.ts',
  'redis/index.d.ts',
  'compat/socketio-jwt.d.ts',
]

/** The name of a top-level statement, or its kind when it has none (`export { ... }`). */
function statementName(statement: ts.Statement): string {
  const named = statement as ts.Statement & { name?: ts.Node }
  if (named.name !== undefined && ts.isIdentifier(named.name)) return named.name.text
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.map((d) => d.name.getText()).join(',')
  }
  return ts.SyntaxKind[statement.kind]
}

/** `<file>#<declaration>` of every top-level declaration of `text` holding an `any` keyword. */
function anyDeclarations(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  for (const statement of source.statements) {
    const hasAny = (node: ts.Node): boolean =>
      node.kind === ts.SyntaxKind.AnyKeyword || (ts.forEachChild(node, hasAny) ?? false)
    if (hasAny(statement)) found.push(`${file}#${statementName(statement)}`)
  }
  return found
}

let dist: string
let declarationFiles: string[]

beforeAll(async () => {
  dist = path.join((await packedPackage()).installedDir, 'dist')
  declarationFiles = (await readdir(dist, { recursive: true }))
    .filter((file) => file.endsWith('.d.ts'))
    .map((file) => file.split(path.sep).join('/'))
    .sort()
})

describe('the published .d.ts files', () => {
  it('hold no `any` outside the allow-list, and every allow-listed one is still there', async () => {
    expect(declarationFiles).toContain('index.d.ts')
    const found: string[] = []
    for (const file of declarationFiles) {
      found.push(...anyDeclarations(file, await readFile(path.join(dist, file), 'utf8')))
    }
    expect(found.filter((key) => !(key in ALLOWED))).toEqual([])
    // A stale entry would let a new `any` of the same name back in unnoticed.
    expect(Object.keys(ALLOWED).filter((key) => !found.includes(key))).toEqual([])
  })

  it('export none of the internal `any` aliases from an entry', () => {
    const program = ts.createProgram(
      ENTRY_TYPES.map((file) => path.join(dist, file)),
      {
        noEmit: true,
        skipLibCheck: true,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
      },
    )
    const checker = program.getTypeChecker()
    const internal = Object.entries(ALLOWED)
      .filter(([, entry]) => entry.internal === true)
      .map(([key]) => key.split('#')[1])
    expect(internal.length).toBeGreaterThan(0)
    for (const file of ENTRY_TYPES) {
      const source = program.getSourceFile(path.join(dist, file))
      const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source)
      expect(symbol, `${file} is a module`).toBeDefined()
      const exported = checker.getExportsOfModule(symbol!).map((s) => s.name)
      expect(exported.length, `${file} exports names`).toBeGreaterThan(0)
      expect(
        exported.filter((name) => internal.includes(name)),
        file,
      ).toEqual([])
    }
  })

  it('the scanner finds an `any` keyword, and not the word in a comment', () => {
    expect(
      anyDeclarations('x.d.ts', '/** any */ export type A = string\nexport type B = Array<any>'),
    ).toEqual(['x.d.ts#B'])
  })
})
