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
