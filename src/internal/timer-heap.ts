// One Node timer for many deadlines: a min-heap of entries and a single timeout armed for the
// earliest. A Timeout per socket costs far more memory (Node also keeps one timer list per
// distinct delay), and connected sockets each hold a deadline for as long as they live.
//
// Entries live in three parallel arrays (time, kind, argument), not as objects: every connected
// socket holds one, so an object and a cancel closure per entry would be most of what the guard
// adds to a socket. There is no cancel handle either: an entry knows whether it still applies
// (`isLive`), and the owner calls `noteStale()` when one stops applying, so the heap can drop
// stale entries before their time.

const MAX_DELAY = 2 ** 31 - 1

/** What a family of deadlines does; one object is shared by all its entries. */
export interface DeadlineKind<TArg> {
  /** False once the entry for `arg` at `at` no longer applies; it is then skipped or dropped. */
  isLive(arg: TArg, at: number): boolean
  /** Runs a live entry at its time. */
  fire(arg: TArg, at: number): void
}

/** A set of deadlines on one clock, served by one timer. */
export interface TimerHeap {
  /** Calls `kind.fire(arg, at)` at `at` (ms on the heap's clock) if the entry is still live. */
  schedule<TArg>(kind: DeadlineKind<TArg>, at: number, arg: TArg): void
  /** Counts one entry that stopped applying; once they are half the heap, they are dropped. */
  noteStale(): void
  /** Entries held, live or stale (for tests and diagnostics). */
  readonly size: number
  /** Cancels the timer; pending entries never run. */
  close(): void
}

type AnyKind = DeadlineKind<unknown>

/** Makes a timer heap over `now` (ms). Its timer is unref'd: it never keeps the process alive. */
export function createTimerHeap(now: () => number): TimerHeap {
  const ats: number[] = []
  const kinds: AnyKind[] = []
  const args: unknown[] = []
  let handle: NodeJS.Timeout | undefined
  let armedAt = Infinity
  let stale = 0

  const swap = (i: number, j: number): void => {
    const at = ats[i] as number
    ats[i] = ats[j] as number
    ats[j] = at
    const kind = kinds[i] as AnyKind
    kinds[i] = kinds[j] as AnyKind
    kinds[j] = kind
    const arg = args[i]
    args[i] = args[j]
    args[j] = arg
  }
  const up = (start: number): void => {
    let i = start
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((ats[parent] as number) <= (ats[i] as number)) return
      swap(i, parent)
      i = parent
    }
  }
  const down = (): void => {
    let i = 0
    const n = ats.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && (ats[l] as number) < (ats[m] as number)) m = l
      if (r < n && (ats[r] as number) < (ats[m] as number)) m = r
      if (m === i) return
      swap(i, m)
      i = m
    }
  }
  const push = (at: number, kind: AnyKind, arg: unknown): void => {
    ats.push(at)
    kinds.push(kind)
    args.push(arg)
    up(ats.length - 1)
  }
  const pop = (): void => {
    const at = ats.pop() as number
    const kind = kinds.pop() as AnyKind
    const arg = args.pop()
    if (ats.length > 0) {
      ats[0] = at
      kinds[0] = kind
      args[0] = arg
      down()
    }
  }

  // Rebuilt from its live entries once stale ones are half the heap, so that sockets that left
  // (and clients refreshing in a loop) do not hold memory until their deadlines.
  const compact = (): void => {
    const liveAts: number[] = []
    const liveKinds: AnyKind[] = []
    const liveArgs: unknown[] = []
    for (let i = 0; i < ats.length; i++) {
      const at = ats[i] as number
      const kind = kinds[i] as AnyKind
      if (!kind.isLive(args[i], at)) continue
      liveAts.push(at)
      liveKinds.push(kind)
      liveArgs.push(args[i])
    }
    ats.length = 0
    kinds.length = 0
    args.length = 0
    stale = 0
    for (let i = 0; i < liveAts.length; i++)
      push(liveAts[i] as number, liveKinds[i] as AnyKind, liveArgs[i])
  }

  const arm = (): void => {
    if (ats.length === 0) {
      if (handle !== undefined) clearTimeout(handle)
      handle = undefined
      armedAt = Infinity
      return
    }
    const first = ats[0] as number
    if (handle !== undefined && armedAt <= first) return
    if (handle !== undefined) clearTimeout(handle)
    armedAt = first
    handle = setTimeout(run, Math.min(Math.max(0, first - now()), MAX_DELAY))
    handle.unref()
  }

  function run(): void {
    handle = undefined
    armedAt = Infinity
    const time = now()
    while (ats.length > 0 && (ats[0] as number) <= time) {
      const at = ats[0] as number
      const kind = kinds[0] as AnyKind
      const arg = args[0]
      pop()
      if (kind.isLive(arg, at)) kind.fire(arg, at)
      else if (stale > 0) stale--
    }
    arm()
  }

  return {
    schedule<TArg>(kind: DeadlineKind<TArg>, at: number, arg: TArg): void {
      push(at, kind, arg)
      arm()
    },
    noteStale() {
      if (++stale > 64 && stale * 2 > ats.length) {
        compact()
        arm()
      }
    },
    get size() {
      return ats.length
    },
    close() {
      if (handle !== undefined) clearTimeout(handle)
      handle = undefined
      ats.length = 0
      kinds.length = 0
      args.length = 0
      stale = 0
    },
  }
}
