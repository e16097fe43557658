// `npm start`: reads the configuration from the environment and flags, starts the reference
// server, prints its URL, and shuts down cleanly on SIGINT/SIGTERM.
import { ConfigError, loadConfig, USAGE } from './config.js'
import { startServer } from './start-server.js'

const argv = process.argv.slice(2)
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(USAGE)
  process.exit(0)
}

let config
try {
  config = loadConfig(process.env, argv)
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  process.stderr.write(`sockguard reference server: ${error.message}\n`)
  process.exit(1)
}

const server = await startServer(config).catch((error: unknown) => {
  // Typically EADDRINUSE or EACCES: a message, not a stack trace.
  const reason = error instanceof Error ? error.message : String(error)
  process.stderr.write(`sockguard reference server: cannot start: ${reason}\n`)
  process.exit(1)
})
process.stdout.write(`listening on ${server.url}\n`)

let stopping = false
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) return
  stopping = true
  process.stdout.write(`${signal}: shutting down\n`)
  // Exits by itself once nothing is left open; the timer only reports a shutdown that hangs.
  setTimeout(() => {
    process.stderr.write('shutdown took more than 10 s; exiting\n')
    process.exit(1)
  }, 10_000).unref()
  server.close().then(
    () => {
      process.exitCode = 0
      // Everything is closed. ioredis keeps a few timers of connections closed while Redis was
      // away (a queued blocking read's timeout, up to 10 s): they guard nothing any more.
      setTimeout(() => {
        process.exit()
      }, 500).unref()
    },
    (error: unknown) => {
      process.stderr.write(`shutdown failed: ${String(error)}\n`)
      process.exitCode = 1
    },
  )
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
