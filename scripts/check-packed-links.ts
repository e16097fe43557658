// Dead relative links in the Markdown files of a package folder (the packed README and docs/):
// a link to a file the package does not contain is dead for everyone who reads it on npm or in
// node_modules. `scripts/check-package.sh` runs it on the unpacked tarball; the package test
// imports it. Usage: tsx scripts/check-packed-links.ts <package folder>
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

/** One relative link whose target is missing. */
export interface DeadLink {
  /** The Markdown file, relative to the package folder. */
  readonly file: string
  readonly target: string
}

/** Inline links and images: `[text](target)` and `![alt](target "title")`. */
const LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !path.relative(dir, file).split(path.sep).includes('node_modules'))
    .sort()
}

/** Every relative link of every `.md` file under `packageDir` whose target does not exist. */
export function deadLinks(packageDir: string): DeadLink[] {
  const dead: DeadLink[] = []
  for (const file of markdownFiles(packageDir)) {
    // Code blocks hold examples, not links.
    const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '')
    for (const [, target = ''] of text.matchAll(LINK)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue
      const relative = decodeURIComponent(target.split('#')[0] ?? '')
      const resolved = path.resolve(path.dirname(file), relative)
      const inside = !path.relative(packageDir, resolved).startsWith('..')
      if (!inside || !existsSync(resolved)) {
        dead.push({ file: path.relative(packageDir, file), target })
      }
    }
  }
  return dead
}

if (process.argv[1] === import.meta.filename) {
  const dir = process.argv[2]
  if (dir === undefined) {
    console.error('usage: tsx scripts/check-packed-links.ts <package folder>')
    process.exit(2)
  }
  const dead = deadLinks(dir)
  for (const link of dead) console.error(`dead link in ${link.file}: ${link.target}`)
  if (dead.length > 0) process.exit(1)
  console.log(`links of the packed Markdown files: ok (${markdownFiles(dir).length} files)`)
}
