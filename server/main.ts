// `npm start`: reads the configuration from the environment and flags, starts the reference
// server, prints the address it is bound to, and shuts down cleanly on SIGINT/SIGTERM (npm runs
// it as `exec tsx server/main.ts`, so npm's signal reaches tsx, which passes it on to us).
import { listeningBanner } from './banner.js'
import { ConfigError, issuerKind, loadConfig, USAGE } from './config.js'
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
process.stdout.write(`${listeningBanner(server)}\n`)
if (issuerKind(config) === 'development') {
  process.stdout.write(
    'WARNING: the development issuer is on: anyone who can reach it gets a token on request, ' +
      'admin included. Configure JWT_SECRET, JWKS_URI or ISSUER_URL for real use.\n',
  )
}

let stopping = false
let firstSignalAt = 0
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) {
    // Copies of the first signal arrive within milliseconds: Ctrl-C or `kill -- -pgid` signals
    // npm, tsx and this process alike, and npm and tsx pass theirs on. Later, it is a second
    // Ctrl-C (or a supervisor's second signal): the operator wants it gone now.
    if (Date.now() - firstSignalAt < 1_000) return
    process.stderr.write(`${signal} again: exiting without waiting\n`)
    process.exit(1)
  }
  stopping = true
  firstSignalAt = Date.now()
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
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
