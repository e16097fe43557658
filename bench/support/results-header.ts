// The opening lines every results file shares: when, on what machine under what load, with which
// Node and package versions, and the command that reproduces it (STYLE.md, Benchmarks).
import os from 'node:os'

/** The machine a benchmark ran on, as the results JSON records it. */
export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  /** `ulimit -n`, for the benchmarks that open many sockets. */
  readonly openFileLimit?: string
}

/**
 * This machine; `openFileLimit` is recorded when given.
 *
 * @example
 * const machine = machineInfo(openFileLimit())
 */
export function machineInfo(openFileLimit?: string): Machine {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    ...(openFileLimit === undefined ? {} : { openFileLimit }),
  }
}

/** What {@link resultsHeader} prints. */
export interface HeaderInfo {
  readonly date: string
  readonly machine: Machine
  /** The rest of the load line after `Load average (1 min) `, e.g. `before / after: 0.5 / 0.7`. */
  readonly load: string
  readonly versions: Readonly<Record<string, string>>
  readonly command: string
}

/**
 * The markdown bullet lines Date, Machine, Load average, Node, Versions and Command.
 *
 * @example
 * const lines = resultsHeader({ date, machine, load: `before / after: ${a} / ${b}`, versions, command })
 */
export function resultsHeader(info: HeaderInfo): string[] {
  const { machine } = info
  const fd = machine.openFileLimit === undefined ? '' : `; \`ulimit -n\` ${machine.openFileLimit}`
  return [
    `- Date: ${info.date}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, ${machine.os}${fd}`,
    `- Load average (1 min) ${info.load}`,
    `- Node: ${process.version}`,
    `- Versions: ${Object.entries(info.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    `- Command: \`${info.command}\``,
  ]
}
