// @ts-check
// Every refusal the page can meet, as a human sentence keyed by its code: the sockguard codes of
// docs/errors.md plus the chat server's own (invalid_message, invalid_request).

/** @type {Readonly<Record<string, string>>} */
const SENTENCES = Object.freeze({
  token_missing: 'No token was sent. Log in to get one.',
  token_malformed: 'The token is not a well-formed JWT, so the server could not even read it.',
  token_invalid: 'The token’s signature does not verify: it was altered or issued by someone else.',
  token_expired: 'Your token has expired. Log in again to get a fresh one.',
  token_not_active: 'The token is not valid yet. Check that your clock is right.',
  claim_invalid: 'The token was issued for another service or is missing a required claim.',
  token_revoked: 'An administrator revoked your session. Log in again to continue.',
  key_not_found: 'The server does not know the key that signed this token.',
  keys_unavailable: 'The server cannot reach its signing keys right now. Try again in a moment.',
  auth_timeout: 'The server waited too long for the token and closed the connection.',
  forbidden: 'Your token does not allow that action.',
  rate_limited: 'Too many failed attempts from this address. Wait a moment and try again.',
  store_unavailable: 'The server cannot check revocations right now. Try again in a moment.',
  invalid_message: 'Messages must be between 1 and 500 characters.',
  invalid_request: 'The server did not accept what was sent.',
  internal_error: 'Something went wrong on the server. Try again.',
  no_issuer: 'This server does not issue development tokens.',
  network: 'The server cannot be reached. Check that it is running.',
})

/**
 * The human sentence for a refusal code; unknown codes fall back to the server's own message.
 * @param {string} code
 * @param {string} [serverMessage]
 * @returns {string}
 */
export function describeRefusal(code, serverMessage) {
  return SENTENCES[code] ?? serverMessage ?? 'The server refused the request.'
}
