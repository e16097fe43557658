// sockguard/redis: the cluster stores. Explicit named exports, no logic.
export { createRedisRevocationStore } from './create-redis-revocation-store.js'
export { createRedisRateLimiter } from './create-redis-rate-limiter.js'
export type {
  RedisRevocationStore,
  RedisRevocationStoreOptions,
} from './create-redis-revocation-store.js'
export type { RedisRateLimiterOptions } from './create-redis-rate-limiter.js'
export type { RedisConnection } from './redis-connection.js'
