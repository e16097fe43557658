// src/client is served to browsers file by file, transpiled, with an import map for
// socket.io-client only: once its types are erased, each file may import nothing but
// socket.io-client and files of its own folder, and use no Node.js global.
import { readdirSync, readFileSync } from 'node:fs'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const folder = new URL('../../../src/client/', import.meta.url)
const files = readdirSync(folder).filter((name) => name.endsWith('.ts'))

/** The file as a browser gets it: TypeScript with its types erased. */
function transpiled(name: string): string {
  const source = readFileSync(new URL(name, folder), 'utf8')
  return ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
    },
  }).outputText
}

/** Every module specifier of static imports, re-exports and dynamic imports. */
function specifiers(code: string): string[] {
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    )
      found.push(node.moduleSpecifier.text)
    if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      const [first] = node.arguments
      found.push(first !== undefined && ts.isStringLiteral(first) ? first.text : '<computed>')
    }
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile('module.js', code, ts.ScriptTarget.ES2022, true))
  return found
}

describe('src/client', () => {
  it('has the files the brief names', () => {
    expect(files).toEqual(expect.arrayContaining(['index.ts', 'connect.ts']))
  })

  it.each(files)('%s imports only socket.io-client and files beside it', (name) => {
    for (const specifier of specifiers(transpiled(name))) {
      if (specifier === 'socket.io-client') continue
      expect(specifier, `${name} imports ${specifier}`).toMatch(/^\.\/[a-z-]+\.js$/)
      expect(files, `${name} imports ${specifier}`).toContain(specifier.slice(2, -3) + '.ts')
    }
  })

  it.each(files)('%s uses no Node.js global', (name) => {
    const code = transpiled(name)
    expect(code).not.toMatch(/\b(Buffer|process|require|__dirname|__filename|setImmediate)\b/)
    expect(code).not.toMatch(/['"]node:/)
  })

  it('index.ts only re-exports', () => {
    const source = ts.createSourceFile(
      'index.ts',
      readFileSync(new URL('index.ts', folder), 'utf8'),
      ts.ScriptTarget.ES2022,
    )
    for (const statement of source.statements) {
      expect(ts.isExportDeclaration(statement), statement.getText(source)).toBe(true)
    }
  })

  it('the transpiled files still carry the type-only imports away (the check is not vacuous)', () => {
    const source = readFileSync(new URL('auth-error-codes.ts', folder), 'utf8')
    expect(source).toContain("from '../errors.js'")
    expect(specifiers(transpiled('auth-error-codes.ts'))).not.toContain('../errors.js')
    expect(specifiers(transpiled('connect.ts'))).toContain('socket.io-client')
  })
})
