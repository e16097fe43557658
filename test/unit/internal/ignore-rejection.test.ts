// ignoreRejection: what an application hook returned never becomes an unhandled rejection
// (attack3 F11), whatever it is.
import { afterAll, describe, expect, it } from 'vitest'
import { ignoreRejection } from '../../../src/internal/ignore-rejection.js'
import { watchProcess } from '../../support/guard-e2e.js'

const crashes = watchProcess()
afterAll(() => {
  crashes.stop()
})

/** Lets rejections left behind be reported (`unhandledRejection` fires after the microtasks). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))

describe('ignoreRejection', () => {
  it.each<[string, () => unknown]>([
    ['a rejected promise', () => Promise.reject(new Error('down'))],
    ['a promise rejected later', () => new Promise((_, reject) => setTimeout(reject, 5))],
    [
      'an async function result',
      () =>
        (async () => {
          await Promise.resolve()
          throw new Error('down')
        })(),
    ],
    [
      'a thenable whose then throws',
      () => ({
        then() {
          throw new Error('odd')
        },
      }),
    ],
    [
      'a thenable whose then getter throws',
      () => ({
        get then() {
          throw new Error('odd')
        },
      }),
    ],
    [
      'a thenable that rejects',
      () => ({
        then: (_: unknown, reject: (e: unknown) => void) => {
          reject(new Error('x'))
        },
      }),
    ],
    ['a function with a then', () => Object.assign(() => 1, { then: 'not a function' })],
    ['undefined', () => undefined],
    ['null', () => null],
    ['false', () => false],
    ['a string', () => 'then'],
  ])('%s: never throws, leaves no unhandled rejection', async (_, make) => {
    const before = crashes.errors.length
    expect(() => {
      ignoreRejection(make())
    }).not.toThrow()
    await settle()
    expect(crashes.errors.slice(before)).toEqual([])
  })
})
