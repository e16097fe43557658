// The HTTP side of the reference server: security headers, health and metrics, the development
// issuer's endpoints (tokens, keys, an admin's room grants), `/api/me` behind sockguard/express,
// the client modules and the page.
import { join } from 'node:path'
import express, { type ErrorRequestHandler, type Express } from 'express'
import type { BackchannelLogoutHandler } from '../src/index.js'
import type { Logger } from 'pino'
import { requireAuth, requireScope } from '../src/express/index.js'
import type { RevocationStore, Verifier } from '../src/index.js'
import { clientModules } from './client-modules.js'
import {
  parseGrantsRequest,
  parseTokenRequest,
  TokenRequestError,
  type DevIssuer,
  type GrantsRequest,
  type TokenRequest,
} from './dev-issuer.js'
import type { ChatClaims } from './events.js'
import type { ServerMetrics } from './metrics.js'
import { issuerHostCheck } from './issuer-host-check.js'
import { servePage } from './page.js'
import { securityHeaders } from './security-headers.js'

/** The body of `/healthz`. */
export interface HealthReport {
  /**
   * `degraded` while this node refuses new handshakes (Redis away, fail-closed): a load balancer
   * should send them elsewhere. Connected sockets keep working.
   */
  readonly status: 'ok' | 'degraded'
  readonly [detail: string]: unknown
}

/** Where the OpenID Provider posts its back-channel logout tokens (with `ISSUER_URL`). */
export const BACKCHANNEL_LOGOUT_PATH = '/backchannel-logout'

/** What {@link mountRoutes} needs. */
export interface RouteDependencies {
  /** The project's root: `web/` and `src/client/` are found from it. */
  readonly root: string
  /** The guard's verifier, shared with `/api/me`. */
  readonly verifier: Verifier<ChatClaims>
  /** The guard's revocation store: a kicked user's token is refused on HTTP too. */
  readonly revocationStore: RevocationStore
  /** The development issuer, when it is on. */
  readonly devIssuer: DevIssuer | undefined
  /**
   * Called after `POST /auth/grants` changed a user's grants (the guard's `recheck`); the
   * request is answered once it resolves.
   */
  readonly onGrantsChanged?: ((sub: string) => Promise<void>) | undefined
  /** The back-channel logout receiver, with an OpenID Provider (`ISSUER_URL`). */
  readonly backchannelLogout?: BackchannelLogoutHandler | undefined
  /** `PUBLIC_URL`: besides loopback names, the only `Host` the development issuer answers. */
  readonly publicUrl?: string | undefined
  readonly metrics: ServerMetrics
  readonly logger: Logger
  /** The body of `/healthz`: 200 when `status` is `ok`, else 503. */
  readonly health: () => HealthReport
  readonly now: () => number
}

/**
 * Mounts every route on `app`.
 *
 * @example
 * mountRoutes(app, { root, verifier, revocationStore, devIssuer, metrics, logger, health, now })
 */
