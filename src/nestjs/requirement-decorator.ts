// The decorator behind @RequireAuth, @RequireScope and @RequireClaim: records the requirement and
// wires Nest's guard and filter of sockguard onto the method or class, once.
import { UseFilters, UseGuards } from '@nestjs/common'
import { SockguardAuthGuard } from './auth-guard.js'
import { SockguardRefusalFilter } from './refusal-filter.js'
import { addRequirement, type Requirement } from './requirement-registry.js'

/** A decorator for a class or a method (a gateway handler, a controller route). */
export type ClassOrMethodDecorator = ClassDecorator & MethodDecorator

type AnyDecorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => void

// The filter has no dependency: one instance serves every handler.
const filter = new SockguardRefusalFilter()

/**
 * A decorator that adds `requirement` to the decorated method (or class) and, the first time,
 * Nest's guard and filter of sockguard to it.
 */
export function requirementDecorator(requirement: Requirement): ClassOrMethodDecorator {
  const decorate: AnyDecorator = (target, key, descriptor) => {
    // A method decorator's target is the prototype: the handler is the descriptor's value, which
    // is what Nest's ExecutionContext.getHandler() returns.
    const holder: unknown = descriptor === undefined ? target : descriptor.value
    if (typeof holder !== 'function') return
    if (!addRequirement(holder, requirement)) return
    const guards: AnyDecorator = UseGuards(SockguardAuthGuard)
    const filters: AnyDecorator = UseFilters(filter)
    guards(target, key, descriptor)
    filters(target, key, descriptor)
  }
  return decorate
}
