/**
 * `flowfull/tokens`: PASETO v4 keys (PASERK) and the TrustTokenService with its state stores.
 * A curated list: codec, claims and encoding internals stay out of the public API.
 */
export type { TokenPurpose } from '../tokens/codec.js';
export {
  type TrustTokenConfig,
  type TrustTokenDeps,
  tokenStoreFromDeps,
  trustTokenOptionsFromConfig,
} from '../tokens/config.js';
export type { JsonObject, JsonValue } from '../tokens/encoding.js';
export type { TokenErrorCode } from '../tokens/errors.js';
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
} from '../tokens/keys.js';
export type { LocalKey } from '../tokens/local.js';
export { PaserkError, paserkId } from '../tokens/paserk.js';
export { createTrustTokenService } from '../tokens/service.js';
export { type CombinedTokenStoreOptions, createCombinedTokenStore } from '../tokens/stores/combined.js';
export {
  createDatabaseTokenStore,
  createTokenMigrations,
  TOKEN_MIGRATION_NAME,
  type TokenTableOptions,
  tokenMigrations,
  tokenTableNames,
} from '../tokens/stores/database.js';
export { createMemoryTokenStore } from '../tokens/stores/memory.js';
export {
  createRedisTokenStore,
  type RedisTokenStore,
  type RedisTokenStoreOptions,
  RedisUnavailableError,
} from '../tokens/stores/redis.js';
export type {
  ConsumeOutcome,
  JtiState,
  Retention,
  TokenStateLookup,
  TokenStateStore,
} from '../tokens/stores/types.js';
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
} from '../tokens/types.js';
