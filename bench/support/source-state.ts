// Which sockguard a results file measured: results from uncommitted src/ must say so.
import { execFileSync } from 'node:child_process'

/**
 * The commit of the checkout at `root`, and whether src/ has uncommitted changes.
 *
 * @example
 * sourceState(ROOT) // 'commit 1a2b3c4 + uncommitted changes in src/'
 */
export function sourceState(root: URL): string {
  try {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
    const dirty = git('status', '--porcelain', '--', 'src').length > 0
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in src/' : ''}`
  } catch {
    return 'unknown (not a git checkout)'
  }
}
