// The number formats and tables of the benchmarks' console output and results files, shared so
// that the committed results read alike.

/** An integer with thousands separators: `12,345`. */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US')
/** Milliseconds: `1.5 ms`. */
export const fmtMs = (n: number, digits = 1): string => `${n.toFixed(digits)} ms`
/** A ratio: `0.97x`. */
export const fmtRatio = (n: number, digits = 2): string => `${n.toFixed(digits)}x`
/** A spread in percent: `±1.2%`. */
export const fmtPct = (n: number): string => `±${n.toFixed(1)}%`

/**
 * A markdown table; `align` is its separator row (`| --- | ---: |`).
 *
 * @example
 * table(['Target', 'Result'], '| --- | --- |', [['p99 <= 50 ms', 'PASS']])
 */
export function table(header: readonly string[], align: string, rows: readonly string[][]): string {
  return [`| ${header.join(' | ')} |`, align, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

/**
 * A plain-text table for the console: the first two columns (names) left-aligned, the figures
 * right-aligned.
 *
 * @example
 * console.log(consoleTable(['Alg', 'Setup', 'conn/s'], [['HS256', 'plain', '1,234']]))
 */
export function consoleTable(header: readonly string[], body: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}
