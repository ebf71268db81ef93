import { hash } from 'node:crypto';
import type { Context } from 'hono';
import {
  compileSessionIdAlphabet,
  SESSION_ID_DEFAULTS,
  SESSION_ID_LIMIT,
} from '../config/sections/security.js';
import { AppError, FlowfullConfigError } from '../errors.js';
import { hashId } from '../log/logger.js';
import { isHeader, rawHeadersOf } from '../wire/headers.js';

/** The outer bound: no id longer than this is ever looked at, whatever the configured policy. */
export const MAX_SESSION_ID_LENGTH = SESSION_ID_LIMIT;

/** Visible ASCII only: no spaces, control characters or non-ASCII (so characters = bytes). */
const SESSION_ID_CHARS = /^[\x21-\x7e]+$/;

export interface SessionExtractionOptions {
  /** Accept `?session_id=` (it leaks into access logs and browser history). Default true. */
  allowQuery?: boolean;
  /** Cookie that may carry the session id. Default `session_id`. */
  cookieName?: string;
  /** Characters an id may contain, as a character class body. Default `A-Za-z0-9_-` (base64url). */
  alphabet?: string;
  /** Shortest id accepted. Default 16. */
  minLength?: number;
  /** Longest id accepted (at most 512). Default 256. */
  maxLength?: number;
}

export interface ResolvedExtraction {
  allowQuery: boolean;
  cookieName: string;
  minLength: number;
  maxLength: number;
  /** `^[alphabet]+$`. */
  pattern: RegExp;
  /** Finds every `cookieName=` pair of a Cookie header, including in the ", "-joined form of repeats. */
  cookiePattern: RegExp;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function length(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1 || v > SESSION_ID_LIMIT) {
    throw new FlowfullConfigError(
      `session extraction: ${name} must be a whole number from 1 to ${SESSION_ID_LIMIT}`,
    );
  }
  return v;
}

/** Checks the options once; a mistake throws FlowfullConfigError naming the option. */
export function resolveExtraction(options: SessionExtractionOptions = {}): ResolvedExtraction {
  const cookieName = options.cookieName ?? 'session_id';
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName)) {
    throw new FlowfullConfigError('session extraction: cookieName must be a cookie name token (RFC 6265)');
  }
  const minLength = length('minLength', options.minLength, SESSION_ID_DEFAULTS.minLength);
  const maxLength = length('maxLength', options.maxLength, SESSION_ID_DEFAULTS.maxLength);
  if (minLength > maxLength) {
    throw new FlowfullConfigError('session extraction: minLength must not exceed maxLength');
  }
  const compiled = compileSessionIdAlphabet(options.alphabet ?? SESSION_ID_DEFAULTS.alphabet);
  if ('problem' in compiled)
    throw new FlowfullConfigError(`session extraction: alphabet ${compiled.problem}`);
  const name = escapeRegExp(cookieName);
  return {
    allowQuery: options.allowQuery ?? true,
    cookieName,
    minLength,
    maxLength,
    pattern: compiled.pattern,
    // A value runs to the next `;`, or to a `,` that starts another pair of the same name.
    cookiePattern: new RegExp(`(?:^|[;,])[ \\t]*${name}=((?:(?![ \\t]*,[ \\t]*${name}=)[^;])*)`, 'g'),
  };
}

/**
 * True for what could be a session id; garbage never reaches the network. With a number, the bare
 * protocol rule (visible ASCII up to that length); with a resolved extraction, its alphabet and bounds.
 */
export function isWellFormedSessionId(
  id: string,
  policy: number | ResolvedExtraction = MAX_SESSION_ID_LENGTH,
): boolean {
  if (typeof policy === 'number') return id.length > 0 && id.length <= policy && SESSION_ID_CHARS.test(id);
  return id.length >= policy.minLength && id.length <= policy.maxLength && policy.pattern.test(id);
}

/** 401: the request named more than one session; which one it meant is not ours to guess. */
export function ambiguousCredentials(): AppError {
  return new AppError('AMBIGUOUS_CREDENTIALS', 'More than one session id in the request');
}

/** Every value of the headers that can carry a session id; each may itself be a ", "-joined list. */
export interface CredentialHeaders {
  sessionId: string[] | undefined;
  authorization: string[] | undefined;
  cookie: string[] | undefined;
}

function push(list: string[] | undefined, value: string | undefined): string[] | undefined {
  if (value === undefined) return list;
  if (list === undefined) return [value];
  list.push(value);
  return list;
}

/**
 * The session-carrying headers, all repeats kept. Node hands repeats over separately in rawHeaders (its
 * parsed `headers` would keep only the first Authorization); fetch Headers join them with ", ".
 */
export function credentialHeaders(c: Context): CredentialHeaders {
  const raw = rawHeadersOf(c);
  if (raw === undefined) {
    return {
      sessionId: push(undefined, c.req.header('x-session-id')),
      authorization: push(undefined, c.req.header('authorization')),
      cookie: push(undefined, c.req.header('cookie')),
    };
  }
  const found: CredentialHeaders = { sessionId: undefined, authorization: undefined, cookie: undefined };
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i]!;
    if (isHeader(key, 'x-session-id')) found.sessionId = push(found.sessionId, raw[i + 1]);
    else if (isHeader(key, 'authorization')) found.authorization = push(found.authorization, raw[i + 1]);
    else if (isHeader(key, 'cookie')) found.cookie = push(found.cookie, raw[i + 1]);
  }
  return found;
}

