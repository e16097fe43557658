// Prometheus metrics of the reference server, on a registry of its own (never prom-client's
// global one, so two servers in one process, as in tests, do not share counters).
import { Counter, Gauge, Registry } from 'prom-client'
import { AUTH_ERROR_CODES, type AuthErrorCode } from '../src/index.js'

/** Where an authentication failure happened. */
export type FailureStage = 'handshake' | 'session'

/** The server's metrics. */
export interface ServerMetrics {
  /** The registry to expose at `/metrics`. */
  readonly registry: Registry
  /** Counts an accepted or refused handshake. */
  handshake(outcome: 'accepted' | 'refused'): void
  /** Counts an authentication failure by code (handshake refusal, expiry, failed refresh...). */
  failure(code: string, stage: FailureStage): void
  /** Counts an in-band refresh. */
  refresh(outcome: 'ok' | 'failed'): void
  /** Counts a revocation (`admin:kick`). */
  revocation(): void
  /** Counts a broadcast chat message. */
  message(): void
}

const CODES: readonly string[] = AUTH_ERROR_CODES

/**
 * Creates the metrics; `connectedSockets` (and `redisUp`, with Redis) are read at each scrape, so
 * the gauges cannot drift.
 *
 * @example
 * const metrics = createMetrics(() => io.of('/').sockets.size)
 * metrics.handshake('accepted')
 */
export function createMetrics(
  connectedSockets: () => number,
  redisUp?: () => boolean,
): ServerMetrics {
  const registry = new Registry()
  const registers = [registry]
  new Gauge({
    name: 'sockguard_connected_sockets',
    help: 'Authenticated Socket.IO sockets connected to this node now.',
    registers,
    collect() {
      this.set(connectedSockets())
    },
  })
  if (redisUp !== undefined) {
    new Gauge({
      name: 'sockguard_redis_up',
      help: "1 when every one of this node's Redis connections is ready, else 0.",
      registers,
      collect() {
        this.set(redisUp() ? 1 : 0)
      },
    })
  }
  const handshakes = new Counter({
    name: 'sockguard_handshakes_total',
    help: 'Socket.IO handshakes by outcome (accepted or refused).',
    labelNames: ['outcome'] as const,
    registers,
  })
  const failures = new Counter({
    name: 'sockguard_auth_failures_total',
    help: 'Authentication failures by sockguard error code and stage (handshake or session).',
    labelNames: ['code', 'stage'] as const,
    registers,
  })
  const refreshes = new Counter({
    name: 'sockguard_refreshes_total',
    help: 'In-band token refreshes on connected sockets by outcome (ok or failed).',
    labelNames: ['outcome'] as const,
    registers,
  })
  const revocations = new Counter({
    name: 'sockguard_revocations_total',
    help: 'Subjects revoked (admin:kick).',
    registers,
  })
  const messages = new Counter({
    name: 'sockguard_chat_messages_total',
    help: 'Chat messages broadcast.',
    registers,
  })
  // Every series exists from the start, so a rate() over a first failure is not lost.
  for (const outcome of ['accepted', 'refused']) handshakes.inc({ outcome }, 0)
  for (const outcome of ['ok', 'failed']) refreshes.inc({ outcome }, 0)
  for (const code of CODES)
    for (const stage of ['handshake', 'session']) failures.inc({ code, stage }, 0)

  return {
    registry,
    handshake(outcome) {
      handshakes.inc({ outcome })
    },
    failure(code, stage) {
      // A label value is a closed set: a free-text code would create unbounded series.
      const label: AuthErrorCode = CODES.includes(code) ? (code as AuthErrorCode) : 'token_invalid'
      failures.inc({ code: label, stage })
    },
    refresh(outcome) {
      refreshes.inc({ outcome })
    },
    revocation() {
      revocations.inc()
    },
    message() {
      messages.inc()
    },
  }
}
