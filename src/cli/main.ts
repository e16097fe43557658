#!/usr/bin/env node
// The `sockguard` executable (package.json `bin`): binds run() to the process. The exit code is
// set, not forced with process.exit(), so that stdout is flushed when piped.
import { run } from './run.js'

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
})
