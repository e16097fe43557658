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

/**
 * `ulimit -n`, after checking that it allows `sockets` open sockets per process (plus a few
 * hundred descriptors of its own).
 *
 * @throws Error when the limit is lower.
 */
export function requireOpenFiles(sockets: number): string {
  const limit = openFileLimit()
  if (Number(limit) < sockets + 500)
    throw new Error(`ulimit -n is ${limit}; --memory-sockets ${sockets} needs more`)
  return limit
}
