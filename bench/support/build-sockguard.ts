// Compiles src/ for the benchmarks that fork processes importing sockguard.
import { execFileSync } from 'node:child_process'

/**
 * Compiles src/ with tsc, as `npm run build` does, into `outDir`: the code a user runs. Through
 * tsx, src/ is transformed by esbuild with `keepNames`, which wraps every closure created at run
 * time in a `__name()` call (Object.defineProperty) that the published package does not have.
 *
 * @param root - The repository root (holds tsconfig.build.json and node_modules/typescript).
 * @param outDir - Where the JavaScript goes (declarations are skipped).
 * @throws Error when tsc exits with a non-zero status.
 * @example
 * buildSockguard(ROOT, new URL('.tmp/handshake-build/', ROOT))
 */
export function buildSockguard(root: URL, outDir: URL): void {
  const tsc = new URL('node_modules/typescript/bin/tsc', root).pathname
  execFileSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir.pathname, '--declaration', 'false'],
    { cwd: root, stdio: 'inherit' },
  )
}
