// One time limit for a promise that cannot be cancelled (a Redis command, an adapter's answer).
// Not AbortSignal.timeout: its timer cannot be cleared, and on a per-handshake path (the
// revocation check) that would leave one live timer per check for the whole limit.

/**
 * Settles as `promise` does, or as `late()` does once `ms` have passed first (`late` may return a
 * fallback or throw). The late outcome of `promise` is then ignored: its rejection is handled,
 * never unhandled. The timer is cleared when `promise` wins and never holds the process open.
 *
 * @example
 * const count = await within(adapter.serverCount(), 1_000, () => 2)
 */
export function within<T, TLate = T>(
  promise: PromiseLike<T>,
  ms: number,
  late: () => TLate,
): Promise<T | TLate> {
  let timer: NodeJS.Timeout | undefined
  // then(late): what late() throws becomes the rejection.
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
    timer.unref()
  }).then(late)
  // race() subscribes to both, so a late rejection of `promise` is handled, never unhandled.
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer)
  })
}
