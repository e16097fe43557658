// setTimeout for any delay: Node clamps delays above 2^31-1 ms (24.8 days) to 1 ms, which would
// disconnect a socket holding a long-lived token at once. Long waits are chained in steps.

const MAX_DELAY = 2 ** 31 - 1

/** A cancellable timer. */
export interface LongTimeout {
  cancel(): void
}

/**
 * Calls `fn` at `at` (ms since the epoch on `now`'s clock). The timer is unref'd: it never keeps
 * the process alive on its own.
 */
export function setLongTimeout(fn: () => void, at: number, now: () => number): LongTimeout {
  let handle: NodeJS.Timeout | undefined
  const arm = (): void => {
    const delay = at - now()
    if (delay <= 0) {
      handle = undefined
      fn()
      return
    }
    handle = setTimeout(arm, Math.min(delay, MAX_DELAY))
    handle.unref()
  }
  arm()
  return {
    cancel() {
      if (handle !== undefined) clearTimeout(handle)
      handle = undefined
    },
  }
}
