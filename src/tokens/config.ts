import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import { FlowfullConfigError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type { ConnectionGate } from '../resilience/gate.js';
import { loadTokenKeys, type TokenKeyConfig } from './keys.js';
import { createCombinedTokenStore } from './stores/combined.js';
import { createDatabaseTokenStore } from './stores/database.js';
import { createMemoryTokenStore } from './stores/memory.js';
import { createRedisTokenStore } from './stores/redis.js';
import type { TokenStateStore } from './stores/types.js';
import type { TrustTokenServiceOptions } from './types.js';

export type TrustTokenConfig = TokenKeyConfig &
  Pick<
    Config,
    | 'TOKEN_ISSUER'
    | 'TOKEN_AUDIENCE'
    | 'TOKEN_CLOCK_SKEW'
    | 'TOKEN_TTL_INVITATION'
    | 'TOKEN_TTL_EMAIL_VERIFICATION'
    | 'TOKEN_TTL_PASSWORD_RESET'
    | 'TOKEN_TTL_API_ACCESS'
    | 'TOKEN_MAX_LENGTH'
    | 'CACHE_PREFIX'
  >;

export interface TrustTokenDeps {
  redis?: Redis;
  /** The connection's shared deadline and breaker (the cache runtime's `gate`); see RedisTokenStoreOptions. */
  gate?: ConnectionGate;
  // biome-ignore lint/suspicious/noExplicitAny: the application's table types are not ours to know
  db?: Kysely<any>;
  logger?: Logger;
}

/**
 * Where token state lives, from what the application has: Redis and a database (the database
 * decides, Redis gates), either one alone, or (development only) this process's memory.
 */
export function tokenStoreFromDeps(config: TrustTokenConfig, deps: TrustTokenDeps): TokenStateStore {
  const logger = deps.logger ?? silentLogger();
  const redis = deps.redis
    ? createRedisTokenStore(deps.redis, {
        prefix: `${config.CACHE_PREFIX}:tokens:`,
        ...(deps.gate ? { gate: deps.gate } : {}),
      })
    : undefined;
  const database = deps.db ? createDatabaseTokenStore(deps.db) : undefined;
  if (redis && database) return createCombinedTokenStore(redis, database, { logger });
  if (redis ?? database) return (redis ?? database) as TokenStateStore;
  if (config.NODE_ENV === 'production') {
    throw new FlowfullConfigError(
      'trust tokens need Redis or a database for their single-use state in production (REDIS_URL, DATABASE_URL)',
    );
  }
  logger.warn('trust tokens: no Redis and no database given; single-use state lives in this process only');
  return createMemoryTokenStore();
}

/** Options for createTrustTokenService from the validated configuration. */
export async function trustTokenOptionsFromConfig(
  config: TrustTokenConfig,
  deps: TrustTokenDeps = {},
): Promise<TrustTokenServiceOptions> {
  const logger = deps.logger ?? silentLogger();
  return {
    keys: await loadTokenKeys(config, logger),
    issuer: config.TOKEN_ISSUER,
    audience: config.TOKEN_AUDIENCE,
    clockSkewSeconds: config.TOKEN_CLOCK_SKEW,
    lifetimes: {
      invitation: config.TOKEN_TTL_INVITATION,
      email_verification: config.TOKEN_TTL_EMAIL_VERIFICATION,
      password_reset: config.TOKEN_TTL_PASSWORD_RESET,
      api_access: config.TOKEN_TTL_API_ACCESS,
    },
    maxLength: config.TOKEN_MAX_LENGTH,
    store: tokenStoreFromDeps(config, deps),
    logger,
  };
}
