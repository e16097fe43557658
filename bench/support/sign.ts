// The token signer the benchmarks share with the tests (one implementation, in test/support):
// compact JWS over node:crypto for HS*, RS*, PS*, ES* and EdDSA.
export {
  b64json,
  b64url,
  forge,
  signJwt,
  signerFor,
  type Signer,
  type SigningAlg,
} from '../../test/support/sign.js'
