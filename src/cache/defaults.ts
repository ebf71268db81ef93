/**
 * Every default of the cache runtime, stated once. `createCacheRuntime` falls back to these and the
 * CACHE_* configuration section builds its zod defaults from them. This module imports nothing, so
 * the configuration can read it without loading the cache.
 */
export const CACHE_DEFAULTS = {
  /** false: every cache is a pass-through to its loader (CACHE_ENABLED). @default true */
  enabled: true,
  /** First part of every Redis key and of the bus channel (CACHE_PREFIX). @default 'flowfull' */
  prefix: 'flowfull',
  /** Seconds an entry lives unless its cache or the entry says otherwise (CACHE_TTL). @default 300 */
  defaultTtl: 300,
  /** L1 bound per cache, in entries (CACHE_L1_MAX_ENTRIES). @default 10000 */
  l1MaxEntries: 10_000,
  /** L1 bound per cache in approximate bytes; 0 bounds by entries only (CACHE_L1_MAX_BYTES). @default 0 */
  l1MaxBytes: 0,
  /** Deadline of every Redis command, in ms (CACHE_L2_TIMEOUT_MS). @default 50 */
  l2TimeoutMs: 50,
  /** Consecutive Redis errors or timeouts that open the breaker (CACHE_BREAKER_THRESHOLD). @default 3 */
  breakerThreshold: 3,
  /**
   * Time the breaker stays open before a background probe, in ms; also the retry delay of pending
   * invalidations (CACHE_BREAKER_COOLDOWN_MS). @default 2000
   */
  breakerCooldownMs: 2000,
  /** Cross-instance L1 invalidation through Redis pub/sub (CACHE_BUS_ENABLED). @default true */
  busEnabled: true,
} as const;

export type CacheDefaults = typeof CACHE_DEFAULTS;
