// The client's option error: the same shape as sockguard's `InvalidOptionError` (a TypeError with
// `code: 'invalid_option'` and `option`), built here because this folder may not import the
// server's modules at run time.

/** A `TypeError` with `code: 'invalid_option'` naming the option, thrown by `connect()`. */
export interface ClientOptionError extends TypeError {
  readonly code: 'invalid_option'
  /** The option at fault (`'getToken'`, `'refreshTimeoutMs'`...). */
  readonly option: string
}

/** The error for a bad `option`; the message reads like `InvalidOptionError`'s. */
export function invalidOption(option: string, message: string): ClientOptionError {
  const error = new TypeError(`sockguard: invalid option \`${option}\`: ${message}`)
  error.name = 'InvalidOptionError'
  return Object.assign(error, { code: 'invalid_option' as const, option })
}
