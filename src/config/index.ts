export {
  ConfigError,
  type Environment,
  formatIssues,
  type LoadConfigOptions,
  loadConfig,
  maskConfig,
  maskUrl,
  readEnvironment,
  type ValueSource,
} from './load.js';
export {
  type Config,
  type ConfigIssue,
  envSchema,
  parseConfig,
  SECRET_KEYS,
  type TrustProxySetting,
} from './schema.js';
export { VALIDATION_MODES, type ValidationModeName } from './sections/auth.js';
export { DATABASE_TYPES, type DatabaseType, DEFAULT_DATABASE_URL } from './sections/database.js';
