import { bool, int, optionalString, str } from '../fields.js';

export const cacheShape = {
  /** false: every cache passes straight through to its loader. */
  CACHE_ENABLED: bool(true),
  /** Unset: L1 (in-process) only. */
  REDIS_URL: optionalString(),
  /** Default TTL in seconds. */
  CACHE_TTL: int(300, { min: 1 }),
  /** Key prefix of every cache of this application in Redis. */
  CACHE_PREFIX: str('flowfull'),
  /** Default L1 bound in entries per cache. */
  CACHE_L1_MAX_ENTRIES: int(10_000, { min: 1 }),
  /** Optional L1 bound in bytes per cache (0 = entries only). */
  CACHE_L1_MAX_BYTES: int(0, { min: 0 }),
  /** Timeout of each Redis command. */
  CACHE_L2_TIMEOUT_MS: int(50, { min: 1 }),
  /** Consecutive Redis errors or timeouts that open the breaker. */
  CACHE_BREAKER_THRESHOLD: int(3, { min: 1 }),
  /** How long the breaker stays open before one probe. */
  CACHE_BREAKER_COOLDOWN_MS: int(2000, { min: 1 }),
  /** Cross-instance L1 invalidation through Redis pub/sub. */
  CACHE_BUS_ENABLED: bool(true),
};
