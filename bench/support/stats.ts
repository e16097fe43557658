// The benchmarks' statistics: each runs a few rounds on a shared machine, so a figure is the
// median round, its noise is the spread of the rounds, and a comparison is the median of the
// per-round ratios to a baseline that ran beside it.

/**
 * The median of `values` (NaN when empty).
 *
 * @example
 * median([3, 1, 2]) // 2
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * The `q` quantile (0..1) of `values` by the nearest-rank method (NaN when empty).
 *
 * @example
 * percentile(latencies, 0.99)
 */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/**
 * Half the min-max range as a percentage of the median (0 for fewer than two values).
 *
 * @example
 * spread([90, 100, 110]) // 10
 */
export function spread(values: readonly number[]): number {
  return values.length < 2
    ? 0
    : ((Math.max(...values) - Math.min(...values)) / 2 / median(values)) * 100
}

/** A figure over rounds, and its ratio to a baseline measured in the same rounds. */
export interface Metric {
  readonly median: number
  readonly rounds: readonly number[]
  /**
   * The median of the per-round ratios to the baseline (same round: the two ran within seconds
   * of each other, so a slow drift in machine speed cancels out).
   */
  readonly ratio: number
  readonly roundRatios: readonly number[]
  /** median / the baseline's median, for comparison. */
  readonly ratioOfMedians: number
  readonly spreadPct: number
}

/**
 * `values` against `baseline`, round by round (`baseline[i]` ran in the round of `values[i]`).
 *
 * @example
 * metric(sockguardConnPerSec, plainConnPerSec).ratio
 */
export function metric(values: readonly number[], baseline: readonly number[]): Metric {
  const m = median(values)
  const roundRatios = values.map((v, i) => v / baseline[i]!)
  return {
    median: m,
    rounds: values,
    ratio: median(roundRatios),
    roundRatios,
    ratioOfMedians: m / median(baseline),
    spreadPct: spread(values),
  }
}
