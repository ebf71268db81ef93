import type { Context, MiddlewareHandler } from 'hono';
import { sessionCarrier } from '../auth/session-id.js';
import { AppError } from '../errors.js';
import { isJsonMediaType } from '../wire/body.js';
import { requestHeader } from '../wire/headers.js';

export interface CsrfOptions {
  /** The cookie that carries a session (AUTH_SESSION_COOKIE). Default `session_id`. */
  cookieName?: string;
  /** Origins that may call with the cookie besides the API's own (CORS_ORIGINS). Default none. */
  allowedOrigins?: readonly string[];
}

/**
 * CSRF defence for sessions carried by a cookie (see docs/security.md). A browser attaches the cookie
 * to cross-site form posts and `no-cors` fetches, which need no preflight; it never lets another site
 * set `X-Session-ID` or `Authorization` without one, so requests carrying those are left alone.
 * For a state-changing request (anything but GET, HEAD, OPTIONS) whose session rides in the cookie:
 *  - when the browser says where it comes from (`Sec-Fetch-Site`, `Origin`), it must be this origin
 *    or one of `allowedOrigins`: else 403 CSRF_REJECTED;
 *  - the body must be declared `application/json`, a type no form and no `no-cors` fetch can send:
 *    else 415 UNSUPPORTED_MEDIA_TYPE (an empty body included, so a bodiless logout is covered).
 */
export function csrfProtection(options: CsrfOptions = {}): MiddlewareHandler {
  const cookieName = options.cookieName ?? 'session_id';
  const allowed = new Set(options.allowedOrigins ?? []);
  // Not async: a request with nothing to check costs one method comparison (GET) or one header scan.
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return next();
    if (sessionCarrier(c, cookieName) !== 'cookie') return next();
    if (!fromAllowedOrigin(c, allowed)) throw new AppError('CSRF_REJECTED', 'Cross-site request refused');
    if (!isJsonMediaType(requestHeader(c, 'content-type'))) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
    }
    return next();
  };
}

function fromAllowedOrigin(c: Context, allowed: ReadonlySet<string>): boolean {
  const site = requestHeader(c, 'sec-fetch-site');
  const origin = requestHeader(c, 'origin');
  // Neither header: not a browser (curl, a server) or one too old to send them; the content-type rule still holds.
  if (site === undefined && origin === undefined) return true;
  // The browser's own verdict, which a page cannot forge; it also holds behind a TLS-terminating proxy.
  if (site === 'same-origin') return true;
  if (origin === undefined || origin === 'null') return false;
  return allowed.has(origin) || isOwnOrigin(c, origin);
}

/** Origin names this server: same host and port, and the same scheme (or https seen through a proxy). */
function isOwnOrigin(c: Context, origin: string): boolean {
  let theirs: URL;
  let ours: URL;
  try {
    theirs = new URL(origin);
    ours = new URL(c.req.url);
  } catch {
    return false;
  }
  if (theirs.host !== ours.host) return false;
  return theirs.protocol === ours.protocol || theirs.protocol === 'https:';
}
