// Runs a `sockguard/express` middleware (written over node:http) for a framework that answers
// through its own response object (Fastify's `reply`, a Nest exception filter): the middleware
// writes its refusal into a stand-in response, which the framework then sends, so that its own
// hooks, serialization and logging see the answer. The refusals are thus exactly those of
// sockguard/express, byte for byte, without a second implementation. Internal to src/ (not
// exported by `sockguard/express`).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendRefusal, type Refusal } from './send-refusal.js'
import type { HttpMiddleware } from './types.js'

/** What a middleware wrote instead of calling `next()`. */
export interface CapturedRefusal {
  readonly statusCode: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
  /** The middleware gave up on the response (`res.destroy()`): close the connection. */
  readonly destroyed: boolean
}

/** The outcome of one middleware: it let the request through, or it answered it. */
export type MiddlewareOutcome =
  { readonly passed: true } | { readonly passed: false; readonly refusal: CapturedRefusal }

/**
 * Runs `middleware` on `req` with a stand-in response; resolves when it calls `next()` or ends
 * the response. The stand-in has exactly the members sockguard/express uses (`statusCode`,
 * `setHeader`, `end`, `destroy`, `headersSent`, `writableEnded`).
 */
export function runMiddleware(
  middleware: HttpMiddleware,
  req: IncomingMessage,
): Promise<MiddlewareOutcome> {
  return new Promise<MiddlewareOutcome>((resolve, reject) => {
    const headers: Record<string, string> = {}
    let settled = false
    const finish = (outcome: MiddlewareOutcome): void => {
      if (settled) return
      settled = true
      resolve(outcome)
    }
    const res = {
      statusCode: 200,
      headersSent: false,
      writableEnded: false,
      setHeader(name: string, value: string | number): unknown {
        headers[name.toLowerCase()] = String(value)
        return res
      },
      end(body?: string): unknown {
        res.headersSent = true
        res.writableEnded = true
        finish({
          passed: false,
          refusal: { statusCode: res.statusCode, headers, body: body ?? '', destroyed: false },
        })
        return res
      },
      destroy(): unknown {
        res.writableEnded = true
        finish({
          passed: false,
          refusal: { statusCode: 500, headers: {}, body: '', destroyed: true },
        })
        return res
      },
    }
    try {
      middleware(req, res as unknown as ServerResponse, (error?: unknown) => {
        if (error !== undefined) {
          settled = true
          reject(asError(error))
          return
        }
        finish({ passed: true })
      })
    } catch (error: unknown) {
      settled = true
      reject(asError(error))
    }
  })
}

/** An Error to reject with: `error` itself, or a fixed one for a non-Error value. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error('the middleware failed with a non-Error value')
}

/** `refusal` as sockguard/express writes it (status, headers, JSON body), captured. */
export function captureRefusal(refusal: Refusal): CapturedRefusal {
  const headers: Record<string, string> = {}
  let captured: CapturedRefusal | undefined
  const res = {
    statusCode: 200,
    headersSent: false,
    writableEnded: false,
    setHeader(name: string, value: string | number): unknown {
      headers[name.toLowerCase()] = String(value)
      return res
    },
    end(body?: string): unknown {
      captured = { statusCode: res.statusCode, headers, body: body ?? '', destroyed: false }
      return res
    },
  }
  sendRefusal(res as unknown as ServerResponse, refusal)
  // sendRefusal ends the response synchronously.
  return captured ?? { statusCode: 500, headers: {}, body: '', destroyed: true }
}
