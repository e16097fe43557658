// The namespaces a guard protects. Held weakly: the child namespaces Socket.IO drops
// (`cleanupEmptyChildNamespaces`) must not be kept alive by the guard, so it keeps their servers
// and a weak set of what it hooked, and walks each server's namespaces that still exist.
import { namespacesOf } from '../internal/socket-io-private.js'
import type { AnyNamespace, AnyServer } from './types.js'

/** The namespaces of one guard: a live collection (namespaces added later are included). */
export interface GuardedNamespaces extends Iterable<AnyNamespace> {
  /** Adds a namespace; false when it was there already. */
  add(nsp: AnyNamespace): boolean
  /** Forgets the servers (the guard is closed). */
  clear(): void
}

/** Makes an empty collection of guarded namespaces. */
export function createGuardedNamespaces(): GuardedNamespaces {
  const servers = new Set<AnyServer>()
  const hooked = new WeakSet<AnyNamespace>()
  return {
    add(nsp) {
      if (hooked.has(nsp)) return false
      hooked.add(nsp)
      servers.add(nsp.server)
      return true
    },
    *[Symbol.iterator]() {
      for (const server of servers)
        for (const nsp of namespacesOf(server)) if (hooked.has(nsp)) yield nsp
    },
    clear() {
      servers.clear()
    },
  }
}
