/**
 * `flowfull/cache`: HybridCache (L1 in process, L2 Redis, cross-instance invalidation) and its runtime.
 * A curated list: internals of src/cache stay out of the public API.
 */
export { cacheRuntimeOptionsFromConfig } from '../cache/config.js';
export { CACHE_DEFAULTS } from '../cache/defaults.js';
export { createCacheRuntime } from '../cache/runtime.js';
export { createSeedCaches } from '../cache/seed.js';
export type {
  Absent,
  CacheHealth,
  CacheMetrics,
  CacheOptions,
  CacheRuntime,
  CacheRuntimeOptions,
  EntryOptions,
  GetOrSetOptions,
  HybridCache,
  Loader,
  LoaderContext,
  Serializer,
} from '../cache/types.js';
