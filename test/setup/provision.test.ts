// The provisioning decisions of `npm test` on a simulated machine (nothing is installed or
// removed), the private redis-server for real, and what the workers of this very run were given.
import { inject, describe, expect, it } from 'vitest'
import { redisAnswers, startPrivateRedisServer } from './host.js'
import {
  DEFAULT_CHROMIUM,
  ProvisionError,
  SYSTEM_PYTHON,
  createApt,
  ensureChromium,
  ensurePythonSocketio,
  ensureRedis,
  withoutPassword,
  type Host,
  type RedisAccess,
} from './provision.js'

/** A machine with the given files, where apt-get "installs" by creating the package's files. */
function fakeHost(options: {
  readonly root: boolean
  readonly files?: readonly string[]
  /** Whether `/usr/bin/python3 -c 'import socketio'` succeeds. */
  readonly socketio?: boolean
  /** Exit status of apt-get install. */
  readonly aptStatus?: number
}) {
  const files = new Set(options.files ?? [])
  let socketio = options.socketio ?? false
  const commands: string[] = []
  const PROVIDES: Record<string, () => void> = {
    chromium: () => files.add(DEFAULT_CHROMIUM),
    'python3-socketio python3-requests python3-websocket': () => (socketio = true),
    'redis-server': () => files.add('/usr/bin/redis-server'),
  }
  const host: Host = {
    isRoot: options.root,
    searchPath: '/usr/local/bin:/usr/bin',
    exists: (file) => files.has(file),
    run(command, args) {
      commands.push([command, ...args].join(' '))
      if (command === SYSTEM_PYTHON) return { status: socketio ? 0 : 1, output: 'No module' }
      if (command === 'apt-get' && args[0] === 'install') {
        if ((options.aptStatus ?? 0) !== 0) {
          return { status: options.aptStatus ?? 1, output: 'E: Unable to locate package\n' }
        }
        PROVIDES[args.slice(4).join(' ')]?.()
      }
      return { status: 0, output: '' }
    },
    log: () => undefined,
  }
  return { host, commands, apt: createApt(host) }
}

const APT_INSTALL = 'apt-get install -y -qq --no-install-recommends'

describe('ensureChromium', () => {
  it('uses /usr/bin/chromium when present, running nothing', () => {
    const machine = fakeHost({ root: true, files: [DEFAULT_CHROMIUM] })
    expect(ensureChromium(machine.host, machine.apt, undefined)).toBe(DEFAULT_CHROMIUM)
    expect(machine.commands).toEqual([])
  })

  it('as root, installs Debian chromium when missing: apt-get update, then install', () => {
    const machine = fakeHost({ root: true })
    expect(ensureChromium(machine.host, machine.apt, undefined)).toBe(DEFAULT_CHROMIUM)
    expect(machine.commands).toEqual(['apt-get update -qq', `${APT_INSTALL} chromium`])
  })

  it('not root, fails at once with one sentence naming the package', () => {
    const machine = fakeHost({ root: false })
    const error = catchError(() => ensureChromium(machine.host, machine.apt, undefined))
    expect(error).toBeInstanceOf(ProvisionError)
    expect(error.message).toMatch(/apt-get install --no-install-recommends chromium/)
    expect(error.message.split(/\.(\s|$)/).filter((part) => part.trim() !== '')).toHaveLength(1)
    expect(machine.commands).toEqual([])
  })

  it('SOCKGUARD_CHROMIUM overrides the path, and a missing override is an error, not an install', () => {
    const present = fakeHost({ root: true, files: ['/opt/chrome'] })
    expect(ensureChromium(present.host, present.apt, '/opt/chrome')).toBe('/opt/chrome')
    const missing = fakeHost({ root: true, files: [DEFAULT_CHROMIUM] })
    expect(() => ensureChromium(missing.host, missing.apt, '/nowhere/chromium')).toThrow(
      /SOCKGUARD_CHROMIUM is \/nowhere\/chromium, which does not exist/,
    )
    expect(missing.commands).toEqual([])
  })

  it('reports a failed apt-get with its last line', () => {
    const machine = fakeHost({ root: true, aptStatus: 100 })
    expect(() => ensureChromium(machine.host, machine.apt, undefined)).toThrow(
      'apt-get install chromium failed (exit 100): E: Unable to locate package',
    )
  })
})

