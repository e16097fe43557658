// The JWS vocabulary shared by the key and verifier layers: the protected header and the key
// material a verifier is configured with (RFC 7515, RFC 7517). Types only, no behaviour.
import type { KeyObject } from 'node:crypto'
import type { Algorithm } from './algorithms.js'

/** The protected header of a verified token. */
export interface JwsHeader {
  readonly alg: Algorithm
  readonly kid?: string
  readonly typ?: string
  readonly [parameter: string]: unknown
}

/** A custom key lookup, for multi-tenant apps: the header in, key material out. */
export type GetKey = (header: JwsHeader) => KeyInput | Promise<KeyInput>

/** A public JSON Web Key (RFC 7517) as found in a JWK set; private members are refused. */
export interface PublicJwk {
  readonly kty: string
  readonly kid?: string
  readonly alg?: string
  readonly use?: string
  readonly key_ops?: readonly string[]
  readonly [member: string]: unknown
}

/** A JWK set (RFC 7517 §5). */
export interface JwkSet {
  readonly keys: readonly PublicJwk[]
}

/** Key material a verifier accepts for one key. Strings are read by the configured algorithms. */
export type KeyInput = string | Uint8Array | PublicJwk | KeyObject
