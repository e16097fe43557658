// scripts/check-packed-links.ts finds what a reader of the packed README would click in vain.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { deadLinks } from '../../scripts/check-packed-links.js'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sockguard-links-'))
  await mkdir(path.join(dir, 'docs', 'images'), { recursive: true })
  await writeFile(path.join(dir, 'docs', 'guard.md'), '# Guard\n[errors](errors.md)\n')
  await writeFile(path.join(dir, 'docs', 'images', 'page.png'), '')
  await writeFile(
    path.join(dir, 'README.md'),
    [
      '[guard](docs/guard.md#options) ![page](docs/images/page.png "the page")',
      '[site](https://socket.io) [top](#status) [mail](mailto:a@example.com)',
      '[design](docs/design.md) [seed](../test/seed.txt)',
      '```md',
      '[in a code block](nowhere.md)',
      '```',
    ].join('\n'),
  )
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

it('reports missing and outside targets, not anchors, URLs, existing files or code blocks', () => {
  expect(deadLinks(dir)).toEqual([
    { file: 'README.md', target: 'docs/design.md' },
    { file: 'README.md', target: '../test/seed.txt' },
    { file: path.join('docs', 'guard.md'), target: 'errors.md' },
  ])
})
