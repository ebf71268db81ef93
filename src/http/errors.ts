import type { Context, ErrorHandler, Hono, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { PatternRouter } from 'hono/router/pattern-router';
import { AppError, type AppErrorCode, isAppError, retryAfterHeader } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { createLogThrottle, type LogThrottleOptions } from '../log/throttle.js';
import type { ErrorBody } from '../wire/envelope.js';

/** Hono's own exceptions (body limit, bad JSON, a user's `throw new HTTPException(401)`) by status. */
const HTTP_EXCEPTION_CODES: Partial<Record<number, AppErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Normalises anything thrown into an AppError. Unknown errors, and configuration errors that escaped
 * into a request, become a bare 500: their text may hold secrets and is for the server log only.
 */
export function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  if (err instanceof HTTPException) {
    // Hono's own JSON validator raises 400 "Malformed JSON in request body".
    if (err.status === 400 && /json/i.test(err.message)) return new AppError('INVALID_JSON');
    // A status outside the table keeps its class: any other 4xx is BAD_REQUEST, the rest a 500.
    const code = HTTP_EXCEPTION_CODES[err.status] ?? (err.status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR');
    return new AppError(code, undefined, { cause: err });
  }
  return new AppError('INTERNAL_ERROR', undefined, { cause: err });
}

export function errorBody(err: AppError, debug: boolean): ErrorBody {
  const body: ErrorBody = err.toEnvelope();
  if (debug && err.status >= 500 && err.cause instanceof Error) {
    body.details = { cause: err.cause.name, message: err.cause.message, stack: err.cause.stack };
  }
  return body;
}

export function sendError(c: Context, err: AppError, debug = false) {
  if (err.retryAfter !== undefined) c.header('Retry-After', retryAfterHeader(err.retryAfter));
  return c.json(errorBody(err, debug), err.status);
}

export interface ErrorHandlerOptions {
  logger: Logger;
  /** DEBUG_ERRORS: include the cause of a 500 in the body. Never in production (the config refuses it). */
  debug?: boolean;
  /** Repeated identical failures are logged once per interval (src/log/throttle.ts). */
  throttle?: LogThrottleOptions;
}

export function createErrorHandler(options: ErrorHandlerOptions): ErrorHandler {
  const throttle = createLogThrottle(options.logger, options.throttle);
  return (err, c) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      const cause = appError.cause instanceof Error ? appError.cause : undefined;
      // 503: a dependency is unavailable (Flowless, Redis), an expected outage: warn. Anything else is a defect.
      const level = appError.status === 503 ? 'warn' : 'error';
      // The cause's message and stack go to the server log only; pino serialises `err`.
      throttle.log(
        level,
        `${appError.code}|${cause?.name ?? ''}|${cause?.message ?? ''}`,
        { err: cause, code: appError.code, requestId: c.get('requestId'), method: c.req.method },
        'request failed',
      );
    }
    return sendError(c, appError, options.debug ?? false);
  };
}

/**
 * 404 in the envelope, or 405 when the path exists under another method. The router of
 * known (method, path) pairs is built on first use, once every route has been registered.
 */
// biome-ignore lint/suspicious/noExplicitAny: any app, whatever its context variables
export function createNotFoundHandler(app: Hono<any>): NotFoundHandler {
  let router: PatternRouter<true> | undefined;
  let methods: string[] = [];
  return (c) => {
    if (!router) {
      router = new PatternRouter<true>();
      const seen = new Set<string>();
      for (const r of app.routes) {
        if (r.method === 'ALL') continue;
        router.add(r.method, r.path, true);
        seen.add(r.method);
      }
      methods = [...seen];
    }
    const path = c.req.path;
    const allowed = methods.filter((m) => m !== c.req.method && router!.match(m, path)[0].length > 0);
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '));
      return sendError(c, new AppError('METHOD_NOT_ALLOWED'));
    }
    return sendError(c, new AppError('NOT_FOUND'));
  };
}
