// The versions a results file names: a figure means little without the code that produced it.
import { readFileSync } from 'node:fs'

/**
 * The version of the package installed at `node_modules/<path>` under `root`, or of the project
 * itself when `path` is undefined; 'unknown' when its package.json cannot be read.
 *
 * @example
 * versionOf(ROOT, 'socket.io')
 */
export function versionOf(root: URL, path: string | undefined): string {
  const file = new URL(
    path === undefined ? 'package.json' : `node_modules/${path}/package.json`,
    root,
  )
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}
