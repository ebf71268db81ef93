import type { MiddlewareHandler } from 'hono';
import pino from 'pino';
import { type Logger, PLAIN_JSON_LINES } from '../log/logger.js';

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
  const write = accessLineWriter(logger);
  return async (c, next) => {
    const started = performance.now();
    const requestId = c.get('requestId');
    c.set('logger', lazyChild(logger, requestId));
    await next();
    const status = c.res.status;
    const ms = Math.round((performance.now() - started) * 100) / 100;
    // Failures are logged once, by the error handler (throttled, warn or error): an outage must not
    // write a line per request at every level.
    write(30, requestId, c.req.method, loggablePath(c.req.url), status, ms);
  };
}

type AccessLineWriter = (
  level: 30 | 50,
  requestId: string | undefined,
  method: string,
  path: string,
  status: number,
  ms: number,
) => void;

const { streamSym, timeSym, chindingsSym } = pino.symbols;

/**
 * The access line has fixed fields and a path already stripped of secrets. For a logger of
 * createLogger the line is assembled here and handed to its stream, exactly as pino would write it,
 * without its generic serialisation and redaction pass (measured: most of the cost of the line).
 * Any other logger gets the same fields through its own methods.
 */
function accessLineWriter(logger: Logger): AccessLineWriter {
  // biome-ignore lint/suspicious/noExplicitAny: pino's internals are addressed by its exported symbols
  const internals = logger as any;
  if (internals[PLAIN_JSON_LINES] !== true || typeof internals[streamSym]?.write !== 'function') {
    return (level, requestId, method, path, status, ms) => {
      const line = { requestId, method, path, status, ms };
      if (level === 50) logger.error(line, 'request');
      else logger.info(line, 'request');
    };
  }
  return (level, requestId, method, path, status, ms) => {
    if (logger.levelVal > level) return;
    const id = requestId === undefined ? '' : `,"requestId":${JSON.stringify(requestId)}`;
    internals[streamSym].write(
      `{"level":${level}${internals[timeSym]()}${internals[chindingsSym]}${id},"method":${JSON.stringify(method)},"path":${JSON.stringify(path)},"status":${status},"ms":${ms},"msg":"request"}\n`,
    );
  };
}

/**
 * The request's logger, built on first use: most requests never log beyond the access line, and a
 * pino child costs about as much as that line (its bindings are serialised when it is made).
 */
function lazyChild(logger: Logger, requestId: string): Logger {
  let child: Logger | undefined;
  const target = () => {
    child ??= logger.child({ requestId });
    return child;
  };
  return new Proxy(logger, {
    get: (_, key) => Reflect.get(target(), key),
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
  });
}
