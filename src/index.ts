/**
 * The public API of Flowfull: `import { … } from 'flowfull'`. The framework only: the local Flowless
 * stand-in and the contract suites are in `flowfull/testing`, the starter application is not in the
 * package. Each concept is also an entry point of its own (`flowfull/cache`, `flowfull/auth`,
 * `flowfull/tokens`, `flowfull/db`) whose names this one re-exports.
 */
export {
  type Config,
  ConfigError,
  type ConfigIssue,
  DATABASE_TYPES,
  type DatabaseType,
  DEFAULT_DATABASE_URL,
  envSchema,
  formatIssues,
  generateBridgeSecret,
  type LoadConfigOptions,
  loadConfig,
  maskConfig,
  maskUrl,
  parseConfig,
  SECRET_KEYS,
  type TrustProxySetting,
  VALIDATION_MODES,
  type ValidationModeName,
} from './config/index.js';
export {
  AppError,
  type AppErrorCode,
  type AppErrorOptions,
  type ConfigErrorCode,
  ERROR_STATUS,
  ERRORS,
  type ErrorCode,
  type ErrorEnvelope,
  FlowfullConfigError,
  isAppError,
  isErrorCode,
} from './errors.js';
export * from './exports/auth.js';
export * from './exports/cache.js';
export * from './exports/db.js';
export * from './exports/resources.js';
export * from './exports/state.js';
export * from './exports/tokens.js';
export {
  CORS_ALLOW_HEADERS,
  type ComponentReport,
  type ComponentStatus,
  type CreateAppOptions,
  type CsrfOptions,
  createApp,
  createErrorHandler,
  createHealthRoutes,
  createNotFoundHandler,
  csrfProtection,
  type ErrorBody,
  errorBody,
  type HttpConfig,
  installGracefulShutdown,
  isJsonMediaType,
  listen,
  ok,
  type ReadinessCheck,
  type RunningServer,
  readJsonObject,
  requestLogger,
  type ShutdownOptions,
  type SuccessBody,
  sendError,
  toAppError,
} from './http/index.js';
export { type CreateLoggerOptions, createLogger, hashId, type Logger, silentLogger } from './log/logger.js';
export * from './resilience/index.js';
