export { isJsonMediaType, readJsonObject } from '../wire/body.js';
export { type ErrorBody, type OkOptions, ok, type SuccessBody } from '../wire/envelope.js';
export {
  CORS_ALLOW_HEADERS,
  type CreateAppOptions,
  createApp,
  type HttpConfig,
  type ShellLayer,
  shellLayers,
} from './app.js';
export { type CsrfOptions, csrfProtection } from './csrf.js';
export { createErrorHandler, createNotFoundHandler, errorBody, sendError, toAppError } from './errors.js';
export {
  type ComponentReport,
  type ComponentStatus,
  createHealthRoutes,
  type ReadinessCheck,
} from './health.js';
export { loggablePath, requestLogger } from './logging.js';
export { installGracefulShutdown, listen, type RunningServer, type ShutdownOptions } from './server.js';
