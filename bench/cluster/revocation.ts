// Cross-node revocation latency: two sockguard nodes joined by the Redis adapter, with the Redis
// revocation store; each revoked user is connected to one node and revoked by the other, and the
// client process times its request to the revoking node against the `unauthorized` its socket
// gets from the other node.
import type { BenchContext } from './context.js'
import { HS256_SECRET, type RevocationSample, type RevocationTarget } from './protocol.js'
import { percentile } from '../support/stats.js'

/** Target of the issue: p99 at most this. */
export const REVOCATION_P99_TARGET_MS = 100

export interface RevocationResult {
  readonly samples: readonly RevocationSample[]
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number }
  readonly call: { readonly p50: number; readonly p99: number; readonly max: number }
  readonly disconnect: { readonly p50: number; readonly p99: number; readonly max: number }
  readonly revoke: { readonly p50: number; readonly p99: number; readonly max: number }
  /** Revoked sockets that got `unauthorized` more than once before their disconnect. */
  readonly repeatedNotices: number
  readonly sanity: readonly string[]
}

const summary = (values: readonly number[]) => ({
  p50: percentile(values, 0.5),
  p99: percentile(values, 0.99),
  max: Math.max(...values),
})

export async function runRevocation(ctx: BenchContext): Promise<RevocationResult> {
  const { client, options } = ctx
  const prefix = ctx.prefix()
  const redis = { url: options.redisUrl, prefix }
  const config = {
    setup: 'sockguard',
    alg: 'HS256',
    key: HS256_SECRET,
    cache: false,
    redis,
  } as const
  ctx.progress('revocation: nodes')
  const a = await ctx.startNode('node A', { ...config, port: 0 })
  // One node per CPU when pinning: a revocation runs on both at once.
  const b = await ctx.startNode('node B', { ...config, port: 0 }, 1)
  try {
    await Promise.all(
      [a, b].map((node) => node.peer.call('peers', { expect: 2, timeoutMs: 10_000 })),
    )
    const users = options.revocationWarmup + options.revocations
    const half = Math.ceil(users / 2)
    const spectators = Math.floor(options.bystanders / 2)
    const connect = (group: string, url: string, from: number, count: number) =>
      client.call(
        'connect',
        { group, url, alg: 'HS256', from, count, concurrency: options.concurrency },
        300_000,
      )
    ctx.progress('revocation: clients')
    // Users 0 .. half-1 on B (revoked through A), the others on A (revoked through B); the
    // bystanders, who must stay, on both.
    await connect('users on B', b.url, 0, half)
    await connect('users on A', a.url, half, users - half)
    await connect('bystanders on A', a.url, users, spectators)
    await connect('bystanders on B', b.url, users + spectators, options.bystanders - spectators)

    const targets: RevocationTarget[] = []
    for (let k = 0; targets.length < users; k++) {
      targets.push({ group: 'users on B', index: k, sub: `user-${k}`, revokeAt: a.url })
      if (targets.length < users && half + k < users)
        targets.push({ group: 'users on A', index: k, sub: `user-${half + k}`, revokeAt: b.url })
    }
    ctx.progress('revocation: warm-up')
    await client.call('revoke', {
      targets: targets.slice(0, options.revocationWarmup),
      timeoutMs: 5_000,
    })
    ctx.progress('revocation: timed')
    const samples = await client.call(
      'revoke',
      { targets: targets.slice(options.revocationWarmup), timeoutMs: 5_000 },
      300_000,
    )

    const sanity: string[] = []
    const codes = new Set(samples.map((s) => s.code))
    if (codes.size !== 1 || !codes.has('token_revoked'))
      throw new Error(`SANITY: revoked sockets were told ${[...codes].join(', ')}`)
    sanity.push(`all ${samples.length} revoked sockets got unauthorized { code: 'token_revoked' }`)
    const reasons = new Set(samples.map((s) => s.reason))
    if (reasons.size !== 1 || !reasons.has('io server disconnect'))
      throw new Error(`SANITY: revoked sockets were disconnected by ${[...reasons].join(', ')}`)
    sanity.push(`all ${samples.length} were then disconnected by the server (io server disconnect)`)
    const stayed =
      (await client.call('connected', { group: 'bystanders on A' })) +
      (await client.call('connected', { group: 'bystanders on B' }))
    if (stayed !== options.bystanders)
      throw new Error(`SANITY: ${options.bystanders - stayed} bystanders were disconnected`)
    sanity.push(`all ${options.bystanders} bystanders (other subjects) stayed connected`)
    // A revoked user's token is refused by both nodes afterwards.
    for (const node of [a, b]) {
      const code = await client.call('probe', { url: node.url, alg: 'HS256', index: 0 })
      if (code !== 'token_revoked')
        throw new Error(`SANITY: ${node.name} answered a revoked token with ${code}`)
    }
    sanity.push('a revoked token is refused with token_revoked by both nodes')

    for (const group of ['users on A', 'users on B', 'bystanders on A', 'bystanders on B'])
      await client.call('disconnect', { group })
    return {
      samples,
      latency: summary(samples.map((s) => s.latencyMs)),
      call: summary(samples.map((s) => s.callMs)),
      disconnect: summary(samples.map((s) => s.disconnectMs)),
      revoke: summary(samples.map((s) => s.revokeMs)),
      repeatedNotices: samples.filter((s) => s.notices > 1).length,
      sanity,
    }
  } finally {
    await Promise.all([a.stop(), b.stop()])
    await ctx.cleanRedis(prefix)
  }
}
