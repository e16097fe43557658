// The provider presets: one function per identity provider, each returning createVerifier options
// (keys, algorithms, issuer, audience and the provider's own claim rules in `validate`).
import { auth0 } from './auth0.js'
import { clerk } from './clerk.js'
import { cognito } from './cognito.js'
import { entra } from './entra.js'
import { firebase } from './firebase.js'
import { google } from './google.js'
import { keycloak } from './keycloak.js'
import { okta } from './okta.js'
import { supabase } from './supabase.js'

/**
 * Verifier options for each major identity provider, checked once when called, to spread into
 * `createVerifier`, `createGuard` or `requireAuth` options. Each takes a `jwksUri` override (a
 * mirror, or a local key server in tests). A preset's `validate` holds the provider's own rules;
 * replacing it drops them.
 *
 * @example
 * const guard = createGuard({ ...presets.cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123', clientId: '1example23456789' }) })
 */
export const presets = Object.freeze({
  auth0,
  okta,
  keycloak,
  entra,
  cognito,
  google,
  firebase,
  supabase,
  clerk,
})

export type { PresetBaseOptions } from './preset-options.js'
export type { Auth0PresetOptions } from './auth0.js'
export type { OktaPresetOptions } from './okta.js'
export type { KeycloakPresetOptions } from './keycloak.js'
export type { EntraPresetOptions } from './entra.js'
export type { CognitoPresetOptions } from './cognito.js'
export type { GooglePresetOptions } from './google.js'
export type { FirebasePresetOptions } from './firebase.js'
export type { SupabasePresetOptions } from './supabase.js'
export type { ClerkPresetOptions } from './clerk.js'
