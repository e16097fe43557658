// DNS rebinding: a page on evil.example whose name is re-pointed at 127.0.0.1 reaches a loopback
// server with the browser's same-origin blessing, `Host: evil.example`. The development issuer
// hands out tokens to anyone who asks, so its routes answer only to the host names a browser
// cannot be tricked into: loopback ones, and the PUBLIC_URL the operator named.
import type { Request, RequestHandler } from 'express'

// Any 127.x.y.z: HOST may be one (the server then fetches its own key set from it), and an
// address literal is no rebinding: a page can only be on that origin if this server served it.
const LOOPBACK_NAMES =
  /^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)*\.localhost|127(\.\d{1,3}){3}|\[::1\])$/

/**
 * Makes the middleware that answers `421 { error: 'misdirected_request' }` to a request whose
 * `Host` is neither loopback (`localhost`, `*.localhost`, `127.x.y.z`, `[::1]`) nor the host of
 * `publicUrl`. The port is not compared: a rebinding attack changes the name, not the port.
 *
 * @example
 * app.use(['/auth', '/.well-known/jwks.json'], issuerHostCheck(config.publicUrl))
 */
export function issuerHostCheck(publicUrl: string | undefined): RequestHandler {
  const publicHost = publicUrl === undefined ? undefined : new URL(publicUrl).hostname
  return (req, res, next) => {
    const name = hostName(req)
    if (name !== undefined && (LOOPBACK_NAMES.test(name) || name === publicHost)) {
      next()
      return
    }
    res.status(421).set('Cache-Control', 'no-store').json({
      error: 'misdirected_request',
      message: 'The development issuer answers only on loopback host names and PUBLIC_URL.',
    })
  }
}

/** The host name of the `Host` header, lower case, without the port; undefined if malformed. */
function hostName(req: Request): string | undefined {
  const host = req.headers.host
  if (host === undefined || host === '' || !URL.canParse(`http://${host}`)) return undefined
  const url = new URL(`http://${host}`)
  // Anything more than host[:port] (a user name, a path) is not a Host header.
  if (url.username !== '' || url.password !== '' || url.pathname !== '/') return undefined
  if (url.search !== '' || url.hash !== '') return undefined
  return url.hostname
}
