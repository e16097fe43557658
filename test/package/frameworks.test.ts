// The framework entries as shipped: importing `sockguard` (or its other entries) never loads
// @nestjs/* or fastify, which are optional peers; and a Nest-style CommonJS project, with Nest's
// default tsconfig (decorators, emitDecoratorMetadata), type-checks and builds against the packed
// `sockguard/nestjs`, then runs (require(esm) of sockguard and of Nest 12, which is ESM-only) and
// refuses an unauthenticated request and handshake.
import { execFile } from 'node:child_process'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, packedPackage, type PackedPackage } from '../support/packed-package.js'

const run = promisify(execFile)

let packed: PackedPackage

beforeAll(async () => {
  packed = await packedPackage()
}, 120_000)

// A resolve hook that records every bare specifier Node resolves (module.register, Node >= 20.6).
const HOOKS = `export async function resolve(specifier, context, next) {
  if (!specifier.startsWith('.') && !specifier.startsWith('node:') && !specifier.startsWith('file:'))
    globalThis.port?.postMessage(specifier)
  return next(specifier, context)
}
export function initialize(data) { globalThis.port = data.port }
`

/** Imports `entries` in a fresh Node with the hook; returns every package specifier resolved. */
async function specifiersLoadedBy(entries: readonly string[]): Promise<string[]> {
  const dir = path.join(packed.consumerDir, 'optional-peers')
  await mkdir(dir, { recursive: true })
  await writeFile(path.join(dir, 'hooks.mjs'), HOOKS)
  await writeFile(
    path.join(dir, 'main.mjs'),
    `import { register } from 'node:module'
import { MessageChannel } from 'node:worker_threads'
const seen = new Set()
const { port1, port2 } = new MessageChannel()
port1.on('message', (specifier) => seen.add(specifier))
register('./hooks.mjs', import.meta.url, { data: { port: port2 }, transferList: [port2] })
for (const entry of ${JSON.stringify(entries)}) await import(entry)
// Messages from the loader thread arrive asynchronously.
await new Promise((resolve) => setTimeout(resolve, 200))
port1.close()
console.log(JSON.stringify([...seen]))
`,
  )
  const { stdout } = await run(process.execPath, ['--no-warnings', 'main.mjs'], { cwd: dir })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as string[]
}

const isFrameworkPeer = (specifier: string): boolean =>
  specifier.startsWith('@nestjs/') || specifier === 'fastify' || specifier.startsWith('fastify/')

describe('optional framework peers', () => {
  it('importing sockguard and its other entries loads no @nestjs/* and no fastify', async () => {
    const loaded = await specifiersLoadedBy([
      'sockguard',
      'sockguard/express',
      'sockguard/client',
      'sockguard/socketio-jwt',
    ])
    expect(loaded).toContain('sockguard')
    expect(loaded.filter(isFrameworkPeer)).toEqual([])
  })

  it('sockguard/fastify loads no fastify either (it uses only its types); sockguard/nestjs loads Nest', async () => {
    expect((await specifiersLoadedBy(['sockguard/fastify'])).filter(isFrameworkPeer)).toEqual([])
    // The check sees Nest when it is loaded: it is not blind.
    expect(await specifiersLoadedBy(['sockguard/nestjs'])).toEqual(
      expect.arrayContaining(['@nestjs/common', '@nestjs/platform-socket.io']),
    )
  })
})

