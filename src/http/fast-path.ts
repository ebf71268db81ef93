import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { requestHeader } from '../wire/headers.js';

/**
 * Helpers that keep the shell on @hono/node-server's fast path. That server hands the app a
 * lightweight request (method, url and the Node request) and writes a lightweight response (status,
 * body string and a plain header object) straight to the socket. Reading `c.req.raw.body` or
 * `c.req.header()` builds a full fetch Request/Headers; touching `c.res.headers` (or calling
 * `c.header()` before the handler) builds a fetch Headers that is then copied into a plain object
 * again. Measured on the starter, those conversions cost more than the rest of the request.
 */

interface NodeBindings {
  incoming?: IncomingMessage;
  outgoing?: ServerResponse;
}

/**
 * The Node response when the app runs under @hono/node-server and nothing has been sent yet.
 * Headers set on it with setHeader() are merged by writeHead() with the ones of the response the app
 * returns; a header the returned response sets itself takes precedence (node's writeHead rule).
 */
export function nodeResponse(c: Context): ServerResponse | undefined {
  const outgoing = (c.env as NodeBindings | undefined)?.outgoing;
  if (outgoing === undefined || typeof outgoing.setHeader !== 'function' || outgoing.headersSent)
    return undefined;
  return outgoing;
}

/**
 * True when the request is known to carry no body: HTTP/1.x without Content-Length above 0 and
 * without Transfer-Encoding (the only two ways an HTTP/1 message has a body).
 */
export function knownBodyless(c: Context): boolean {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  // Not under node-server (app.request(), other runtimes), or HTTP/2 (a body needs neither header
  // there): nothing is known.
  if (incoming === undefined || incoming.httpVersionMajor !== 1 || !Array.isArray(incoming.rawHeaders)) {
    return false;
  }
  if (requestHeader(c, 'transfer-encoding') !== undefined) return false;
  const length = requestHeader(c, 'content-length');
  return length === undefined || length === '0';
}

/** Hono's secureHeaders() defaults, as fixed headers. */
export const SECURE_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

declare module 'hono' {
  interface ContextVariableMap {
    requestId: string;
  }
}

const REQUEST_ID_MAX_LENGTH = 128;
const REQUEST_ID_CHARS = /^[\w\-=]+$/;

/**
 * X-Request-ID plus the fixed headers, in one layer. The id is the client's when it is short and
 * plain (letters, digits, `_`, `-`, `=`), else a new UUID; it is available as `c.get('requestId')`
 * and echoed on the response.
 */
export function requestIdAndHeaders(headers: ReadonlyArray<readonly [string, string]>) {
  // Not async: on the fast path nothing waits for next(), so no promise of its own is made.
  return (c: Context, next: () => Promise<void>): Promise<void> => {
    const given = requestHeader(c, 'x-request-id');
    const id =
      given !== undefined && given.length <= REQUEST_ID_MAX_LENGTH && REQUEST_ID_CHARS.test(given)
        ? given
        : crypto.randomUUID();
    c.set('requestId', id);
    const outgoing = nodeResponse(c);
    if (outgoing !== undefined) {
      outgoing.setHeader('X-Request-ID', id);
      for (const [name, value] of headers) outgoing.setHeader(name, value);
      return next();
    }
    return next().then(() => {
      const res = c.res.headers;
      if (!res.has('X-Request-ID')) res.set('X-Request-ID', id);
      for (const [name, value] of headers) if (!res.has(name)) res.set(name, value);
    });
  };
}
