import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { DEVICE_HEADER } from '../auth/defaults.js';
import type { Config } from '../config/index.js';
import { AppError, FlowfullConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { requestHeader } from '../wire/headers.js';
import { type CsrfOptions, csrfProtection } from './csrf.js';
import { createErrorHandler, createNotFoundHandler } from './errors.js';
import { knownBodyless, requestIdAndHeaders, SECURE_HEADERS } from './fast-path.js';
import { createHealthRoutes, type ReadinessCheck } from './health.js';
import { requestLogger } from './logging.js';

/** Request headers the Pubflow clients send (protocol section 4). */
export const CORS_ALLOW_HEADERS = [
  'Content-Type',
  'Accept',
  'Authorization',
  'X-Session-ID',
  DEVICE_HEADER,
  'X-Bridge-Secret',
  'X-Request-ID',
];

export type HttpConfig = Pick<Config, 'BODY_LIMIT_BYTES' | 'CORS_ORIGINS' | 'DEBUG_ERRORS'> &
  Partial<Pick<Config, 'CORS_ALLOW_HEADERS' | 'CORS_MAX_AGE'>>;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** The clients' headers plus the configured extras (an app's own `config.headers`), each once. */
export function corsAllowHeaders(extra: readonly string[] = []): string[] {
  const out = [...CORS_ALLOW_HEADERS];
  const seen = new Set(out.map((h) => h.toLowerCase()));
  for (const name of extra) {
    if (!HEADER_NAME.test(name))
      throw new FlowfullConfigError(`CORS_ALLOW_HEADERS: ${JSON.stringify(name)} is not a header name`);
    if (!seen.has(name.toLowerCase())) out.push(name);
    seen.add(name.toLowerCase());
  }
  return out;
}

export interface CreateAppOptions {
  config: HttpConfig;
  logger: Logger;
  /** Readiness probes; components may be added after createApp and before the first request. */
  readiness?: ReadinessCheck[];
  /** Log one line per request (default true). */
  accessLog?: boolean;
  /**
   * CSRF defence for cookie-carried sessions (docs/security.md), on by default with the cookie
   * `session_id` and CORS_ORIGINS as the allowed origins. `false` turns it off (an API without cookies).
   */
  csrf?: Pick<CsrfOptions, 'cookieName'> | false;
}

/** Options are checked here, at construction, never at the first request. */
function checkHttpConfig(config: HttpConfig): void {
  if (!Number.isInteger(config.BODY_LIMIT_BYTES) || config.BODY_LIMIT_BYTES <= 0)
    throw new FlowfullConfigError('createApp: config.BODY_LIMIT_BYTES must be a positive integer (bytes)');
  if (!Array.isArray(config.CORS_ORIGINS))
    throw new FlowfullConfigError('createApp: config.CORS_ORIGINS must be an array of origins');
}

/** One middleware of the shell, named for measurements (bench/http.ts measures each). */
export interface ShellLayer {
  name: 'request-id+headers' | 'access-log' | 'cors' | 'body-limit' | 'csrf';
  handler: MiddlewareHandler;
}

/** The shell's middleware in the order createApp installs them. */
export function shellLayers(options: CreateAppOptions): ShellLayer[] {
  const { config, logger } = options;
  const layers: ShellLayer[] = [];
  // The request id and the fixed headers of every answer: the secure headers (Hono's defaults) and
  // `Vary: Origin`, which the CORS layer adds when it runs; set here so it holds without Origin too.
  // Before the access log, which records the id.
  layers.push({
    name: 'request-id+headers',
    handler: requestIdAndHeaders([...SECURE_HEADERS, ['Vary', 'Origin']]),
  });
  if (options.accessLog !== false) layers.push({ name: 'access-log', handler: requestLogger(logger) });
  const corsLayer = cors({
    // Echo only allowed origins: credentials (cookies, session headers) are never offered to `*`.
    origin: (origin) => (origin && config.CORS_ORIGINS.includes(origin) ? origin : null),
    credentials: true,
    allowHeaders: corsAllowHeaders(config.CORS_ALLOW_HEADERS),
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    exposeHeaders: ['X-Request-ID', 'Retry-After'],
    // Every client request is preflighted (it always sends Content-Type: application/json): cache them.
    maxAge: config.CORS_MAX_AGE ?? 600,
  });
  // CORS has nothing to say to a request without Origin (not a cross-origin browser call), and
  // running it anyway builds a full Response before the handler runs.
  layers.push({
    name: 'cors',
    handler: (c, next) => (requestHeader(c, 'origin') === undefined ? next() : corsLayer(c, next)),
  });
  // bodyLimit counts streamed bytes too, so a chunked body without Content-Length is bounded as well.
  // It only runs when there may be a body: looking for one builds the full fetch Request.
  const limit = bodyLimit({
    maxSize: config.BODY_LIMIT_BYTES,
    onError: () => {
      throw new AppError('PAYLOAD_TOO_LARGE');
    },
  });
  layers.push({ name: 'body-limit', handler: (c, next) => (knownBodyless(c) ? next() : limit(c, next)) });
  if (options.csrf !== false) {
    layers.push({
      name: 'csrf',
      handler: csrfProtection({ cookieName: options.csrf?.cookieName, allowedOrigins: config.CORS_ORIGINS }),
    });
  }
  return layers;
}

/**
 * The HTTP shell: request id, access log, secure headers, CORS, body limit, CSRF defence, health
 * routes and the error envelope. It does not listen (see server.ts); tests call `app.request()`.
 */
export function createApp(options: CreateAppOptions): Hono {
  const { config, logger } = options;
  checkHttpConfig(config);
  const readiness = options.readiness ?? [];
  const app = new Hono();
  for (const layer of shellLayers(options)) app.use('*', layer.handler);

  app.route(
    '/',
    createHealthRoutes(() => readiness),
  );
  app.onError(createErrorHandler({ logger, debug: config.DEBUG_ERRORS }));
  app.notFound(createNotFoundHandler(app));
  return app;
}
