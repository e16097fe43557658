// A real Nest application for the sockguard/nestjs tests: two gateways on two namespaces, an HTTP
// controller, and a service that revokes through the injected guard; started on 127.0.0.1:0 with
// SockguardIoAdapter, as an async-disposable resource.
import 'reflect-metadata'
import {
  Controller,
  Delete,
  Get,
  Injectable,
  Module,
  Param,
  Post,
  type INestApplication,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import {
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
  type OnGatewayConnection,
} from '@nestjs/websockets'
import type { Socket } from 'socket.io'
import type { ManagerOptions, Socket as ClientSocket, SocketOptions } from 'socket.io-client'
import type { JwtClaims } from '../../../src/index.js'
import {
  Claims,
  RequireAuth,
  RequireClaim,
  RequireScope,
  Sockguard,
  SockguardIoAdapter,
  SockguardModule,
  type SockguardModuleOptions,
} from '../../../src/nestjs/index.js'
import { connector } from '../../support/socket-server.js'

/** The claims of the test tokens. */
export interface AppClaims extends JwtClaims {
  sub: string
  scope?: string
  role?: string
}

/** What each gateway's handleConnection saw: the subject, proving the guard ran before it. */
export const connections: { namespace: string; sub: string | undefined }[] = []
/** The messages the guarded handlers ran for (`post`, `kick`): a refused one never appears. */
export const handled: string[] = []

@WebSocketGateway({ namespace: 'chat' })
class ChatGateway implements OnGatewayConnection {
  handleConnection(client: Socket): void {
    const auth = (client.data as { auth?: { claims: AppClaims } }).auth
    connections.push({ namespace: '/chat', sub: auth?.claims.sub })
  }

  @SubscribeMessage('whoami')
  whoami(@Claims('sub') sub: string, @Claims() claims: AppClaims): unknown {
    return { sub, scope: claims.scope ?? null }
  }

  @SubscribeMessage('post')
  @RequireScope('chat:write')
  post(@MessageBody() text: string, @Claims('sub') sub: string): unknown {
    handled.push(`post ${text}`)
    return { ok: true, text, by: sub }
  }
}

@WebSocketGateway({ namespace: 'admin' })
class AdminGateway implements OnGatewayConnection {
  handleConnection(client: Socket): void {
    const auth = (client.data as { auth?: { claims: AppClaims } }).auth
    connections.push({ namespace: '/admin', sub: auth?.claims.sub })
  }

  @SubscribeMessage('kick')
  @RequireClaim<AppClaims>('role', 'admin')
  kick(@MessageBody() target: string): unknown {
    handled.push(`kick ${target}`)
    return { ok: true, kicked: target }
  }
}

@Injectable()
class Sessions {
  constructor(private readonly sockguard: Sockguard) {}

  /** Ends every session of `sub`: sockets disconnected, tokens refused on HTTP too. */
  async logout(sub: string): Promise<void> {
    await this.sockguard.revoke({ sub })
  }
}

@Controller('api')
class ApiController {
  constructor(private readonly sessions: Sessions) {}

  @Get('me')
  @RequireAuth()
  me(@Claims() claims: AppClaims): unknown {
    return { sub: claims.sub }
  }

  @Delete('users/:id')
  @RequireScope('users:write')
  remove(@Param('id') id: string, @Claims('sub') sub: string): unknown {
    return { removed: id, by: sub }
  }

  @Get('staff')
  @RequireClaim<AppClaims>('role', 'admin')
  staff(): unknown {
    return { ok: true }
  }

  @Post('logout')
  @RequireAuth()
  async logout(@Claims('sub') sub: string): Promise<unknown> {
    await this.sessions.logout(sub)
    return { ok: true }
  }

  @Get('open')
  open(): unknown {
    return { ok: true }
  }
}

/** A running Nest application. */
export interface NestTestApp extends AsyncDisposable {
  readonly app: INestApplication
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** The guard, as a service gets it. */
  readonly sockguard: Sockguard
  /** fetch with `Authorization: Bearer <token>` when a token is given. */
  request(method: string, path: string, token?: string): Promise<Response>
  /** A real client of `namespace` (WebSocket, no reconnection), closed with the app. */
  connect(namespace: string, options?: Partial<ManagerOptions & SocketOptions>): ClientSocket
  close(): Promise<void>
}

/** Starts the application with `options` for SockguardModule (`forRoot`, or `forRootAsync`). */
export async function startNestApp(
  options: SockguardModuleOptions,
  { async = false }: { async?: boolean } = {},
): Promise<NestTestApp> {
  @Module({
    imports: [
      async
        ? SockguardModule.forRootAsync({ useFactory: () => Promise.resolve(options) })
        : SockguardModule.forRoot(options),
    ],
    controllers: [ApiController],
    providers: [ChatGateway, AdminGateway, Sessions],
  })
  // eslint-disable-next-line @typescript-eslint/no-extraneous-class -- a Nest module is a decorated class
  class AppModule {}

  // abortOnError: false, so that a wrong option rejects here instead of exiting the process.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- Nest's options are typed as a class
  const app = await NestFactory.create(AppModule, { logger: false, abortOnError: false })
  app.useWebSocketAdapter(new SockguardIoAdapter(app))
  await app.listen(0, '127.0.0.1')
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1')
  const clients = new Set<ClientSocket>()
  const connect = connector(url, clients)
  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const client of clients) client.disconnect()
      await app.close()
    })()
    return closing
  }
  return {
    app,
    url,
    sockguard: app.get(Sockguard),
    request(method, path, token) {
      const headers = new Headers()
      if (token !== undefined) headers.set('authorization', `Bearer ${token}`)
      return fetch(`${url}${path}`, { method, headers })
    },
    connect: (namespace, options) => connect(options, namespace),
    close,
    [Symbol.asyncDispose]: close,
  }
}
