import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { CacheRuntimeOptions } from './types.js';

/** The CACHE_* settings and REDIS_URL as runtime options. */
export function cacheRuntimeOptionsFromConfig(config: Config, logger?: Logger): CacheRuntimeOptions {
  const options: CacheRuntimeOptions = {
    enabled: config.CACHE_ENABLED,
    prefix: config.CACHE_PREFIX,
    defaultTtl: config.CACHE_TTL,
    l1MaxEntries: config.CACHE_L1_MAX_ENTRIES,
    l1MaxBytes: config.CACHE_L1_MAX_BYTES,
    l2TimeoutMs: config.CACHE_L2_TIMEOUT_MS,
    breakerThreshold: config.CACHE_BREAKER_THRESHOLD,
    breakerCooldownMs: config.CACHE_BREAKER_COOLDOWN_MS,
    busEnabled: config.CACHE_BUS_ENABLED,
  };
  if (config.REDIS_URL) options.redisUrl = config.REDIS_URL;
  if (logger) options.logger = logger;
  return options;
}
