import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../log/logger.js';

declare module 'hono' {
  interface ContextVariableMap {
    logger: Logger;
  }
}

/** Query parameters that carry credentials: their values never reach a log line. */
const SECRET_QUERY_PARAMS = new Set(['session_id', 'sessionid', 'token', 'access_token', 'bridge_secret']);

/** The request path with secret-bearing query values replaced, for access logs. */
export function loggablePath(url: string): string {
  const q = url.indexOf('?');
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const path = url.slice(start, q === -1 ? undefined : q);
  if (q === -1) return path;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const key of [...params.keys()]) {
    if (SECRET_QUERY_PARAMS.has(key.toLowerCase())) params.set(key, '[redacted]');
  }
  return `${path}?${params.toString()}`;
}

/** One JSON line per request, with a child logger carrying the request id for handlers. */
export function requestLogger(logger: Logger): MiddlewareHandler {
  // The access line has fixed fields and a path already stripped of secrets, so it skips the
  // logger's redaction pass (about half the cost of a line when measured).
  const access = logger.child({}, { redact: { paths: [] } });
  return async (c, next) => {
    const started = performance.now();
    const requestId = c.get('requestId');
    c.set('logger', logger.child({ requestId }));
    await next();
    const status = c.res.status;
    const line = {
      requestId,
      method: c.req.method,
      path: loggablePath(c.req.url),
      status,
      ms: Math.round((performance.now() - started) * 100) / 100,
    };
    if (status >= 500) access.error(line, 'request');
    else access.info(line, 'request');
  };
}
