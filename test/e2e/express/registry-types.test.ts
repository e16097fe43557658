// RequestAuthRegistry, checked with the TypeScript compiler on small in-memory apps: a module
// augmentation changes the claims type of `req.auth` in every handler of the program, so it
// cannot sit in test/types (it would retype every other file of the project's own typecheck).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const fixturePath = join(root, 'test/e2e/express/__registry-fixture__.ts')

const header = `
import express from 'express'
import { createVerifier, type JwtClaims } from 'sockguard'
import { requireAuth } from 'sockguard/express'
interface AppClaims extends JwtClaims {
  readonly sub: string
  readonly tenant: string
}
const verifier = createVerifier<AppClaims>({ secret: 'x'.repeat(32), algorithms: ['HS256'] })
const app = express()
`
const registry = `
declare module 'sockguard/express' {
  interface RequestAuthRegistry {
    claims: AppClaims
  }
}
`
const handler = `
app.get('/t', requireAuth({ verifier }), (req, res) => {
  const tenant: string = req.auth.claims.tenant
  const sub: string = req.auth.claims.sub
  res.json({ tenant, sub })
})
`

// Parsed once for the three checks: node's and express's types and sockguard's sources.
const parsed = new Map<string, ts.SourceFile | undefined>()

/** The compiler's messages about `source`, compiled with the project's options as the fixture. */
function diagnosticsOf(source: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )
  if (config === undefined) throw new Error('tsconfig.json could not be read')
  const host = ts.createCompilerHost(config.options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (fileName === fixturePath) return ts.createSourceFile(fileName, source, languageVersion)
    if (!parsed.has(fileName))
      parsed.set(fileName, getSourceFile(fileName, languageVersion, ...rest))
    return parsed.get(fileName)
  }
  const fileExists = host.fileExists.bind(host)
  host.fileExists = (fileName) => fileName === fixturePath || fileExists(fileName)
  const program = ts.createProgram([fixturePath], config.options, host)
  const fixture = program.getSourceFile(fixturePath)
  return ts
    .getPreEmitDiagnostics(program, fixture)
    .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`)
}

// A whole program per check: seconds, more on a loaded machine.
describe('RequestAuthRegistry', { timeout: 60_000 }, () => {
  it('types req.auth.claims app-wide once the app registers its claims', () => {
    expect(diagnosticsOf(header + registry + handler)).toEqual([])
  })

  it('without it, custom claims are unknown (so the check above can fail)', () => {
    const errors = diagnosticsOf(header + handler)
    expect(errors).toHaveLength(2)
    for (const error of errors) expect(error).toMatch(/^TS2322: .*not assignable to type 'string'/)
  })

  it('a registered claim keeps its own type', () => {
    const wrong = handler.replace('const sub: string', 'const sub: number')
    expect(diagnosticsOf(header + registry + wrong)).toEqual([
      "TS2322: Type 'string' is not assignable to type 'number'.",
    ])
  })
})
