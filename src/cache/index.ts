export { cacheRuntimeOptionsFromConfig } from './config.js';
export { CACHE_DEFAULTS, type CacheDefaults } from './defaults.js';
export { cacheRedisOptions } from './l2.js';
export { createCacheRuntime } from './runtime.js';
export { createSeedCaches } from './seed.js';
export type {
  Absent,
  BreakerState,
  CacheHealth,
  CacheMetrics,
  CacheOptions,
  CacheRuntime,
  CacheRuntimeOptions,
  EntryOptions,
  GetOrSetOptions,
  HybridCache,
  LatencySummary,
  Loader,
  LoaderContext,
  Serializer,
} from './types.js';
