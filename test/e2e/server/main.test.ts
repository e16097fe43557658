// `npm start` as a real process: tsx runs server/main.ts, which prints its URL, serves, and exits
// 0 on SIGTERM; a bad variable makes it exit non-zero with a message naming the variable.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
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

/** The one child process of `pid` (npm's: `tsx`, which `exec` put in place of the shell). */
function childOf(pid: number): number {
  const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
    .trim()
    .split('\n')
  expect(children).toHaveLength(1)
  return Number(children[0])
}

/** Asserts that the port of `url` is free again: this process can listen on it. */
async function expectReleased(url: string): Promise<void> {
  const probe = createServer()
  probe.listen(Number(new URL(url).port), '127.0.0.1')
  await once(probe, 'listening')
  await new Promise<void>((resolve) => {
    probe.close(() => {
      resolve()
    })
  })
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

  it("the README's command, `npm start`, serves /healthz and exits 0 on SIGTERM to its group", async () => {
    const server = run({ PORT: '0', LOG_LEVEL: 'silent' }, [], { npm: true })
    const url = await server.url()
    const res = await fetch(`${url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', issuer: 'development' })
    // npm, tsx and the server, together (as Ctrl-C or `kill -- -pgid` does): the copies npm and
    // tsx pass on must not count as a second signal.
    process.kill(-(server.child.pid ?? 0), 'SIGTERM')
    expect(await server.exited).toEqual({ code: 0, signal: null })
    await expectReleased(url)
    expect(server.output().stderr).toBe('')
  }, 30_000)

  // Issue 11: npm passed SIGTERM to `sh -c "tsx server/main.ts"`, the shell died of it, and tsx
  // and the server ran on, orphaned, holding the port.
  for (const target of ['npm', "npm's child"] as const) {
    it(`\`npm start\` shuts down gracefully on SIGTERM to ${target}: the client is told, exit 0, port released`, async () => {
      const server = run({ PORT: '0', LOG_LEVEL: 'silent' }, [], { npm: true })
      const url = await server.url()
      const client = io(url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        auth: { token: await issue(url, { username: 'alice' }) },
      })
      try {
        await connected(client)
        const dropped = nextEvent<string>(client, 'disconnect')
        const npmPid = server.child.pid ?? 0
        const pid = target === 'npm' ? npmPid : childOf(npmPid)
        process.kill(pid, 'SIGTERM')
        expect(await server.exited).toEqual({ code: 0, signal: null })
        // At once, not after a ping timeout; a reason that lets the client reconnect (to another
        // node, or to this one once it is back), which `io server disconnect` would not.
        expect(await dropped).toBe('transport close')
        await expectReleased(url)
        expect(server.output().stdout).toContain('SIGTERM: shutting down')
        // Nothing of the group is left (tsx and the server included).
        expect(() => process.kill(-npmPid, 0)).toThrow(/ESRCH/)
      } finally {
        client.close()
      }
    }, 30_000)
  }

  it('refuses to start the development issuer under NODE_ENV=production, in one sentence', async () => {
    const server = run({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '0' })
    expect((await server.exited).code).toBe(1)
    const { stdout, stderr } = server.output()
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/NODE_ENV is production/)
    expect(stderr).toContain('DEV_ISSUER_IN_PRODUCTION=1')
    expect(stderr).toContain('JWT_SECRET')
  }, 30_000)

  it('with DEV_ISSUER_IN_PRODUCTION=1 on 0.0.0.0: prints the bound address and warns, banner and log', async () => {
    const server = run({
      NODE_ENV: 'production',
      DEV_ISSUER_IN_PRODUCTION: '1',
      HOST: '0.0.0.0',
      PORT: '0',
      LOG_LEVEL: 'warn',
    })
    const url = await server.url()
    // The address actually bound, not the loopback one it used to print.
    expect(url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/)
    const { port } = new URL(url)
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
    expect(server.output().stdout).toContain(`on this machine http://127.0.0.1:${port}`)
    expect(server.output().stdout).toMatch(/^WARNING: the development issuer is on\b/m)
    const warning = server
      .output()
      .stdout.split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg: string; address?: string })
      .find((line) => line.msg.startsWith('development issuer on'))
    expect(warning).toMatchObject({ level: 40, address: url })
  }, 30_000)

  it('with HOST=localhost: prints the name and the address bound, not "every interface"', async () => {
    const server = run({ HOST: 'localhost', PORT: '0', LOG_LEVEL: 'silent' })
    const url = await server.url()
    expect(url).toMatch(/^http:\/\/localhost:\d+$/)
    const { port } = new URL(url)
    // `localhost` resolves to one loopback address, whichever the system lists first.
    const bound = new RegExp(
      `listening on ${url} \\(bound to (http://(?:127\\.0\\.0\\.1|\\[::1\\]):${port})\\)`,
    )
    const address = bound.exec(server.output().stdout)?.[1]
    expect(address).toBeDefined()
    expect((await fetch(`${address}/healthz`)).status).toBe(200)
    server.child.kill('SIGTERM')
    expect((await server.exited).code).toBe(0)
    expect(server.output().stdout).not.toContain('every interface')
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
