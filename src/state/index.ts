export { STATE_DEFAULTS } from './defaults.js';
export { createMemoryStateStore, type MemoryStateStoreOptions } from './memory.js';
export { createRedisStateStore, type RedisStateStoreOptions } from './redis.js';
export {
  type Claim,
  isStateUnavailable,
  type StateStore,
  StateUnavailableError,
  type WindowOptions,
} from './types.js';
