// Integer flags of the benchmarks: parseArgs only yields strings, and a typo in a count would
// otherwise run a benchmark of NaN clients.

/**
 * The flag `--<name>` of `values` as an integer from `min` to `max`.
 *
 * @throws Error naming the flag and its range when the value is not such an integer.
 * @example
 * const rounds = intOption(values, 'rounds', 1, 9)
 */
export function intOption<TValues extends object>(
  values: TValues,
  name: keyof TValues & string,
  min: number,
  max: number,
): number {
  const value = Number(values[name])
  if (!(Number.isInteger(value) && value >= min && value <= max))
    throw new Error(`--${name} must be an integer from ${min} to ${max}`)
  return value
}