// A small Nest application as `nest new` lays one out, CommonJS, using every export kind.
const NEST_FILES: Record<string, string> = {
  'src/sessions.service.ts': `import { Injectable } from '@nestjs/common'
import { Sockguard } from 'sockguard/nestjs'

@Injectable()
export class SessionsService {
  constructor(private readonly sockguard: Sockguard) {}
  logout(sub: string): Promise<void> {
    return this.sockguard.revoke({ sub })
  }
}
`,
  'src/events.gateway.ts': `import { MessageBody, SubscribeMessage, WebSocketGateway, OnGatewayConnection } from '@nestjs/websockets'
import type { Socket } from 'socket.io'
import { Claims, RequireClaim, RequireScope } from 'sockguard/nestjs'

interface AppClaims {
  sub: string
  role: string
}

@WebSocketGateway({ namespace: 'events' })
export class EventsGateway implements OnGatewayConnection {
  handleConnection(client: Socket) {
    return client.data.auth.claims.sub
  }

  @SubscribeMessage('post')
  @RequireScope('events:write')
  post(@MessageBody() text: string, @Claims('sub') sub: string) {
    return { text, sub }
  }

  @SubscribeMessage('kick')
  @RequireClaim<AppClaims & Record<string, unknown>>('role', 'admin')
  kick(@Claims() claims: AppClaims) {
    return claims.sub
  }
}
`,
  'src/me.controller.ts': `import { Controller, Get, Post } from '@nestjs/common'
import { Claims, RequireAuth } from 'sockguard/nestjs'
import { SessionsService } from './sessions.service'

@Controller()
@RequireAuth()
export class MeController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('me')
  me(@Claims('sub') sub: string) {
    return { sub }
  }

  @Post('logout')
  logout(@Claims('sub') sub: string) {
    return this.sessions.logout(sub)
  }
}
`,
  'src/app.module.ts': `import { Module } from '@nestjs/common'
import { SockguardModule } from 'sockguard/nestjs'
import { EventsGateway } from './events.gateway'
import { MeController } from './me.controller'
import { SessionsService } from './sessions.service'

@Module({
  imports: [
    SockguardModule.forRootAsync({
      useFactory: async () => ({ secret: process.env.JWT_SECRET!, algorithms: ['HS256'] as const }),
    }),
  ],
  controllers: [MeController],
  providers: [EventsGateway, SessionsService],
})
export class AppModule {}
`,
  'src/main.ts': `import { NestFactory } from '@nestjs/core'
import { io } from 'socket.io-client'
import { SockguardIoAdapter, SOCKGUARD_GUARD, type Sockguard } from 'sockguard/nestjs'
import { AppModule } from './app.module'

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: false })
  app.useWebSocketAdapter(new SockguardIoAdapter(app))
  await app.listen(0, '127.0.0.1')
  const guard = app.get<Sockguard>(SOCKGUARD_GUARD)
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  const http = await fetch(url + '/me')
  const client = io(url + '/events', { transports: ['websocket'], reconnection: false })
  const refused = await new Promise<unknown>((resolve) => {
    client.on('connect_error', (error: Error & { data?: unknown }) => resolve(error.data))
  })
  client.close()
  await app.close()
  console.log(JSON.stringify({ status: http.status, refused, revoke: typeof guard.revoke }))
}
void bootstrap()
`,
}

/** Nest's starter tsconfig (nest new, Nest 11 and later): nodenext in a CommonJS package. */
const NEST_TSCONFIG = {
  module: 'nodenext',
  moduleResolution: 'nodenext',
  resolvePackageJsonExports: true,
  esModuleInterop: true,
  isolatedModules: true,
  declaration: true,
  removeComments: true,
  emitDecoratorMetadata: true,
  experimentalDecorators: true,
  allowSyntheticDefaultImports: true,
  target: 'ES2023',
  sourceMap: true,
  outDir: './dist',
  // TypeScript 6 asks for rootDir when outDir is set (a starter made for 5.x lacks it).
  rootDir: './src',
  skipLibCheck: true,
  strictNullChecks: true,
  forceConsistentCasingInFileNames: true,
  noImplicitAny: false,
  strictBindCallApply: false,
  noFallthroughCasesInSwitch: false,
  types: ['node'],
}

const VARIANTS = [
  { name: 'the nest new tsconfig (nodenext, CommonJS)', options: NEST_TSCONFIG },
  {
    // Older starters: CommonJS with the node10 resolution (typesVersions); TypeScript 6 wants the
    // deprecation acknowledged.
    name: 'the older tsconfig (commonjs, node10 resolution)',
    options: {
      ...NEST_TSCONFIG,
      module: 'commonjs',
      moduleResolution: 'node',
      resolvePackageJsonExports: false,
      ignoreDeprecations: '6.0',
    },
  },
]

describe('a Nest-style CommonJS project against the packed sockguard/nestjs', () => {
  it.each(VARIANTS)(
    '$name: type-checks, builds, runs and refuses without a token',
    async ({ name, options }) => {
      const dir = path.join(packed.consumerDir, 'nest-app', name.replace(/\W+/g, '-'))
      await rm(dir, { recursive: true, force: true })
      for (const [file, text] of Object.entries(NEST_FILES)) {
        await mkdir(path.dirname(path.join(dir, file)), { recursive: true })
        await writeFile(path.join(dir, file), text)
      }
      await writeFile(
        path.join(dir, 'package.json'),
        JSON.stringify({ name: 'nest-app', private: true }),
      )
      await writeFile(
        path.join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: options, include: ['src'] }, null, 2),
      )
      const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
      const compiled = await run(process.execPath, [tsc, '-p', dir, '--pretty', 'false']).then(
        () => '',
        (error: unknown) => {
          const failed = error as { stdout?: string; stderr?: string; message: string }
          return `${failed.stdout ?? ''}${failed.stderr ?? ''}` || failed.message
        },
      )
      expect(compiled).toBe('')
      const { stdout } = await run(process.execPath, ['--no-warnings', 'dist/main.js'], {
        cwd: dir,
        env: { ...process.env, JWT_SECRET: 'k'.repeat(48) },
      })
      expect(JSON.parse(stdout.trim())).toEqual({
        status: 401,
        refused: { code: 'token_missing', message: expect.any(String) as unknown },
        revoke: 'function',
      })
    },
  )
})
