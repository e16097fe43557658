// Serves `src/client/*.ts` (sockguard/client) to the browser as JavaScript at `/lib/client/`,
// transpiled on first request with TypeScript's transpileModule and cached until the file changes.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { NextFunction, Request, Response } from 'express'

/** The only names served: no dots or slashes, so no path can leave the folder. */
const MODULE_NAME = /^[a-z0-9-]+\.js$/

type Transpile = (source: string, fileName: string) => string

let transpiler: Promise<Transpile> | undefined

// TypeScript is loaded on the first request, not at start: it takes a while and most runs of the
// server (tests) never ask for the client.
function loadTranspiler(): Promise<Transpile> {
  transpiler ??= import('typescript').then(
    ({ default: ts }) =>
      (source, fileName) =>
        ts.transpileModule(source, {
          fileName,
          compilerOptions: {
            module: ts.ModuleKind.ESNext,
            target: ts.ScriptTarget.ES2022,
            // As in the project: `import type` is erased, every other import is kept as written.
            verbatimModuleSyntax: true,
            sourceMap: false,
          },
        }).outputText,
  )
  return transpiler
}

/**
 * Creates the handler of `GET /lib/client/:file` for the TypeScript sources in `dir`; unknown
 * names go on to `next()` (a 404).
 *
 * @example
 * app.get('/lib/client/:file', clientModules(join(root, 'src/client')))
 */
export function clientModules(
  dir: string,
): (req: Request<{ file: string }>, res: Response, next: NextFunction) => void {
  const cache = new Map<string, { readonly mtimeMs: number; readonly code: string }>()

  const load = async (file: string): Promise<string | undefined> => {
    const path = join(dir, file.replace(/\.js$/, '.ts'))
    const info = await stat(path).catch(() => undefined)
    if (info === undefined || !info.isFile()) return undefined
    const cached = cache.get(file)
    if (cached !== undefined && cached.mtimeMs === info.mtimeMs) return cached.code
    const [source, transpile] = await Promise.all([readFile(path, 'utf8'), loadTranspiler()])
    const code = transpile(source, path)
    cache.set(file, { mtimeMs: info.mtimeMs, code })
    return code
  }

  return (req, res, next) => {
    const { file } = req.params
    if (!MODULE_NAME.test(file)) {
      next()
      return
    }
    load(file).then(
      (code) => {
        if (code === undefined) {
          next()
          return
        }
        res.type('text/javascript; charset=utf-8').set('Cache-Control', 'no-cache').send(code)
      },
      (error: unknown) => {
        next(error)
      },
    )
  }
}
