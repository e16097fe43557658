// The little of oidc-provider 9 (plain JavaScript, no bundled types) the logout tests use.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  export default class Provider {
    constructor(issuer: string, configuration: Readonly<Record<string, unknown>>)
    on(event: string, listener: (...args: never[]) => void): this
    callback(): (req: IncomingMessage, res: ServerResponse) => void
  }
}
