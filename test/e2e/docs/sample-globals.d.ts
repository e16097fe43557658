// What the docs' samples take as given: the app's own values and functions, declared so that a
// sample type-checks as written without repeating its surroundings. Anything a sample uses that is
// not here, in its own lines, or imported must fail the check.
import type { Server as HttpServer } from 'node:http'
import type { Express, RequestHandler } from 'express'
import type { Server } from 'socket.io'
import type { Guard, Verifier } from 'sockguard'

declare global {
  /** The app's client-to-server and server-to-client events (docs/guard.md). */
  interface ClientToServer {
    'admin:kick': (target: { sub: string }, ack?: (reply: { ok: boolean }) => void) => void
    'billing:refund': (orderId: string) => void
    'room:join': (room: string) => void
    'chat:send': (text: string) => void
    message: (text: string) => void
  }
  interface ServerToClient {
    message: (text: string) => void
  }
  const httpServer: HttpServer
  const io: Server
  const app: Express
  const guard: Guard
  const verifier: Verifier
  const handler: RequestHandler
  const token: string
  const secret: string
  const jwksUri: string
  const issuer: string
  const audience: string
  const url: string
  const publicUrl: string | undefined
  const log: { info(...args: unknown[]): void; warn(...args: unknown[]): void }
  const session: { getAccessToken(options: { forceRefresh: boolean }): Promise<string | undefined> }
  function renewToken(): Promise<string>
  function currentToken(): string | null
  function showLogin(code?: string, message?: string): void
  function showError(message: string): void
  function render(from: string, text: string): void
  function isPublic(room: string): Promise<boolean>
  function isCustomer(sub: string | undefined): Promise<boolean>
  /** The app's database of permissions (docs/rooms.md). */
  const db: {
    canRead(sub: string | undefined, docId: string | undefined): Promise<boolean>
    setGrants(sub: string, rooms: string[]): Promise<void>
  }
}