/** The id so far after one more candidate: a second one that differs from the first is a refusal. */
function merge(id: string | undefined, value: string): string | undefined {
  const v = value.trim();
  if (v === '') return id;
  if (id === undefined) return v;
  if (id !== v) throw ambiguousCredentials();
  return id;
}

// A comma is outside every allowed alphabet, so in these headers it can only separate joined repeats.
function mergeList(id: string | undefined, value: string): string | undefined {
  if (value.indexOf(',') === -1) return merge(id, value);
  for (const piece of value.split(',')) id = merge(id, piece);
  return id;
}

const BEARER = /^[ \t]*bearer[ \t]+(.*)$/i;

function mergeOneBearer(id: string | undefined, value: string): string | undefined {
  const match = BEARER.exec(value);
  return match ? merge(id, match[1]!) : id;
}

function mergeBearer(id: string | undefined, value: string): string | undefined {
  if (value.indexOf(',') === -1) return mergeOneBearer(id, value);
  for (const piece of value.split(',')) id = mergeOneBearer(id, piece);
  return id;
}

function unquote(value: string): string {
  let v = value.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  if (v.indexOf('%') === -1) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function mergeCookies(
  id: string | undefined,
  header: string,
  options: ResolvedExtraction,
): string | undefined {
  // Most Cookie headers do not hold the session at all: skip the regular expression then.
  if (header.indexOf(options.cookieName) === -1) return id;
  const pattern = options.cookiePattern;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(header); m !== null; m = pattern.exec(header)) id = merge(id, unquote(m[1]!));
  return id;
}

function mergeQuery(id: string | undefined, c: Context): string | undefined {
  const url = c.req.url;
  const q = url.indexOf('?');
  // Parse the query only when it can hold the parameter: most requests have none.
  if (q === -1 || url.indexOf('session_id', q) === -1) return id;
  for (const value of c.req.queries('session_id') ?? []) id = merge(id, value);
  return id;
}

/**
 * The one session id a request carries (protocol section 1): `X-Session-ID`, `Authorization: Bearer`,
 * the session cookie, `?session_id=` (when allowed). Every source is read, repeats included; two
 * different ids anywhere are refused with 401 AMBIGUOUS_CREDENTIALS before anything is looked up, so a
 * proxy, WAF or audit log that reads another copy never sees another identity. The same id twice is
 * one id. Not checked for shape here (isWellFormedSessionId does that). One pass over Node's raw
 * headers, no allocation unless a header holds a comma: this runs on every authenticated request.
 */
export function extractSessionId(c: Context, options: ResolvedExtraction): string | undefined {
  let id: string | undefined;
  const raw = rawHeadersOf(c);
  if (raw === undefined) {
    const sessionHeader = c.req.header('x-session-id');
    const authorization = c.req.header('authorization');
    const cookie = c.req.header('cookie');
    if (sessionHeader !== undefined) id = mergeList(id, sessionHeader);
    if (authorization !== undefined) id = mergeBearer(id, authorization);
    if (cookie !== undefined) id = mergeCookies(id, cookie, options);
  } else {
    for (let i = 0; i < raw.length; i += 2) {
      const key = raw[i]!;
      // isHeader compares lengths first: most headers are none of these three and cost one comparison.
      if (isHeader(key, 'x-session-id')) id = mergeList(id, raw[i + 1]!);
      else if (isHeader(key, 'authorization')) id = mergeBearer(id, raw[i + 1]!);
      else if (isHeader(key, 'cookie')) id = mergeCookies(id, raw[i + 1]!, options);
    }
  }
  return options.allowQuery ? mergeQuery(id, c) : id;
}

/** Where the request's session id would come from: a header (X-Session-ID, Bearer) or the cookie. */
export function sessionCarrier(c: Context, cookieName: string): 'header' | 'cookie' | undefined {
  const headers = credentialHeaders(c);
  if (headers.sessionId?.some((v) => v.trim() !== '')) return 'header';
  if (headers.authorization?.some((v) => /(^|,)[ \t]*bearer[ \t]+[^ \t,]/i.test(v))) return 'header';
  if (headers.cookie === undefined) return undefined;
  const prefix = `${cookieName}=`;
  for (const header of headers.cookie) {
    for (const pair of header.split(/[;,]/)) {
      const p = pair.trim();
      if (p.startsWith(prefix) && p.length > prefix.length) return 'cookie';
    }
  }
  return undefined;
}

/**
 * hashId(sessionId), the cache key and log label of a session, computed with the one-shot
 * crypto.hash where Node has it (a quarter of the cost of createHash on the request path).
 */
export const sessionKey: (sessionId: string) => string =
  typeof hash === 'function' ? (id) => hash('sha256', id, 'hex').slice(0, 32) : hashId;
