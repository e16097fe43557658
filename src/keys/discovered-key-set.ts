// OpenID Connect discovery (`issuerUrl`): reads `/.well-known/openid-configuration`, insists that
// its `issuer` is the configured one (OpenID Connect Discovery 1.0 §4.3, so a document cannot
// redirect trust elsewhere), then serves keys from its `jwks_uri`.
import { KeyError } from '../errors.js'
import { fetchJson, isAllowedKeyUrl, FetchJsonError } from './fetch-json.js'
import type { KeySource } from './key-source.js'
import { createRemoteKeySet, type RemoteKeySetConfig } from './remote-key-set.js'
import { createSingleFlight } from './single-flight.js'

/** Settings of a discovered key set: those of the remote set it leads to, without its URL. */
export type DiscoveredKeySetConfig = Omit<RemoteKeySetConfig, 'url'> & { readonly issuer: string }

/** The discovery URL of an issuer (a trailing slash is not doubled). */
export function discoveryUrl(issuer: string): URL {
  return new URL(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`)
}

/** Makes a key source that discovers its key set on first use, retrying after the cooldown. */
export function createDiscoveredKeySet(config: DiscoveredKeySetConfig): KeySource {
  let remote: KeySource | undefined
  const discovery = createSingleFlight(async () => {
    const document = await fetchJson(discoveryUrl(config.issuer), config)
    const { issuer, jwks_uri: jwksUri } = (document ?? {}) as {
      issuer?: unknown
      jwks_uri?: unknown
    }
    if (issuer !== config.issuer)
      throw new FetchJsonError('the discovery document names another issuer')
    if (typeof jwksUri !== 'string' || !URL.canParse(jwksUri))
      throw new FetchJsonError('no valid jwks_uri')
    const url = new URL(jwksUri)
    if (!isAllowedKeyUrl(url))
      throw new FetchJsonError('jwks_uri must be https (or http on loopback)')
    remote = createRemoteKeySet({ ...config, url })
  }, config.now)

  const unavailable = (): KeyError =>
    new KeyError('keys_unavailable', "The issuer's discovery document could not be used.", {
      cause: discovery.lastError,
    })

  return {
    get version() {
      return remote?.version ?? 0
    },
    resolve(alg, kid, header) {
      if (remote !== undefined) return remote.resolve(alg, kid, header)
      const coolingDown = config.now() - discovery.attemptedAt < config.cooldownMs
      if (!discovery.busy && discovery.lastError !== undefined && coolingDown) throw unavailable()
      return discovery.run().then(() => {
        if (remote === undefined) throw unavailable()
        return remote.resolve(alg, kid, header)
      })
    },
  }
}
