// An application hook typed `=> void` may still be an `async` function, or return any thenable:
// when the caller drops what it returned, a rejection of it becomes an unhandled rejection, which
// ends a Node process under the default `--unhandled-rejections=throw` (attack3 F11).

const ignore = (): void => undefined

/**
 * Handles a possible rejection of `result`, what a hook returned, when it is a thenable. Never
 * throws, even when `then` is a getter or a function that throws; a thenable's late rejection is
 * handled too. Anything else is left alone.
 *
 * @example
 * try {
 *   ignoreRejection(onFailure?.(error, req))
 * } catch {
 *   // A logging hook must not turn a refusal into a crash.
 * }
 */
export function ignoreRejection(result: unknown): void {
  if ((typeof result !== 'object' && typeof result !== 'function') || result === null) return
  try {
    const then: unknown = (result as { then?: unknown }).then
    if (typeof then === 'function') then.call(result, ignore, ignore)
  } catch {
    // A hostile or broken thenable: there is nothing to wait for.
  }
}
