/**
 * `flowfull` (root): the security state store (session bindings, invalidation tombstones, activity
 * windows). Redis is the authority when configured; the memory store serves one instance.
 */
export { STATE_DEFAULTS } from '../state/defaults.js';
export { createMemoryStateStore, type MemoryStateStoreOptions } from '../state/memory.js';
export { createRedisStateStore, type RedisStateStoreOptions } from '../state/redis.js';
export {
  type Claim,
  isStateUnavailable,
  type StateStore,
  StateUnavailableError,
  type WindowOptions,
} from '../state/types.js';
