// What `npm test` needs from the machine, and how it gets it: Debian's Chromium for the browser
// tests, python-socketio for /usr/bin/python3 (the Python client conformance test), redis-server
// for the private servers of the cluster tests, and a Redis at REDIS_URL. As root, a missing
// package is installed with apt-get (once per run); otherwise the run stops at once with one
// sentence naming what to install. The machine is reached through `Host`, so that the decisions
// are unit-tested without installing or removing anything.
import path from 'node:path'

/** The Chromium the browser tests drive unless SOCKGUARD_CHROMIUM names another. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium'

/** The interpreter the Python conformance test runs (Debian's, where python3-socketio lands). */
export const SYSTEM_PYTHON = '/usr/bin/python3'

/** The Redis the cluster tests use when REDIS_URL is not set. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

/** The machine, as provisioning sees it. */
export interface Host {
  /** Whether this process may run apt-get (uid 0). */
  readonly isRoot: boolean
  /** The PATH to look commands up in. */
  readonly searchPath: string
  exists(file: string): boolean
  /** Runs a command to completion; never throws (a missing command is a non-zero status). */
  run(
    command: string,
    args: readonly string[],
  ): { readonly status: number; readonly output: string }
  /** A progress line for the person waiting (an install takes seconds). */
  log(line: string): void
}

/** A machine that lacks something `npm test` needs; the message is one sentence saying what. */
export class ProvisionError extends Error {
  override readonly name = 'ProvisionError'
}

/** Installs Debian packages, running `apt-get update` before the first install only. */
export interface Apt {
  install(...pkgs: string[]): void
}

/** An {@link Apt} on `host`. */
export function createApt(host: Host): Apt {
  let updated = false
  const apt = (args: readonly string[], what: string): void => {
    const result = host.run('apt-get', args)
    if (result.status !== 0) {
      const last = result.output.trim().split('\n').at(-1) ?? ''
      throw new ProvisionError(`${what} failed (exit ${result.status}): ${last}`)
    }
  }
  return {
    install(...pkgs) {
      const pkg = pkgs.join(' ')
      if (!updated) {
        host.log('apt-get update (once)')
        apt(['update', '-qq'], 'apt-get update')
        updated = true
      }
      host.log(`apt-get install ${pkg}`)
      apt(['install', '-y', '-qq', '--no-install-recommends', ...pkgs], `apt-get install ${pkg}`)
    },
  }
}

/** Whether `command` is an executable name found on the host's PATH. */
export function onPath(host: Host, command: string): boolean {
  return host.searchPath
    .split(path.delimiter)
    .some((dir) => dir !== '' && host.exists(path.join(dir, command)))
}

/**
 * The Chromium binary the browser tests launch: `override` (SOCKGUARD_CHROMIUM) when given, which
 * must exist; else /usr/bin/chromium, installed from Debian's `chromium` when missing and root.
 */
export function ensureChromium(host: Host, apt: Apt, override: string | undefined): string {
  if (override !== undefined && override !== '') {
    if (host.exists(override)) return override
    throw new ProvisionError(
      `SOCKGUARD_CHROMIUM is ${override}, which does not exist: point it at a Chromium binary or unset it to use ${DEFAULT_CHROMIUM}.`,
    )
  }
  if (host.exists(DEFAULT_CHROMIUM)) return DEFAULT_CHROMIUM
  if (!host.isRoot) {
    throw new ProvisionError(
      `The browser tests need Debian's Chromium at ${DEFAULT_CHROMIUM}: install it with \`sudo apt-get install --no-install-recommends chromium\` (or set SOCKGUARD_CHROMIUM to a Chromium binary).`,
    )
  }
  apt.install('chromium')
  if (!host.exists(DEFAULT_CHROMIUM)) {
    throw new ProvisionError(`apt-get installed chromium but ${DEFAULT_CHROMIUM} is still missing.`)
  }
  return DEFAULT_CHROMIUM
}

/**
 * Debian's python3-socketio does not pull in the transports' libraries: `requests` for polling
 * and `websocket` (websocket-client) for WebSocket; the conformance test drives both.
 */
export const PYTHON_PACKAGES = ['python3-socketio', 'python3-requests', 'python3-websocket']

function pythonImportsSocketio(host: Host): boolean {
  return host.run(SYSTEM_PYTHON, ['-c', 'import socketio, requests, websocket']).status === 0
}

/** /usr/bin/python3 with python-socketio: Debian's `python3-socketio`, installed when root. */
export function ensurePythonSocketio(host: Host, apt: Apt): void {
  if (pythonImportsSocketio(host)) return
  if (!host.isRoot) {
    throw new ProvisionError(
      `The Python client conformance test needs python-socketio for ${SYSTEM_PYTHON}: install it with \`sudo apt-get install --no-install-recommends ${PYTHON_PACKAGES.join(' ')}\`.`,
    )
  }
  apt.install(...PYTHON_PACKAGES)
  if (!pythonImportsSocketio(host)) {
    throw new ProvisionError(
      `apt-get installed ${PYTHON_PACKAGES.join(' ')} but \`${SYSTEM_PYTHON} -c 'import socketio, requests, websocket'\` still fails.`,
    )
  }
}

/** `redis-server` on the PATH (the cluster tests start private ones): Debian's, when root. */
export function ensureRedisServerBinary(host: Host, apt: Apt): void {
  if (onPath(host, 'redis-server')) return
  if (!host.isRoot) {
    throw new ProvisionError(
      'The cluster tests need redis-server on the PATH: install it with `sudo apt-get install --no-install-recommends redis-server`.',
    )
  }
  apt.install('redis-server')
  if (!onPath(host, 'redis-server')) {
    throw new ProvisionError('apt-get installed redis-server but it is still not on the PATH.')
  }
}

/** A Redis the tests can use, and how to let go of it at teardown. */
export interface ProvidedRedis {
  readonly url: string
  /** Whether the setup started it (and `stop` ends it). */
  readonly private: boolean
  stop(): Promise<void>
}

/** How {@link ensureRedis} reaches Redis: injected so that the decision is testable. */
export interface RedisAccess {
  /** Whether a Redis answers PING at `url`. */
  answers(url: string): Promise<boolean>
  /** Starts a redis-server of the run's own on a free loopback port, without persistence. */
  startPrivate(): Promise<{ readonly url: string; stop(): Promise<void> }>
}

/**
 * The Redis at `url` when one answers there; otherwise a private redis-server (redis-server
 * installed first when missing and root), stopped by `stop()`.
 */
export async function ensureRedis(
  host: Host,
  apt: Apt,
  access: RedisAccess,
  url: string,
): Promise<ProvidedRedis> {
  // The private servers of the outage tests need the binary even when a shared Redis answers.
  ensureRedisServerBinary(host, apt)
  if (await access.answers(url)) {
    return { url, private: false, stop: () => Promise.resolve() }
  }
  const started = await access.startPrivate()
  host.log(
    `nothing answers at ${withoutPassword(url)}: started a private redis-server at ${started.url}`,
  )
  return { url: started.url, private: true, stop: () => started.stop() }
}

/** `url` with its password masked, for a log line (REDIS_URL may carry one). */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password === '') return url
    parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'REDIS_URL (not a URL)'
  }
}
