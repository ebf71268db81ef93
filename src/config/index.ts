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
export {
  estimateSecretBits,
  GENERATE_SECRET_HINT,
  generateBridgeSecret,
  MIN_SECRET_BITS,
  SHARED_SECRET_KEYS,
  weakSecretProblem,
} from './secrets.js';
export { VALIDATION_MODES, type ValidationModeName } from './sections/auth.js';
export { DATABASE_TYPES, type DatabaseType, DEFAULT_DATABASE_URL } from './sections/database.js';
export { compileSessionIdAlphabet, SESSION_ID_DEFAULTS } from './sections/security.js';
