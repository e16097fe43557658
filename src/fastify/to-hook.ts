// Turns a sockguard/express middleware into a Fastify `onRequest` hook.
import type { FastifyRequest } from 'fastify'
import type { RequestAuth } from '../express/types.js'
import type { HttpMiddleware } from '../express/types.js'
import { runMiddleware } from '../express/run-middleware.js'
import { sendCaptured } from './send-captured.js'
import type { SockguardHook } from './types.js'

/**
 * A hook running `middleware` on the raw request: through when it calls `next()`, answered with
 * its refusal otherwise. `copyAuth`: copy the `auth` it left on the raw request to `request.auth`.
 */
export function toHook(middleware: HttpMiddleware, copyAuth: boolean): SockguardHook {
  return async function sockguardHook(request, reply) {
    const outcome = await runMiddleware(middleware, request.raw)
    if (!outcome.passed) return sendCaptured(reply, outcome.refusal)
    if (copyAuth) {
      const auth = (request.raw as { auth?: RequestAuth }).auth
      if (auth !== undefined) (request as FastifyRequest & { auth: RequestAuth }).auth = auth
    }
    return undefined
  }
}
