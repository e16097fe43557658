// The exception sockguard's Nest guard and @Claims throw to refuse a call; SockguardRefusalFilter
// turns it into sockguard's answers (the `forbidden` ack or event, an RFC 6750 response).
import { HttpException } from '@nestjs/common'
import type { CapturedRefusal } from '../express/run-middleware.js'

/**
 * A refused call. On a socket: `forbidden`. On HTTP: `refusal`, the response sockguard/express
 * writes (status, challenge, JSON body). An HttpException (status 403 or the refusal's), so that
 * without {@link SockguardRefusalFilter} Nest still answers with the right status.
 */
export class SockguardRefusalException extends HttpException {
  /** The HTTP response to send; undefined for a socket's `forbidden`. */
  readonly refusal: CapturedRefusal | undefined

  constructor(refusal?: CapturedRefusal) {
    super(
      refusal === undefined ? 'You are not allowed to do that.' : 'Authentication failed.',
      refusal === undefined || refusal.destroyed ? 403 : refusal.statusCode,
    )
    this.name = 'SockguardRefusalException'
    this.refusal = refusal
  }
}
