// What sockguard's decorators require of a handler or a class, kept beside the decorated
// function or class: a WeakMap of this module rather than reflect-metadata, so there is nothing
// to collide with and nothing for an app to configure.
import type { EventRule } from '../authorize/rules.js'
import type { HttpMiddleware } from '../express/types.js'

/** One requirement: authenticated only, a scope rule, or a claim rule. */
export type Requirement =
  | { readonly kind: 'auth' }
  // `http`: sockguard/express's requireScope, for its exact 403 challenge (scopes named).
  | { readonly kind: 'scope'; readonly rule: EventRule; readonly http: HttpMiddleware }
  | { readonly kind: 'claim'; readonly rule: EventRule }

const registry = new WeakMap<object, Requirement[]>()

/** The requirements of a class and of one of its handlers, the class's first. */
export function requirementsOf(type: object, handler: object): readonly Requirement[] {
  return [...(registry.get(type) ?? []), ...(registry.get(handler) ?? [])]
}

/** Adds `requirement` to `holder`; true when it is the holder's first. */
export function addRequirement(holder: object, requirement: Requirement): boolean {
  const existing = registry.get(holder)
  if (existing !== undefined) {
    existing.push(requirement)
    return false
  }
  registry.set(holder, [requirement])
  return true
}
