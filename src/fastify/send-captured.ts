// Sends a refusal captured from a sockguard/express middleware through Fastify's `reply`.
import type { FastifyReply } from 'fastify'
import type { CapturedRefusal } from '../express/run-middleware.js'

/**
 * Answers `reply` with `refusal` (status, headers, JSON body as written by sockguard/express) and
 * returns the reply, as an async Fastify hook must after `reply.send()`. A refusal the middleware
 * could not write (`destroyed`) closes the connection instead.
 */
export function sendCaptured(reply: FastifyReply, refusal: CapturedRefusal): FastifyReply {
  if (refusal.destroyed) {
    reply.hijack()
    reply.raw.destroy()
    return reply
  }
  // Content-Length is Fastify's to compute from what it sends.
  const { 'content-length': _length, ...headers } = refusal.headers
  // The body is already the JSON text: sent as a string, Fastify serializes nothing again.
  return reply.code(refusal.statusCode).headers(headers).send(refusal.body)
}
