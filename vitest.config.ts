import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Chromium, python-socketio, redis-server and a Redis at REDIS_URL: installed or started when
    // missing (test/setup/provision.ts), so that `npm ci && npm test` needs no manual step.
    globalSetup: ['./test/setup/global-setup.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/setup/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The package as shipped: npm pack, npm install, tsc under each module resolution.
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The guard suite on Node 20.19, the newest Node, Bun and Deno, installed from the npm
          // registry into .tmp/runtimes/ on first use (test/runtimes/runtimes.ts).
          name: 'runtimes',
          include: ['test/runtimes/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          // Several Socket.IO nodes on a real Redis (REDIS_URL, default redis://127.0.0.1:6379).
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
})
