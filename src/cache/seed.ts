import type { CacheRuntime, HybridCache } from './types.js';

/** The seed's two caches: user context (300 s, 10,000 entries) and permissions (600 s, 5,000 entries). */
export function createSeedCaches(runtime: CacheRuntime): {
  userContext: HybridCache<unknown>;
  permissions: HybridCache<unknown>;
} {
  return {
    userContext: runtime.createCache<unknown>({ namespace: 'user_ctx', ttl: 300, maxEntries: 10_000 }),
    permissions: runtime.createCache<unknown>({ namespace: 'permissions', ttl: 600, maxEntries: 5_000 }),
  };
}
