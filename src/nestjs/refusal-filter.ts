// Answers a SockguardRefusalException as sockguard does outside Nest: on a socket the `forbidden`
// ack or event of authorizeEvents (not Nest's `exception` event), on HTTP the RFC 6750 response
// of sockguard/express.
import type { ServerResponse } from 'node:http'
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common'
import type { ForbiddenPayload } from '../authorize/authorize-events.js'
import { SockguardRefusalException } from './refusal-exception.js'

/** The text of authorizeEvents' denials, so that a client cannot tell the two apart. */
const FORBIDDEN_MESSAGE = 'You are not allowed to do that.'

/** The node:http object behind a platform's request or response (Fastify's `.raw`). */
function rawOf(value: unknown): unknown {
  const raw = (value as { raw?: unknown }).raw
  return typeof raw === 'object' && raw !== null ? raw : value
}

/**
 * The exception filter of sockguard's decorators (they add it to each handler they decorate;
 * Nest applies no global filter to gateways). For a socket it calls the message's ack with
 * `{ ok: false, code: 'forbidden', message }`, or without an ack emits `forbidden`
 * `{ event, code: 'forbidden', message }`; for HTTP it writes the refusal's status, headers and
 * body.
 */
export class SockguardRefusalFilter implements ExceptionFilter<SockguardRefusalException> {
  /** Answers `exception` on the socket or the HTTP response of `host`. */
  catch(exception: SockguardRefusalException, host: ArgumentsHost): void {
    if (host.getType() === 'ws') {
      // Nest's ws arguments: [client, data, ack?, pattern] (ws-proxy appends the pattern).
      const args: unknown[] = host.getArgs()
      const client = args[0] as { emit(event: string, payload: unknown): unknown }
      const ack = args.slice(1, -1).find((arg) => typeof arg === 'function') as
        ((payload: ForbiddenPayload) => void) | undefined
      if (ack !== undefined) {
        ack({ ok: false, code: 'forbidden', message: FORBIDDEN_MESSAGE })
        return
      }
      const pattern: unknown = host.switchToWs().getPattern()
      client.emit('forbidden', {
        event: String(pattern),
        code: 'forbidden',
        message: FORBIDDEN_MESSAGE,
      })
      return
    }
    if (host.getType() === 'http') {
      const res = rawOf(host.switchToHttp().getResponse()) as ServerResponse
      const refusal = exception.refusal
      if (res.headersSent) {
        if (!res.writableEnded) res.end()
        return
      }
      if (refusal === undefined || refusal.destroyed) {
        res.destroy()
        return
      }
      res.statusCode = refusal.statusCode
      for (const [name, value] of Object.entries(refusal.headers)) res.setHeader(name, value)
      res.end(refusal.body)
    }
  }
}
// Applied by hand rather than with decorator syntax: the package's JavaScript then does not
// depend on a decorator compile mode (see sockguard-module.ts).
Catch(SockguardRefusalException)(SockguardRefusalFilter)
