// vitest globalSetup of `npm test`: provisions the machine (test/setup/provision.ts) once per run,
// before any worker starts, so that a fresh clone passes `npm ci && npm test` with no manual step.
// The Redis URL reaches the workers twice: as process.env.REDIS_URL (the workers are started
// after this function, with its environment; test/setup/provision.test.ts checks it) and as
// `inject('redisUrl')`.
import type { TestProject } from 'vitest/node'
import { packedPackage } from '../support/packed-package.js'
import { localHost, localRedis } from './host.js'
import {
  DEFAULT_REDIS_URL,
  ProvisionError,
  createApt,
  ensureChromium,
  ensurePythonSocketio,
  ensureRedis,
} from './provision.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Redis that answers: REDIS_URL's, or a private one the setup started. */
    redisUrl: string
    /** The Chromium binary the browser tests launch (SOCKGUARD_CHROMIUM or /usr/bin/chromium). */
    chromiumPath: string
  }
}

/** Provisions, provides, and returns the teardown (the private Redis, if one was started). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    return await provision(project)
  } catch (error) {
    if (!(error instanceof ProvisionError)) throw error
    // vitest would print "No test files found" and a stack around it: the sentence is the point.
    process.stderr.write(`\nnpm test cannot run here. ${error.message}\n`)
    process.exit(1)
  }
}

async function provision(project: TestProject): Promise<() => Promise<void>> {
  const host = localHost()
  const apt = createApt(host)
  const chromiumPath = ensureChromium(host, apt, process.env.SOCKGUARD_CHROMIUM)
  ensurePythonSocketio(host, apt)
  const redis = await ensureRedis(host, apt, localRedis, process.env.REDIS_URL ?? DEFAULT_REDIS_URL)
  process.env.REDIS_URL = redis.url
  project.provide('redisUrl', redis.url)
  project.provide('chromiumPath', chromiumPath)
  // The package as packed, built once here rather than by several workers at once (each would
  // build the same tarball, and on a busy machine past a test's hook timeout). Cached by the
  // content of its inputs: an unchanged tree costs a hash.
  await packedPackage()
  return () => redis.stop()
}
