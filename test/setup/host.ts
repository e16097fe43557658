// The real machine and the real Redis behind test/setup/provision.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import type { Host, RedisAccess } from './provision.js'

/** This machine: apt-get non-interactive, output captured (shown only when a step fails). */
export function localHost(): Host {
  return {
    isRoot: process.getuid?.() === 0,
    searchPath: process.env.PATH ?? '',
    exists: existsSync,
    run(command, args) {
      const result = spawnSync(command, args, {
        encoding: 'utf8',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      return {
        status: result.status ?? 1,
        // stdout and stderr are null, despite their types, when the command could not start.
        output: [result.stdout, result.stderr, result.error?.message]
          .map((part: unknown) => (typeof part === 'string' ? part : ''))
          .join(''),
      }
    },
    log(line) {
      process.stderr.write(`[test setup] ${line}\n`)
    },
  }
}

/** Whether a Redis at `url` answers PING within a second (one attempt, no retry). */
export async function redisAnswers(url: string): Promise<boolean> {
  let redis: Redis
  try {
    redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 1_000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    })
  } catch {
    return false
  }
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    await redis.ping()
    return true
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}

/** A loopback port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * Starts `redis-server` on `port` of loopback (no RDB, no AOF) and resolves once it accepts
 * connections; the cluster tests restart one on the same port to stage an outage.
 */
export async function launchRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  await new Promise<void>((resolve, reject) => {
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redis-server did not start within 10 s: ${output}`))
    }, 10_000)
    const collect = (chunk: Buffer): void => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited with ${code}: ${output}`))
    })
  })
  return child
}

/** Starts `redis-server` on a free loopback port (no RDB, no AOF); resolves once it is ready. */
export async function startPrivateRedisServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort()
  const child = await launchRedisServer(port)
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const gone = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await gone
    },
  }
}

/** Redis as the global setup reaches it. */
export const localRedis: RedisAccess = {
  answers: redisAnswers,
  startPrivate: startPrivateRedisServer,
}
