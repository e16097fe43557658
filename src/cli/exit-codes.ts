// The exit codes of the `sockguard` command: one per outcome a script may branch on, so that
// `sockguard verify` in a shell pipeline tells "expired" from "forged" without parsing text.
import type { AuthErrorCode } from '../errors.js'

/** The token verified, or the command did what was asked. */
export const EXIT_OK = 0
/** Something went wrong inside sockguard: a bug, not the token or the flags. */
export const EXIT_INTERNAL = 1
/** Bad flags or arguments, or an option the verifier refuses (`invalid_option`). */
export const EXIT_USAGE = 2

/**
 * The exit code of each {@link AuthErrorCode}: distinct, and total over `AUTH_ERROR_CODES` (also
 * for the codes the CLI cannot produce, such as `forbidden`), so the table never has a hole when a
 * code is added. Kept in step with `docs/cli.md` by a test.
 *
 * @example
 * sockguard verify --secret-env JWT_SECRET "$TOKEN"; [ $? -eq 13 ] && echo "expired"
 */
export const AUTH_EXIT_CODES: Readonly<Record<AuthErrorCode, number>> = Object.freeze({
  token_missing: 10,
  token_malformed: 11,
  token_invalid: 12,
  token_expired: 13,
  token_not_active: 14,
  claim_invalid: 15,
  token_revoked: 16,
  key_not_found: 17,
  keys_unavailable: 18,
  auth_timeout: 19,
  forbidden: 20,
  rate_limited: 21,
  store_unavailable: 22,
  server_error: 23,
  // After server_error: the numbers of the codes before it never move.
  logged_out: 24,
  reauth_required: 25,
})
