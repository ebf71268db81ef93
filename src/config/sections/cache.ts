import { CACHE_DEFAULTS } from '../../cache/defaults.js';
import { bool, int, optionalString, str } from '../fields.js';

/** The CACHE_* settings; every default comes from CACHE_DEFAULTS (src/cache/defaults.ts). */
export const cacheShape = {
  /** false: every cache passes straight through to its loader. */
  CACHE_ENABLED: bool(CACHE_DEFAULTS.enabled),
  /** Unset: L1 (in-process) only. */
  REDIS_URL: optionalString(),
  /** Default TTL in seconds. */
  CACHE_TTL: int(CACHE_DEFAULTS.defaultTtl, { min: 1 }),
  /** Key prefix of every cache of this application in Redis. */
  CACHE_PREFIX: str(CACHE_DEFAULTS.prefix),
  /** Default L1 bound in entries per cache. */
  CACHE_L1_MAX_ENTRIES: int(CACHE_DEFAULTS.l1MaxEntries, { min: 1 }),
  /** Optional L1 bound in bytes per cache (0 = entries only). */
  CACHE_L1_MAX_BYTES: int(CACHE_DEFAULTS.l1MaxBytes, { min: 0 }),
  /** Timeout of each Redis command. */
  CACHE_L2_TIMEOUT_MS: int(CACHE_DEFAULTS.l2TimeoutMs, { min: 1 }),
  /** Consecutive Redis errors or timeouts that open the breaker. */
  CACHE_BREAKER_THRESHOLD: int(CACHE_DEFAULTS.breakerThreshold, { min: 1 }),
  /** How long the breaker stays open before one probe. */
  CACHE_BREAKER_COOLDOWN_MS: int(CACHE_DEFAULTS.breakerCooldownMs, { min: 1 }),
  /** Cross-instance L1 invalidation through Redis pub/sub. */
  CACHE_BUS_ENABLED: bool(CACHE_DEFAULTS.busEnabled),
};
