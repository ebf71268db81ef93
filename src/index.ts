/**
 * The public API of Flowfull: `import { … } from 'flowfull'`.
 * One namespace per concept is re-exported flat; names do not collide by design.
 */
export * from './auth/binding/index.js';
export * from './auth/index.js';
export * from './cache/index.js';
export * from './config/index.js';
export * from './db/index.js';
export * from './errors.js';
export * from './http/index.js';
export { createLogger, hashId, type Logger, REDACT_PATHS, silentLogger } from './log/logger.js';
export * from './standin/index.js';
export * from './state/index.js';
export * from './tokens/index.js';
