// Tests import no benchmark code: what test/load shares with bench/ (the fork-peer IPC layer, the
// token signer) lives in test/support, which the benchmarks import instead.
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const TEST_DIR = fileURLToPath(new URL('../../', import.meta.url))

it('no file under test/ imports from bench/', async () => {
  const files = (await readdir(TEST_DIR, { recursive: true })).filter((file) =>
    /\.(ts|mts|js)$/.test(file),
  )
  expect(files.length).toBeGreaterThan(50) // the walk found the suite
  const offenders: string[] = []
  for (const file of files) {
    const text = await readFile(`${TEST_DIR}${file}`, 'utf8')
    if (/(from|import)\s*\(?\s*['"][./]*bench\//.test(text)) offenders.push(file)
  }
  expect(offenders).toEqual([])
})
