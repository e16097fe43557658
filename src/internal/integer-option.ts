// The one check behind every numeric option (durations, sizes, counts): an integer in range,
// or the default when it is absent.
import { InvalidOptionError } from '../errors.js'

/**
 * `value` when it is an integer from `min` to `max`, `fallback` when it is undefined.
 * @throws {InvalidOptionError} naming `option` otherwise.
 */
export function integerOption(
  value: unknown,
  option: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, `must be an integer from ${min} to ${max}`)
  }
  return value
}
