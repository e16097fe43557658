// The packed package made visible to a folder of doc samples: `node_modules/sockguard` there
// points at the installed tarball, so a sample imports `sockguard` exactly as an app would.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { packedPackage } from '../../support/packed-package.js'

/** Links `<dir>/node_modules/sockguard` to the packed and installed package. */
export async function linkPackedPackage(dir: string): Promise<void> {
  const { installedDir } = await packedPackage()
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  rmSync(join(dir, 'node_modules', 'sockguard'), { recursive: true, force: true })
  symlinkSync(installedDir, join(dir, 'node_modules', 'sockguard'), 'dir')
}