export function mountRoutes(app: Express, deps: RouteDependencies): void {
  const { logger, metrics, devIssuer } = deps
  app.disable('x-powered-by')

  app.use((req, res, next) => {
    res.set(securityHeaders())
    const started = performance.now()
    res.once('finish', () => {
      // The path only: a query string may carry anything, tokens included.
      logger.debug(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
        },
        'http',
      )
    })
    next()
  })

  const { backchannelLogout } = deps
  if (backchannelLogout !== undefined) {
    // Every method: the receiver answers anything but a POST with 400 (OpenID Connect
    // Back-Channel Logout 1.0 §2.8); it reads the form body itself.
    app.all(BACKCHANNEL_LOGOUT_PATH, (req, res) => {
      backchannelLogout(req, res)
    })
  }

  app.get('/healthz', (_req, res) => {
    const report = deps.health()
    res
      .status(report.status === 'ok' ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(report)
  })

  app.get('/metrics', (_req, res, next) => {
    metrics.registry.metrics().then((text) => {
      res.set('Content-Type', metrics.registry.contentType).send(text)
    }, next)
  })

  if (devIssuer !== undefined) {
    // DNS rebinding: whatever mints or serves development tokens, only on trusted host names.
    app.use(['/auth', '/.well-known/jwks.json'], issuerHostCheck(deps.publicUrl))
    app.get('/.well-known/jwks.json', (_req, res) => {
      res.set('Cache-Control', 'public, max-age=300').json(devIssuer.jwks)
    })
    app.post('/auth/token', express.json({ limit: '4kb' }), (req, res, next) => {
      let request: TokenRequest
      try {
        request = parseTokenRequest(req.body)
      } catch (error) {
        if (error instanceof TokenRequestError) {
          res.status(400).json({ error: 'invalid_request', message: error.message })
          return
        }
        throw error
      }
      const { username, scope } = request
      devIssuer.issue(request).then((token) => {
        logger.info({ sub: username, scope }, 'token issued')
        // RFC 6749 §5.1: token responses are never cached.
        res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' }).json(token)
      }, next)
    })
  }

  const authenticated = requireAuth({
    verifier: deps.verifier,
    revocationStore: deps.revocationStore,
    now: deps.now,
    onFailure(error, req) {
      logger.warn({ code: error.code, path: req.url?.split('?')[0] }, 'http auth refused')
    },
  })

  if (devIssuer !== undefined) {
    // An admin (scope `admin`, as for `admin:kick`) sets the team rooms a user's tokens grant;
    // the user's sockets then refresh and lose the rooms no longer granted.
    app.post(
      '/auth/grants',
      authenticated,
      requireScope('admin'),
      express.json({ limit: '4kb' }),
      (req, res, next) => {
        let request: GrantsRequest
        try {
          request = parseGrantsRequest(req.body)
          devIssuer.setGrants(request)
        } catch (error) {
          if (error instanceof TokenRequestError) {
            res.status(400).json({ error: 'invalid_request', message: error.message })
            return
          }
          throw error
        }
        const { sub, rooms } = request
        const by = req.auth.claims.sub
        logger.info({ sub, rooms, by }, 'grants changed')
        Promise.resolve(deps.onGrantsChanged?.(sub)).then(() => {
          res.set('Cache-Control', 'no-store').json({ sub, rooms })
        }, next)
      },
    )
  }

  app.get('/api/me', authenticated, (req, res) => {
    res.set('Cache-Control', 'no-store').json({
      claims: req.auth.claims,
      expiresAt: req.auth.expiresAt,
    })
  })

  app.get('/lib/client/:file', clientModules(join(deps.root, 'src', 'client')))
  // The page offers a login form with the development issuer, a token field without it.
  app.get(
    ['/', '/index.html'],
    servePage(
      join(deps.root, 'web', 'index.html'),
      devIssuer === undefined ? 'external' : 'development',
    ),
  )
  app.use(express.static(join(deps.root, 'web'), { index: false, dotfiles: 'ignore' }))

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'Not found.' })
  })

  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    const status = (error as { status?: unknown }).status
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // A body the JSON parser refused (malformed, too large, wrong charset), or a path the
      // static files refused: the client's fault, told without details.
      const type = (error as { type?: unknown }).type
      const body = typeof type === 'string' && /^(entity\.|charset\.|encoding\.)/.test(type)
      res.status(status).json({
        error: status === 404 ? 'not_found' : 'invalid_request',
        message: body ? 'The body must be a JSON object of at most 4 KiB.' : 'Bad request.',
      })
      return
    }
    // Not the error object itself: a body parser's error carries the raw body.
    const { name, message, stack } = error instanceof Error ? error : new Error(String(error))
    logger.error({ error: { name, message, stack } }, 'request failed')
    if (res.headersSent) {
      res.destroy()
      return
    }
    res.status(500).json({ error: 'internal_error', message: 'Internal server error.' })
  }
  app.use(onError)
}
