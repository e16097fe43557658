// TEMP stub, replaced by the standalone branch's fixture.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
const root = join(import.meta.dirname, '..', '..')
export async function packedPackage() {
  const dest = join(root, '.tmp', 'pack')
  mkdirSync(dest, { recursive: true })
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' })
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', dest], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop()!
  return {
    async installInto(dir: string) {
      const target = join(dir, 'node_modules', 'sockguard')
      mkdirSync(target, { recursive: true })
      execFileSync('tar', ['-xzf', join(dest, name), '-C', target, '--strip-components=1'])
    },
  }
}
