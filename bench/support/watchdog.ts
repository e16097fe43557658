// The benchmarks' watchdog: a load loop that stops making progress (a lost ack, a child that
// hangs) would otherwise keep the machine busy silently; this names the step and ends the run.

/** Records what the run is doing; see {@link createWatchdog}. Its functions need no `this`. */
export interface Watchdog {
  /** Marks progress and names the step now running (the name a stall report gives). */
  readonly progress: (what: string) => void
  /** Marks progress in the same step (cheap enough for a timed loop). */
  readonly touch: () => void
  /**
   * Starts checking, every `checkEveryMs`: a step without progress for `stallMs`, or a run over
   * `maxMinutes` (when given), calls `onStop` and exits with status 1.
   */
  readonly start: (maxMinutes?: number) => void
}

/** How a {@link Watchdog} decides that a run is stuck, and what it cleans up. */
export interface WatchdogOptions {
  /** A step that makes no progress for this long stops the run. */
  readonly stallMs: number
  /** @defaultValue 2000 */
  readonly checkEveryMs?: number
  /** Runs before the exit, e.g. to kill the child processes the run started. */
  readonly onStop?: () => void
}

/**
 * A watchdog for one benchmark run. Create it at module level so every step can report progress;
 * call `start` once the options (and so the time budget) are known.
 *
 * @example
 * const watchdog = createWatchdog({ stallMs: 90_000, onStop: () => child.kill() })
 * watchdog.start(15)
 * watchdog.progress('warm-up')
 */
export function createWatchdog(options: WatchdogOptions): Watchdog {
  const { stallMs, checkEveryMs = 2_000, onStop } = options
  let current = 'setup'
  let lastProgress = Date.now()
  return {
    progress(what) {
      current = what
      lastProgress = Date.now()
    },
    touch() {
      lastProgress = Date.now()
    },
    start(maxMinutes) {
      const deadline = maxMinutes === undefined ? Infinity : Date.now() + maxMinutes * 60_000
      // unref'd: the timer must never be what keeps Node alive once the run is done.
      setInterval(() => {
        const stalled = Date.now() - lastProgress > stallMs
        if (stalled || Date.now() > deadline) {
          console.error(
            stalled
              ? `STALLED: no progress for ${stallMs / 1000}s in ${current}`
              : `TIMEOUT: the run took over ${maxMinutes} min (in ${current})`,
          )
          onStop?.()
          process.exit(1)
        }
      }, checkEveryMs).unref()
    },
  }
}
