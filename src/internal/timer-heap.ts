// One Node timer for many deadlines: a min-heap of entries and a single timeout armed for the
// earliest. A Timeout per socket costs far more memory (Node also keeps one timer list per
// distinct delay), and connected sockets each hold a deadline for as long as they live.

const MAX_DELAY = 2 ** 31 - 1

/** A scheduled call; `cancel()` it to drop it. */
export interface TimerEntry {
  cancel(): void
}

// A class, not an object literal with a `cancel` closure: every connected socket holds one entry,
// and a closure per entry would cost more than the entry itself.
class Entry implements TimerEntry {
  constructor(
    public at: number,
    public fn: ((arg: unknown) => void) | undefined,
    public arg: unknown,
    private readonly onCancel: () => void,
  ) {}

  cancel(): void {
    if (this.fn === undefined) return
    this.fn = undefined
    this.arg = undefined
    this.onCancel()
  }
}

/** A set of deadlines on one clock, served by one timer. */
export interface TimerHeap {
  /**
   * Calls `fn(arg)` at `at` (ms on the heap's clock); past deadlines run on the next tick. Pass
   * a shared `fn` and the per-call state as `arg` to keep each entry free of closures.
   */
  schedule<TArg>(fn: (arg: TArg) => void, at: number, arg: TArg): TimerEntry
  schedule(fn: () => void, at: number): TimerEntry
  /** Cancels the timer; pending entries never run. */
  close(): void
}

/** Makes a timer heap over `now` (ms). Its timer is unref'd: it never keeps the process alive. */
export function createTimerHeap(now: () => number): TimerHeap {
  const heap: Entry[] = []
  let handle: NodeJS.Timeout | undefined
  let armedAt = Infinity
  let cancelled = 0

  const swap = (i: number, j: number): void => {
    const a = heap[i] as Entry
    heap[i] = heap[j] as Entry
    heap[j] = a
  }
  const up = (start: number): void => {
    let i = start
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((heap[parent] as Entry).at <= (heap[i] as Entry).at) return
      swap(i, parent)
      i = parent
    }
  }
  const down = (): void => {
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < heap.length && (heap[l] as Entry).at < (heap[m] as Entry).at) m = l
      if (r < heap.length && (heap[r] as Entry).at < (heap[m] as Entry).at) m = r
      if (m === i) return
      swap(i, m)
      i = m
    }
  }
  const pop = (): void => {
    const last = heap.pop()
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last
      down()
    }
  }

  // Rebuilt without cancelled entries once they are half the heap, so that a client refreshing
  // its token in a loop cannot grow it.
  const compact = (): void => {
    const live = heap.filter((entry) => entry.fn !== undefined)
    heap.length = 0
    cancelled = 0
    for (const entry of live) {
      heap.push(entry)
      up(heap.length - 1)
    }
  }

  const arm = (): void => {
    // Cancelled entries are dropped lazily when they reach the top.
    while (heap.length > 0 && (heap[0] as Entry).fn === undefined) {
      pop()
      cancelled--
    }
    const first = heap[0]
    if (first === undefined) {
      if (handle !== undefined) clearTimeout(handle)
      handle = undefined
      armedAt = Infinity
      return
    }
    if (handle !== undefined && armedAt <= first.at) return
    if (handle !== undefined) clearTimeout(handle)
    armedAt = first.at
    handle = setTimeout(run, Math.min(Math.max(0, first.at - now()), MAX_DELAY))
    handle.unref()
  }

  function run(): void {
    handle = undefined
    armedAt = Infinity
    const time = now()
    while (heap.length > 0 && (heap[0] as Entry).at <= time) {
      const entry = heap[0] as Entry
      pop()
      const { fn, arg } = entry
      if (fn === undefined) {
        cancelled--
        continue
      }
      entry.fn = undefined
      entry.arg = undefined
      fn(arg)
    }
    arm()
  }

  const onCancel = (): void => {
    if (++cancelled > 64 && cancelled * 2 > heap.length) compact()
  }

  return {
    schedule(fn: (arg: unknown) => void, at: number, arg?: unknown): TimerEntry {
      const entry = new Entry(at, fn, arg, onCancel)
      heap.push(entry)
      up(heap.length - 1)
      arm()
      return entry
    },
    close() {
      if (handle !== undefined) clearTimeout(handle)
      handle = undefined
      heap.length = 0
      cancelled = 0
    },
  }
}
