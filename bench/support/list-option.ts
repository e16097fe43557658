// Comma-separated flags of the benchmarks (--algs, --setups, --phases), matched without regard to
// case so that `--algs hs256` works, and checked so that a typo fails before minutes of setup.

/**
 * The distinct items of `raw`, each one of `known` (in its spelling there), in the given order.
 *
 * @throws Error naming the flag and the unknown item.
 * @example
 * const algs = listOption('algs', values.algs, ALGS)
 */
export function listOption<T extends string>(name: string, raw: string, known: readonly T[]): T[] {
  return [
    ...new Set(
      raw.split(',').map((item) => {
        const found = known.find((k) => k.toLowerCase() === item.trim().toLowerCase())
        if (found === undefined)
          throw new Error(`--${name}: unknown "${item}" (use ${known.join(',')})`)
        return found
      }),
    ),
  ]
}
