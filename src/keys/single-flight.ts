// One fetch at a time for a remote key source: concurrent tokens that need keys share the attempt
// in flight rather than each fetching, and the source reads when the last attempt started (its
// cooldown) and how it ended (`lastError`) to decide between fetching, waiting and refusing.

/** A loader that runs one attempt at a time. */
export interface SingleFlight {
  /** Starts an attempt unless one is in flight, and resolves when it ends. Never rejects. */
  run(): Promise<void>
  /** True while an attempt is in flight. */
  readonly busy: boolean
  /** When the last attempt started (the source's clock), `-Infinity` before the first. */
  readonly attemptedAt: number
  /** Attempts started so far. */
  readonly attempts: number
  /** What the last attempt threw, `undefined` when it succeeded or none has ended yet. */
  readonly lastError: unknown
}

/** Makes a single-flight loader around `attempt`, stamping each start with `now()`. */
export function createSingleFlight(attempt: () => Promise<void>, now: () => number): SingleFlight {
  let inflight: Promise<void> | undefined
  let attemptedAt = -Infinity
  let attempts = 0
  let lastError: unknown

  return {
    run() {
      inflight ??= (async () => {
        attemptedAt = now()
        attempts++
        try {
          await attempt()
          lastError = undefined
        } catch (error) {
          lastError = error
        } finally {
          inflight = undefined
        }
      })()
      return inflight
    },
    get busy() {
      return inflight !== undefined
    },
    get attemptedAt() {
      return attemptedAt
    },
    get attempts() {
      return attempts
    },
    get lastError() {
      return lastError
    },
  }
}
