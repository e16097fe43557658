import { defineConfig } from 'vitest/config'

// `npm run test:load`: thousands of sockets, heap and timer checks. Apart from `npm test` so that
// the main suite stays quick; `.ci/run` runs both. One file at a time, with a collectable heap.
export default defineConfig({
  test: {
    name: 'load',
    include: ['test/load/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    execArgv: ['--expose-gc'],
  },
})
