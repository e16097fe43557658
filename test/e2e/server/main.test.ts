// `npm start` as a real process: tsx runs server/main.ts, which prints its URL, serves, and exits
// 0 on SIGTERM; a bad variable makes it exit non-zero with a message naming the variable.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { io } from 'socket.io-client'
import { afterEach, describe, expect, it } from 'vitest'
import { CONFIG_VARIABLES } from '../../../server/config.js'
import { connected } from '../../support/guard-e2e.js'
import { nextEvent } from '../../support/socket-server.js'
import { eventually, startPrivateRedis } from '../../cluster/support.js'
import { issue } from './support.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const TSX = `${ROOT}node_modules/.bin/tsx`

const children = new Set<ChildProcess>()
afterEach(() => {
  // The whole group: tsx runs the server in a child process of its own, which would outlive it.
  for (const child of children) {
    if (child.pid === undefined) continue
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // The group is gone already.
    }
  }
  children.clear()
})

/**
 * Runs server/main.ts with `env` on top of a copy of this process's environment minus ours (with
 * `npm: true`, through the README's own command, `npm start`), in a process group of its own.
 */
function run(env: Record<string, string>, args: string[] = [], { npm = false } = {}) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !CONFIG_VARIABLES.includes(name)),
  )
  const [command, commandArgs] = npm
    ? ['npm', ['start', '--silent', '--', ...args]]
    : [TSX, ['server/main.ts', ...args]]
  const child = spawn(command, commandArgs, {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.add(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
  }))
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves with the URL the server printed. */
    url: (timeoutMs = 15_000) =>
      new Promise<string>((resolve, reject) => {
        const check = (): void => {
          const match = /listening on (http:\/\/\S+)/.exec(stdout)
          if (match?.[1] !== undefined) {
            clearTimeout(timer)
            child.stdout.off('data', check)
            resolve(match[1])
          }
        }
        const timer = setTimeout(() => {
          child.stdout.off('data', check)
          reject(new Error(`no URL within ${timeoutMs} ms: ${stdout} ${stderr}`))
        }, timeoutMs)
        child.stdout.on('data', check)
        void exited.then(() => {
          clearTimeout(timer)
          reject(new Error(`exited before listening: ${stdout} ${stderr}`))
        })
        check()
      }),
  }
}

describe('npm start (tsx server/main.ts)', () => {
  it('prints its URL, serves /healthz, and exits 0 on SIGTERM', async () => {
    const server = run({ PORT: '0', LOG_LEVEL: 'silent' })
    const url = await server.url()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(url).not.toMatch(/:0$/)
    const res = await fetch(`${url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok' })
    // A live socket (and the server's own JWKS fetch behind it) must not hold the shutdown.
    const client = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: await issue(url, { username: 'alice' }) },
    })
    try {
      await connected(client)
      const dropped = nextEvent(client, 'disconnect')
      server.child.kill('SIGTERM')
      expect(await server.exited).toEqual({ code: 0, signal: null })
      await dropped
    } finally {
      client.close()
    }
  }, 30_000)

  it("the README's command, `npm start`, serves /healthz", async () => {
    const server = run({ PORT: '0', LOG_LEVEL: 'silent' }, [], { npm: true })
    try {
      const url = await server.url()
      const res = await fetch(`${url}/healthz`)
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ status: 'ok', issuer: 'development' })
    } finally {
      // npm and its child, together.
      if (server.child.pid !== undefined && server.child.exitCode === null)
        process.kill(-server.child.pid, 'SIGTERM')
    }
    // npm passes the signal on and may die of it itself; either way the group is gone.
    const { code, signal } = await server.exited
    expect(code === 0 || signal === 'SIGTERM').toBe(true)
  }, 30_000)

  it('takes flags: --port', async () => {
    const server = run({ LOG_LEVEL: 'silent' }, ['--port', '0', '--host', '127.0.0.1'])
    const url = await server.url()
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    server.child.kill('SIGINT')
    expect((await server.exited).code).toBe(0)
  }, 30_000)

  it('exits non-zero with a message naming PORT for PORT=abc', async () => {
    const server = run({ PORT: 'abc' })
    const { code } = await server.exited
    expect(code).not.toBe(0)
    expect(code).not.toBeNull()
    const { stdout, stderr } = server.output()
    expect(stderr).toMatch(/\bPORT\b/)
    expect(stderr).not.toMatch(/\n\s+at /) // a message, not a stack trace
    expect(stdout).not.toContain('listening')
  }, 30_000)

  it('exits non-zero with a message naming REDIS_URL for a URL that is not redis:', async () => {
    const server = run({ REDIS_URL: 'http://127.0.0.1:6379', PORT: '0' })
    expect((await server.exited).code).toBe(1)
    expect(server.output().stderr).toMatch(/REDIS_URL must use redis: or rediss:/)
  }, 30_000)

  it('with REDIS_URL: reports Redis in /healthz and /metrics, and exits 0 on SIGTERM', async () => {
    await using redis = await startPrivateRedis()
    const server = run({ REDIS_URL: redis.url, PORT: '0', LOG_LEVEL: 'silent' })
    const url = await server.url()
    // Ready once every connection is (the adapter's open just after the server listens).
    await eventually(async () => (await fetch(`${url}/healthz`)).status === 200, 5_000)
    expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({
      status: 'ok',
      issuer: 'development',
      redis: 'ready',
    })
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^sockguard_redis_up 1$/m)
    // The development key is shared through Redis, so a client of any node can use the token.
    const client = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: { token: await issue(url, { username: 'alice' }) },
    })
    try {
      await connected(client)
      server.child.kill('SIGTERM')
      // Every Redis connection closed, the process ends by itself, promptly.
      const started = Date.now()
      expect(await server.exited).toEqual({ code: 0, signal: null })
      expect(Date.now() - started).toBeLessThan(5_000)
      expect(server.output().stderr).toBe('')
    } finally {
      client.close()
    }
  }, 30_000)
})
