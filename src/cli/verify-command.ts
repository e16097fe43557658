// `sockguard verify`: builds a verifier from flags (the same key sources and policy as
// createVerifier), verifies one token, and prints its claims or what to fix.
import { InvalidOptionError } from '../errors.js'
import { toAuthError } from '../internal/wire-error.js'
import { createVerifier } from '../verifier/create-verifier.js'
import type { JwtVerifier, VerifiedToken, VerifierOptions } from '../verifier/types.js'
import { readStdin, type CliIo } from './cli-io.js'
import { AUTH_EXIT_CODES, EXIT_OK } from './exit-codes.js'
import { explainError, type ExplainContext } from './explain-error.js'
import { instantForJson } from './format-instant.js'
import { VERIFY_HELP } from './help.js'
import { UsageError, listFlag, wantsHelp } from './parse-args.js'
import { parseVerifyArgs, usageFromOption, verifierFlags } from './verifier-flags.js'

/** Decodes a token segment without checking anything, for hints in an error message. */
function peek(token: string, index: number): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(
      Buffer.from(token.split('.')[index] ?? '', 'base64url').toString('utf8'),
    )
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Runs `sockguard verify`: prints `{ header, claims, expiresAt }` to stdout (`expiresAt` an ISO
 * time, the number of ms when no Date can hold it, or null), or the error code and what to fix
 * to stderr.
 * @returns 0, or the exit code of the error (see `AUTH_EXIT_CODES`).
 * @throws {UsageError} for a bad flag or an option the verifier refuses.
 */
export async function verifyCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (wantsHelp(args)) {
    io.stdout.write(VERIFY_HELP)
    return EXIT_OK
  }
  const { values, positionals } = parseVerifyArgs(args)
  if (positionals.length !== 1) {
    // The count only: an extra argument could be a token pasted twice.
    throw new UsageError(
      `needs one token argument, or - to read it from stdin (got ${positionals.length})`,
    )
  }
  const built = await verifierFlags(values, io)
  let verifier: JwtVerifier
  try {
    verifier = createVerifier({
      ...built.options,
      ...(io.now === undefined ? {} : { now: io.now }),
    } as unknown as VerifierOptions)
  } catch (error) {
    if (error instanceof InvalidOptionError) {
      throw usageFromOption(error, values['secret-env'] === undefined ? '--secret' : '--secret-env')
    }
    throw error
  }
  if (built.note !== undefined) io.stderr.write(built.note)

  const fromStdin = positionals[0] === '-'
  const token = fromStdin ? await readStdin(io) : (positionals[0] ?? '')
  let verified: VerifiedToken
  try {
    verified = await verifier.verify(token)
  } catch (caught) {
    const error = toAuthError(caught)
    const ctx: ExplainContext = {
      nowMs: (io.now ?? Date.now)(),
      header: peek(token, 0),
      claims: peek(token, 1),
      keyFlag: built.keyFlag,
      keyLocation: built.keyLocation,
      algorithms: built.algorithms,
      issuer:
        listFlag(values.iss) ??
        (values['issuer-url'] === undefined ? undefined : [values['issuer-url']]),
      audience: listFlag(values.aud),
      subject: values.sub,
      typ: values.typ,
      fromStdin,
    }
    io.stderr.write(explainError(error, ctx))
    return AUTH_EXIT_CODES[error.code]
  } finally {
    verifier.close()
  }
  // Outside the try: a failure to print a verified token is a bug (exit 1), never a refusal.
  const { header, claims, expiresAt } = verified
  const result = {
    header,
    claims,
    expiresAt: expiresAt === null ? null : instantForJson(expiresAt),
  }
  io.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  return EXIT_OK
}
