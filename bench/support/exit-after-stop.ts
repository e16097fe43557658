// The after-reply hook of the benchmarks' children (serve's `after`).

/** Exits once the reply to `stop` is sent (process.exit writes a --cpu-prof profile). */
export function exitAfterStop(cmd: string): void {
  if (cmd === 'stop') process.exit(0)
}
