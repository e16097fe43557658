// Application hooks may return a promise from any library (or realm), not only a native one:
// `instanceof Promise` misses those, so the hooks' results are tested for a callable `then`.

/**
 * True when `value` has a callable `then` (a promise, or any thenable). Never throws: a `then`
 * getter that throws makes it not a thenable.
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false
  try {
    return typeof (value as { then?: unknown }).then === 'function'
  } catch {
    return false
  }
}
