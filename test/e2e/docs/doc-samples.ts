// Reads the code samples out of the README and docs/, so that a test can type-check and run them:
// a sample that claims to run and does not is a defect like any other.
import { readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'

/** What a test does with a sample; chosen by a `<!-- sample: ... -->` comment above the fence. */
export type SampleMode =
  /** Type-checked in strict mode against the packed package (the default for ts and js). */
  | 'check'
  /** Type-checked, and run by a test that names it (`run NAME`). */
  | 'run'
  /** Neither: the comment must say why (the "before" code a guide replaces, a shell fragment). */
  | 'skip'

/** One fenced code block of a document. */
export interface DocSample {
  /** `docs/guard.md:8`: the document (from the repository root) and the fence's line. */
  readonly id: string
  readonly file: string
  readonly line: number
  readonly lang: string
  readonly code: string
  readonly mode: SampleMode
  /** For `run`: the name a test asks for; for `skip`: the reason. */
  readonly note: string
}

const FENCE = /^```(\S*)\s*$/
const DIRECTIVE = /^<!--\s*sample:\s*(check|run|skip)\b\s*(.*?)\s*-->\s*$/

/** The languages whose samples are checked by default. */
export const CODE_LANGS: ReadonlySet<string> = new Set(['ts', 'typescript', 'js', 'javascript'])

/** Every fenced block of one markdown document. */
export function samplesOf(root: string, file: string): DocSample[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const samples: DocSample[] = []
  for (let i = 0; i < lines.length; i += 1) {
    const open = FENCE.exec(lines[i] ?? '')
    if (open === null) continue
    const lang = open[1] ?? ''
    const start = i
    const body: string[] = []
    for (i += 1; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i += 1)
      body.push(lines[i] ?? '')
    // The directive sits on the line above the fence, or above a blank line before it.
    const above = [lines[start - 1], lines[start - 2]].find(
      (l) => l !== undefined && l.trim() !== '',
    )
    const directive = DIRECTIVE.exec(above ?? '')
    const mode =
      (directive?.[1] as SampleMode | undefined) ?? (CODE_LANGS.has(lang) ? 'check' : 'skip')
    samples.push({
      id: `${file}:${start + 1}`,
      file,
      line: start + 1,
      lang,
      code: body.join('\n'),
      mode,
      note: directive?.[2] ?? (CODE_LANGS.has(lang) ? '' : `${lang || 'plain'} block`),
    })
  }
  return samples
}

/** README.md and every markdown file under docs/, as paths from `root`. */
export function documents(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return walk(path)
      return entry.name.endsWith('.md') ? [relative('.', path)] : []
    })
  return ['README.md', ...walk('docs')].sort()
}

/** Every sample of the README and docs/. */
export function allSamples(root: string): DocSample[] {
  return documents(root).flatMap((file) => samplesOf(root, file))
}
