// The packed package made visible to a folder of doc samples: `node_modules/sockguard` there
// points at the installed tarball, so a sample imports `sockguard` exactly as an app would.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { packedPackage } from '../../support/packed-package.js'

/**
 * Links `<dir>/node_modules/sockguard` to the packed and installed package, and gives `<dir>` a
 * package.json of its own: without one, the repository's (named `sockguard`) is the nearest, and
 * Node and TypeScript resolve `sockguard` to the repository itself (package self-reference, which
 * comes before node_modules), not to the package as packed.
 */
export async function linkPackedPackage(dir: string): Promise<void> {
  const { installedDir } = await packedPackage()
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'sockguard-doc-samples', private: true, type: 'module' }),
  )
  rmSync(join(dir, 'node_modules', 'sockguard'), { recursive: true, force: true })
  symlinkSync(installedDir, join(dir, 'node_modules', 'sockguard'), 'dir')
}
