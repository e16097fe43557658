// Small statistics and formatting helpers of bench/cluster.ts: medians, percentiles, per-round
// ratios to a baseline, and the number formats of the results file.

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** The `q` quantile (0..1) of `values` by the nearest-rank method. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/** Half the min-max range as a percentage of the median. */
export function spread(values: readonly number[]): number {
  return values.length < 2
    ? 0
    : ((Math.max(...values) - Math.min(...values)) / 2 / median(values)) * 100
}

/** A figure over rounds, and its ratio to a baseline measured in the same rounds. */
export interface Metric {
  readonly median: number
  readonly rounds: readonly number[]
  /** The median of the per-round ratios to the baseline (a drift in machine speed cancels). */
  readonly ratio: number
  readonly roundRatios: readonly number[]
  /** median / the baseline's median, for comparison. */
  readonly ratioOfMedians: number
  readonly spreadPct: number
}

/** `values` against `baseline`, round by round. */
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

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US')
export const fmtMs = (n: number, digits = 1): string => `${n.toFixed(digits)} ms`
export const fmtRatio = (n: number, digits = 2): string => `${n.toFixed(digits)}x`
export const fmtPct = (n: number): string => `±${n.toFixed(1)}%`

/** A markdown table. */
export function table(header: readonly string[], align: string, rows: readonly string[][]): string {
  return [`| ${header.join(' | ')} |`, align, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}
