// Every socket holds a file descriptor, so the benchmarks check `ulimit -n` before opening
// thousands, and record it with the results.
import { execFileSync } from 'node:child_process'

/**
 * The shell's `ulimit -n`, or 'unknown'.
 *
 * @example
 * if (Number(openFileLimit()) < sockets + 500) throw new Error('raise ulimit -n')
 */
export function openFileLimit(): string {
  try {
    return execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
