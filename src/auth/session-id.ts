import { hash } from 'node:crypto';
import type { Context } from 'hono';
import { parse as parseCookies } from 'hono/utils/cookie';
import { hashId } from '../log/logger.js';

/** Flowless ids are ~50 characters; anything near this bound is not one of them. */
export const MAX_SESSION_ID_LENGTH = 512;

/** Visible ASCII only: no spaces, control characters or non-ASCII (so characters = bytes). */
const SESSION_ID_CHARS = /^[\x21-\x7e]+$/;

export interface SessionExtractionOptions {
  /** Accept `?session_id=` (it leaks into access logs and browser history). Default true. */
  allowQuery?: boolean;
  /** Cookie that may carry the session id. Default `session_id`. */
  cookieName?: string;
  /** Longest id accepted. Default 512. */
  maxLength?: number;
}

export interface ResolvedExtraction {
  allowQuery: boolean;
  cookieName: string;
  maxLength: number;
}

export function resolveExtraction(options: SessionExtractionOptions = {}): ResolvedExtraction {
  return {
    allowQuery: options.allowQuery ?? true,
    cookieName: options.cookieName ?? 'session_id',
    maxLength: options.maxLength ?? MAX_SESSION_ID_LENGTH,
  };
}

/** True for what could be a session id; garbage never reaches the network. */
export function isWellFormedSessionId(id: string, maxLength = MAX_SESSION_ID_LENGTH): boolean {
  return id.length > 0 && id.length <= maxLength && SESSION_ID_CHARS.test(id);
}

const BEARER = /^bearer[ \t]+(.*)$/i;

interface NodeEnv {
  incoming?: { rawHeaders?: string[] };
}

/**
 * A request header. Under @hono/node-server the raw header list of the Node request is scanned: the
 * first `c.req.header()` of a request builds a whole fetch Headers object (and Node's own `headers`
 * getter a dictionary), which costs more than the rest of a cached validation. Elsewhere
 * (app.request(), other runtimes) Hono's accessor is used. `name` is lower case.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const raw = (c.env as NodeEnv | undefined)?.incoming?.rawHeaders;
  if (!Array.isArray(raw)) return c.req.header(name);
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (key.length === name.length && key.toLowerCase() === name) return raw[i + 1];
  }
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  return v === '' ? undefined : v;
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = BEARER.exec(header.trim());
  return match ? nonEmpty(match[1]) : undefined;
}

function cookieValue(c: Context, name: string): string | undefined {
  const header = requestHeader(c, 'cookie');
  return header === undefined ? undefined : nonEmpty(parseCookies(header, name)[name]);
}

/**
 * The session id a request carries (protocol section 1), the first non-empty of: `X-Session-ID`,
 * `Authorization: Bearer`, the session cookie, `?session_id=` (when allowed). Not yet checked for
 * shape: an oversized first candidate is refused, never skipped in favour of a later one.
 */
export function extractSessionId(c: Context, options: ResolvedExtraction): string | undefined {
  return (
    nonEmpty(requestHeader(c, 'x-session-id')) ??
    bearerToken(requestHeader(c, 'authorization')) ??
    cookieValue(c, options.cookieName) ??
    (options.allowQuery ? nonEmpty(c.req.query('session_id')) : undefined)
  );
}

/**
 * hashId(sessionId), the cache key and log label of a session, computed with the one-shot
 * crypto.hash where Node has it (a quarter of the cost of createHash on the request path).
 */
export const sessionKey: (sessionId: string) => string =
  typeof hash === 'function' ? (id) => hash('sha256', id, 'hex').slice(0, 32) : hashId;
