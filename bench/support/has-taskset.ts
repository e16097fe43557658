// CPU pinning of the benchmarks' child processes needs taskset (util-linux), which not every
// machine has; without it the runs go unpinned rather than fail.
import { execFileSync } from 'node:child_process'

/**
 * Whether `taskset` can be run here.
 *
 * @example
 * const pin = os.cpus().length >= 2 && hasTaskset()
 */
export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
