export type { TokenPurpose } from './codec.js';
export {
  type TrustTokenConfig,
  type TrustTokenDeps,
  tokenStoreFromDeps,
  trustTokenOptionsFromConfig,
} from './config.js';
export type { JsonObject, JsonValue } from './encoding.js';
export { TOKEN_ERROR_STATUS, type TokenErrorCode, tokenError } from './errors.js';
export {
  createEphemeralTokenKeys,
  createTokenKeys,
  type GeneratedKeys,
  generateKeysText,
  generateTokenKeyMaterial,
  loadTokenKeys,
  type TokenKeyConfig,
  TokenKeyError,
  type TokenKeyInput,
  type TokenKeys,
} from './keys.js';
export type { LocalKey } from './local.js';
export { describePaserk, PaserkError, paserkId } from './paserk.js';
export { createTrustTokenService } from './service.js';
export { type CombinedTokenStoreOptions, createCombinedTokenStore } from './stores/combined.js';
export {
  createDatabaseTokenStore,
  createTokenMigrations,
  TOKEN_MIGRATION_NAME,
  type TokenTableOptions,
  tokenMigrations,
  tokenTableNames,
} from './stores/database.js';
export { createMemoryTokenStore } from './stores/memory.js';
export {
  createRedisTokenStore,
  type RedisClaim,
  type RedisTokenStore,
  type RedisTokenStoreOptions,
  RedisUnavailableError,
} from './stores/redis.js';
export type {
  ConsumeOutcome,
  JtiState,
  Retention,
  TokenStateLookup,
  TokenStateStore,
} from './stores/types.js';
export {
  BUILT_IN_TOKEN_TYPES,
  type BuiltInTokenType,
  type IssuedToken,
  type IssueOptions,
  RESERVED_CLAIMS,
  type RevokeOptions,
  type TokenHook,
  type TokenHooks,
  type TokenType,
  type TrustTokenService,
  type TrustTokenServiceOptions,
  type VerifiedToken,
  type VerifyExpectations,
} from './types.js';
