import { LRUCache } from 'lru-cache';
import type { Logger } from '../../log/logger.js';

/** The slice of HybridCache the guard uses (src/cache's CacheRuntime satisfies it). */
export interface BindingCache<T> {
  get(key: string): Promise<T | undefined>;
  set(key: string, value: T, options?: { ttl?: number }): Promise<void>;
  /** First writer wins, atomically across instances; returns the value stored after the call. */
  setIfAbsent(key: string, value: T, options?: { ttl?: number }): Promise<T>;
}

export interface BindingCacheRuntime {
  createCache<T>(options: {
    namespace: string;
    ttl?: number;
    maxEntries?: number;
    l2First?: boolean;
  }): BindingCache<T>;
  health?(): { status: string };
}

const LOCAL_MAX_ENTRIES = 100_000;
/** L1 entries per instance: one per active session; a miss costs one Redis read, not a re-bind. */
const L1_MAX_ENTRIES = 50_000;

/** A per-instance bounded store with the same contract, for when the cache is disabled. */
function localStore<T extends object>(ttlSeconds: number): BindingCache<T> {
  const lru = new LRUCache<string, T>({ max: LOCAL_MAX_ENTRIES, ttl: ttlSeconds * 1000 });
  return {
    get: async (key) => lru.get(key),
    set: async (key, value, options) => {
      lru.set(key, value, { ttl: (options?.ttl ?? ttlSeconds) * 1000 });
    },
    setIfAbsent: async (key, value, options) => {
      const found = lru.get(key);
      if (found !== undefined) return found;
      lru.set(key, value, { ttl: (options?.ttl ?? ttlSeconds) * 1000 });
      return value;
    },
  };
}

/**
 * A binding is security state, not a cache of something that can be reloaded: with
 * CACHE_ENABLED=false a pass-through would forget every first-seen binding and tombstone, so the
 * guard keeps them in this instance's memory instead (not shared between instances).
 */
export function bindingStore<T extends object>(
  runtime: BindingCacheRuntime,
  namespace: string,
  ttlSeconds: number,
  logger: Logger,
  options: { l2First?: boolean } = {},
): BindingCache<T> {
  if (runtime.health?.().status !== 'disabled') {
    return runtime.createCache<T>({ namespace, ttl: ttlSeconds, maxEntries: L1_MAX_ENTRIES, ...options });
  }
  logger.warn(
    { namespace },
    'cache disabled: session bindings are kept in this instance only and are not shared between instances',
  );
  return localStore<T>(ttlSeconds);
}
