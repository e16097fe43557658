// Runs the Python conformance program against a server: the guide's module is extracted from
// docs/clients/python.md (so the code the guide shows is the code that runs), one process per
// scenario group, its JSON lines collected, every run bounded.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Debian's python3-socketio lives in the system interpreter; a pyenv python3 may come first.
const PYTHON = '/usr/bin/python3'
const GUIDE = fileURLToPath(new URL('../../../docs/clients/python.md', import.meta.url))
const PROGRAM = fileURLToPath(new URL('python/conformance.py', import.meta.url))
// Under the e2e project's 20 s test timeout, so a hung run is reported with its output.
const RUN_TIMEOUT_MS = 18_000

/** One JSON line of the program. */
export type Line = Record<string, unknown>

/** The files a guide marks with `<!-- file: name -->` before a fenced block: name -> text. */
export function extractFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>()
  const marked = /<!-- file: ([\w.-]+) -->\s*```\w*\n([\s\S]*?)\n```/g
  for (const [, name = '', body = ''] of markdown.matchAll(marked)) files.set(name, `${body}\n`)
  return files
}

/** Why the Python client cannot run here, or undefined when it can. */
export function pythonProblem(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import socketio, requests, websocket'], {
    encoding: 'utf8',
    timeout: 10_000,
  })
  if (probe.status === 0) return undefined
  return (
    `${PYTHON} cannot import socketio, requests and websocket ` +
    `(apt-get install python3-socketio python3-requests python3-websocket): ${probe.stderr}`
  )
}

/** A directory holding the guide's module, removed by `dispose`. */
export function guideModule(): { readonly dir: string; dispose(): void } {
  const files = extractFiles(readFileSync(GUIDE, 'utf8'))
  if (!files.has('sockguard_client.py'))
    throw new Error('docs/clients/python.md has no <!-- file: sockguard_client.py --> block')
  const dir = mkdtempSync(join(tmpdir(), 'sockguard-python-'))
  for (const [name, text] of files) writeFileSync(join(dir, name), text)
  return {
    dir,
    dispose: () => {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** What one scenario group is given. */
export interface Scenario {
  readonly url: string
  readonly transport: 'websocket' | 'polling'
  readonly group: string
  readonly tokens: Record<string, unknown>
}

/**
 * Runs one scenario group; resolves with its lines once it printed `{ done: true }` and exited.
 * Rejects on a `failure` line, a missing `done`, or after the timeout (the process is killed).
 */
export function runPython(moduleDir: string, scenario: Scenario): Promise<Line[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [PROGRAM], {
      env: { ...process.env, PYTHONPATH: moduleDir, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
    }, RUN_TIMEOUT_MS)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (status) => {
      clearTimeout(timer)
      let lines: Line[]
      try {
        lines = stdout
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as Line)
      } catch (error) {
        reject(new Error(`python ${scenario.group}: not JSON lines: ${stdout}`, { cause: error }))
        return
      }
      const failed = lines.find((line) => 'failure' in line)
      if (failed !== undefined || !lines.some((line) => line.done === true)) {
        reject(
          new Error(
            `python ${scenario.group}/${scenario.transport} (exit ${String(status)}): ` +
              `${JSON.stringify(failed ?? lines.at(-1))}\n${lines.map((line) => JSON.stringify(line)).join('\n')}\n${stderr.slice(-2000)}`,
          ),
        )
        return
      }
      resolve(lines)
    })
    child.stdin.end(JSON.stringify(scenario))
  })
}
