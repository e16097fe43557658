// The server of docs/from-hand-written-middleware.md, assembled from its steps exactly as the
// guide prints them (blocks marked `<!-- sample: run migration-server -->`), run as its own Node
// process against the packed package, and driven by real clients.
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { SignJWT } from 'jose'
import { io as connectClient, type Socket } from 'socket.io-client'
import ts from 'typescript'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextEvent } from '../../support/socket-server.js'
import { allSamples } from './doc-samples.js'
import { linkPackedPackage } from './link-packed-package.js'

const root = join(import.meta.dirname, '..', '..', '..')
const work = join(root, '.tmp', 'doc-run-migration')
// A secret as an app keeps it in its environment: text, 64 characters.
const secretText = randomBytes(32).toString('hex')
const secret = new TextEncoder().encode(secretText)
let server: ChildProcess
let url: string
const clients: Socket[] = []

const sign = (sub: string, scope: string): Promise<string> =>
  new SignJWT({ scope })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(secret)

async function connect(sub: string, scope = ''): Promise<Socket> {
  const socket = connectClient(url, {
    auth: { token: await sign(sub, scope) },
    transports: ['websocket'],
    reconnection: false,
  })
  clients.push(socket)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('connect_error', reject)
  })
  return socket
}

beforeAll(async () => {
  const steps = allSamples(root).filter((s) => s.mode === 'run' && s.note === 'migration-server')
  expect(steps.map((s) => s.id)).toHaveLength(2)
  mkdirSync(work, { recursive: true })
  await linkPackedPackage(work)
  // What the guide leaves to the app: an HTTP server to attach to, and listening on it.
  const program = [
    "import { createServer } from 'node:http'",
    'const httpServer = createServer()',
    ...steps.map((s) => s.code),
    "httpServer.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: httpServer.address().port })))",
  ].join('\n')
  const js = ts.transpileModule(program, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText
  writeFileSync(join(work, 'server.mjs'), js)
  server = spawn(process.execPath, [join(work, 'server.mjs')], {
    cwd: work,
    env: { ...process.env, JWT_SECRET: secretText },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string]
  url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`
}, 120_000)

afterAll(() => {
  for (const client of clients) client.disconnect()
  server.kill()
})

describe('docs/from-hand-written-middleware.md, steps 1 and 4 as printed', () => {
  it('broadcasts messages of authenticated users with their subject', async () => {
    const alice = await connect('alice')
    const got = nextEvent(alice, 'message')
    alice.emit('message', 'hello')
    expect(await got).toEqual({ from: 'alice', text: 'hello' })
  })

  it('an admin kick without an ack ends the target and the server lives on', async () => {
    const admin = await connect('root', 'admin')
    const bob = await connect('bob')
    const bobTold = nextEvent(bob, 'unauthorized')
    admin.emit('admin:kick', { sub: 'bob' }) // no ack function: the handler must not call one
    expect(await bobTold).toMatchObject({ code: 'token_revoked' })
    // The server still answers: a round trip after the kick.
    const echo = nextEvent(admin, 'message')
    admin.emit('message', 'still here')
    expect(await echo).toEqual({ from: 'root', text: 'still here' })
    expect(server.exitCode).toBeNull()
  })

  it('hostile kick payloads are answered or ignored, never a crash', async () => {
    const admin = await connect('root3', 'admin')
    admin.emit('admin:kick')
    admin.emit('admin:kick', 5)
    admin.emit('admin:kick', { sub: 'erin' }, 7)
    admin.emit('admin:kick', { sub: 42 })
    expect(await admin.timeout(5_000).emitWithAck('admin:kick', null)).toEqual({ ok: false })
    const echo = nextEvent(admin, 'message')
    admin.emit('message', 'alive')
    expect(await echo).toEqual({ from: 'root3', text: 'alive' })
    expect(server.exitCode).toBeNull()
  })

  it('a kick with an ack is acknowledged', async () => {
    const admin = await connect('root2', 'admin')
    const reply: unknown = await admin.timeout(5_000).emitWithAck('admin:kick', { sub: 'carol' })
    expect(reply).toEqual({ ok: true })
  })

  it('a kick without the admin scope is forbidden', async () => {
    const user = await connect('dave')
    const reply: unknown = await user.timeout(5_000).emitWithAck('admin:kick', { sub: 'alice' })
    expect(reply).toMatchObject({ ok: false, code: 'forbidden' })
  })
})
