// Writes a benchmark's results: `<name>.md` and `<name>.json` in one directory.
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The directory URL of an `--out` path (relative to the working directory). */
export function resultsDir(path: string): URL {
  return pathToFileURL(`${resolve(path)}/`)
}

/**
 * Writes `markdown` and `json` (pretty-printed) as `<name>.md` and `<name>.json` in `dir`, and
 * says so, naming the directory as `shown` and adding `note` to the line.
 */
export function writeResults(
  dir: URL,
  shown: string,
  name: string,
  markdown: string,
  json: unknown,
  note = '',
): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(new URL(`${name}.md`, dir), markdown)
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(json, null, 2)}\n`)
  console.log(`\nwrote ${shown}/${name}.md and ${shown}/${name}.json${note}`)
}

/** The 1-minute load average before the rounds and now. */
export function loadAround(before: number[]): { before: string; after: string } {
  return {
    before: before[0]?.toFixed(2) ?? '?',
    after: os.loadavg()[0]?.toFixed(2) ?? '?',
  }
}

/** What every benchmark's JSON starts with. */
export interface RunRecord {
  readonly date: string
  readonly machine: unknown
  readonly versions: unknown
  readonly command: string
  /** The sockguard source state (commit, dirty or not), when the run forks sockguard. */
  readonly source?: string
  readonly load: { before: string; after: string }
  readonly minutes?: number
}

/** The head of a benchmark's JSON, in its usual key order. */
export function runRecord(run: RunRecord): Record<string, unknown> {
  return {
    date: run.date,
    machine: run.machine,
    node: process.version,
    versions: run.versions,
    command: run.command,
    ...(run.source !== undefined && { sockguardSource: run.source }),
    loadAverage1m: run.load,
    ...(run.minutes !== undefined && { runMinutes: run.minutes }),
  }
}
