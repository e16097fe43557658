// The Nest guard behind @RequireAuth, @RequireScope and @RequireClaim: on a socket it checks the
// claims the handshake left (SockguardIoAdapter authenticated it), on HTTP it authenticates the
// request with sockguard/express's requireAuth first. A refusal is a SockguardRefusalException.
import type { IncomingMessage } from 'node:http'
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common'
import { runMiddleware, captureRefusal } from '../express/run-middleware.js'
import type { RequestAuth } from '../express/types.js'
import type { SocketAuth } from '../guard/types.js'
import type { JwtClaims } from '../verifier/types.js'
import { requirementsOf } from './requirement-registry.js'
import { SockguardRefusalException } from './refusal-exception.js'
import type { SockguardContext } from './sockguard-context.js'
import { SOCKGUARD_CONTEXT } from './tokens.js'

/** The node:http request behind a platform's request (Fastify's `.raw`). */
function rawRequest(request: unknown): IncomingMessage & { auth?: RequestAuth } {
  const raw = (request as { raw?: unknown }).raw
  return (typeof raw === 'object' && raw !== null ? raw : request) as IncomingMessage & {
    auth?: RequestAuth
  }
}

/** The 403 of a claim requirement: RFC 6750's only 403 error, without a scope to name. */
const claimRefusal = captureRefusal({
  status: 403,
  body: {
    error: 'insufficient_scope',
    message: 'The token does not grant the claims this resource requires.',
  },
  challenge: { error: 'insufficient_scope' },
})

/**
 * Nest's guard of sockguard's decorators. Add it through them rather than `@UseGuards`. When both
 * a class and its method carry decorators it runs twice; each run checks both, so nothing
 * changes but a second, cheap check.
 */
export class SockguardAuthGuard implements CanActivate {
  constructor(private readonly context: SockguardContext) {}

  /**
   * Lets the call through, or throws a {@link SockguardRefusalException} (answered by
   * SockguardRefusalFilter); false only for contexts other than `ws` and `http`.
   */
  async canActivate(execution: ExecutionContext): Promise<boolean> {
    const requirements = requirementsOf(execution.getClass(), execution.getHandler())
    const type = execution.getType()
    if (type === 'ws') {
      const client = execution.switchToWs().getClient<{ data?: { auth?: SocketAuth } }>()
      const claims = client.data?.auth?.claims
      // A socket that did not go through the guard (no SockguardIoAdapter) has no claims: denied.
      if (claims === undefined) throw new SockguardRefusalException()
      for (const requirement of requirements) {
        if (requirement.kind !== 'auth' && !(await allows(requirement.rule, claims)))
          throw new SockguardRefusalException()
      }
      return true
    }
    if (type === 'http') {
      const req = rawRequest(execution.switchToHttp().getRequest())
      if (req.auth === undefined) {
        const outcome = await runMiddleware(this.context.httpAuth, req)
        if (!outcome.passed) throw new SockguardRefusalException(outcome.refusal)
      }
      const claims = req.auth?.claims
      if (claims === undefined) throw new SockguardRefusalException(claimRefusal)
      for (const requirement of requirements) {
        if (requirement.kind === 'scope') {
          const outcome = await runMiddleware(requirement.http, req)
          if (!outcome.passed) throw new SockguardRefusalException(outcome.refusal)
        } else if (requirement.kind === 'claim' && !(await allows(requirement.rule, claims))) {
          throw new SockguardRefusalException(claimRefusal)
        }
      }
      return true
    }
    // Microservices (rpc) carry no sockguard credentials: refused rather than let through.
    return false
  }
}

/** A rule's verdict: only `true` allows; false, anything else or a throw denies. */
async function allows(
  rule: (claims: JwtClaims) => boolean | Promise<boolean>,
  claims: JwtClaims,
): Promise<boolean> {
  try {
    // Only `true` allows, whatever the rule returns at run time.
    const verdict: unknown = await rule(claims)
    return verdict === true
  } catch {
    return false
  }
}

// Decorators applied by hand (see sockguard-module.ts); the dependency is named by its token, so
// no emitDecoratorMetadata is needed.
Injectable()(SockguardAuthGuard)
Inject(SOCKGUARD_CONTEXT)(SockguardAuthGuard, undefined, 0)