describe('ensurePythonSocketio', () => {
  it('runs /usr/bin/python3 -c "import socketio, requests, websocket" and stops there when it succeeds', () => {
    const machine = fakeHost({ root: true, socketio: true })
    ensurePythonSocketio(machine.host, machine.apt)
    expect(machine.commands).toEqual(['/usr/bin/python3 -c import socketio, requests, websocket'])
  })

  it('as root, installs python3-socketio and checks the import again', () => {
    const machine = fakeHost({ root: true })
    ensurePythonSocketio(machine.host, machine.apt)
    expect(machine.commands).toEqual([
      '/usr/bin/python3 -c import socketio, requests, websocket',
      'apt-get update -qq',
      `${APT_INSTALL} python3-socketio python3-requests python3-websocket`,
      '/usr/bin/python3 -c import socketio, requests, websocket',
    ])
  })

  it('not root, fails with one sentence naming python3-socketio', () => {
    const machine = fakeHost({ root: false })
    expect(() => {
      ensurePythonSocketio(machine.host, machine.apt)
    }).toThrow(
      /needs python-socketio for \/usr\/bin\/python3: install it with `sudo apt-get install --no-install-recommends python3-socketio python3-requests python3-websocket`\.$/,
    )
  })
})

describe('ensureRedis', () => {
  function access(answering: readonly string[]) {
    const started: string[] = []
    const stopped: string[] = []
    const redis: RedisAccess = {
      answers: (url) => Promise.resolve(answering.includes(url)),
      startPrivate: () => {
        const url = `redis://127.0.0.1:${40_000 + started.length}`
        started.push(url)
        return Promise.resolve({
          url,
          stop: () => {
            stopped.push(url)
            return Promise.resolve()
          },
        })
      },
    }
    return { redis, started, stopped }
  }
  const withRedisServer = ['/usr/bin/redis-server']

  it('uses the Redis at the URL when it answers, and starts nothing', async () => {
    const machine = fakeHost({ root: true, files: withRedisServer })
    const fake = access(['redis://127.0.0.1:6379'])
    const got = await ensureRedis(machine.host, machine.apt, fake.redis, 'redis://127.0.0.1:6379')
    expect(got).toMatchObject({ url: 'redis://127.0.0.1:6379', private: false })
    await got.stop()
    expect(fake.started).toEqual([])
    expect(machine.commands).toEqual([])
  })

  it('starts a private redis-server when nothing answers, and stops it at teardown', async () => {
    const machine = fakeHost({ root: true, files: withRedisServer })
    const fake = access([])
    const got = await ensureRedis(machine.host, machine.apt, fake.redis, 'redis://127.0.0.1:1')
    expect(got).toMatchObject({ url: 'redis://127.0.0.1:40000', private: true })
    expect(fake.stopped).toEqual([])
    await got.stop()
    expect(fake.stopped).toEqual(['redis://127.0.0.1:40000'])
  })

  it('as root, installs redis-server when it is not on the PATH', async () => {
    const machine = fakeHost({ root: true })
    await ensureRedis(machine.host, machine.apt, access([]).redis, 'redis://127.0.0.1:1')
    expect(machine.commands).toEqual(['apt-get update -qq', `${APT_INSTALL} redis-server`])
  })

  it('not root and no redis-server: one sentence naming the package', async () => {
    const machine = fakeHost({ root: false })
    await expect(
      ensureRedis(machine.host, machine.apt, access(['redis://x']).redis, 'redis://x'),
    ).rejects.toThrow(/install it with `sudo apt-get install --no-install-recommends redis-server`/)
  })

  it('runs apt-get update once for several packages', () => {
    const machine = fakeHost({ root: true })
    ensureChromium(machine.host, machine.apt, undefined)
    ensurePythonSocketio(machine.host, machine.apt)
    expect(machine.commands.filter((c) => c.startsWith('apt-get update'))).toHaveLength(1)
  })

  it('never logs a password from REDIS_URL', () => {
    expect(withoutPassword('redis://:hunter2@10.0.0.1:6379/2')).toBe('redis://:***@10.0.0.1:6379/2')
    expect(withoutPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379')
    expect(withoutPassword('hunter2')).not.toContain('hunter2')
  })
})

describe('the real machine', () => {
  it('a private redis-server starts on a free port, answers, and is gone after stop()', async () => {
    const server = await startPrivateRedisServer()
    expect(await redisAnswers(server.url)).toBe(true)
    await server.stop()
    expect(await redisAnswers(server.url)).toBe(false)
  })

  it('nothing answering is told apart quickly (a closed port)', async () => {
    const started = Date.now()
    expect(await redisAnswers('redis://127.0.0.1:1')).toBe(false)
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('the workers of this run got a Redis that answers, in REDIS_URL and inject("redisUrl")', async () => {
    const url = inject('redisUrl')
    expect(process.env.REDIS_URL).toBe(url)
    expect(await redisAnswers(url)).toBe(true)
    expect(inject('chromiumPath')).toMatch(/chromium/i)
  })
})

function catchError(run: () => unknown): Error {
  try {
    run()
  } catch (error) {
    if (error instanceof Error) return error
  }
  throw new Error('did not throw')
}
