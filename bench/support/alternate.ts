// Setups run in alternating order from round to round: a drift in machine load lands on every
// setup alike.

/** `items` in order for an even `round`, reversed for an odd one (a new array either way). */
export function alternate<T>(items: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...items] : [...items].reverse()
}
