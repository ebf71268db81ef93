import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError } from '../errors.js';

export const SESSION_COOKIE = 'session_id';

const MAX_SESSION_ID_LENGTH = 512;
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export type JsonObject = Record<string, unknown>;

/** Empty body -> {}; anything but a JSON object -> 400. */
export function parseJsonObject(text: string): JsonObject {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', 'Malformed JSON body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new AppError('VALIDATION_FAILED', 'Expected a JSON object body');
  return value as JsonObject;
}

export async function readJsonObject(c: Context): Promise<JsonObject> {
  return parseJsonObject(await c.req.text());
}

/** A usable session id, or undefined for absent/absurd input (which can match no session anyway). */
export function cleanSessionId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = value.trim();
  if (id === '' || id.length > MAX_SESSION_ID_LENGTH || CONTROL_CHARS.test(id)) return undefined;
  return id;
}

/** Header X-Session-ID, then Authorization: Bearer, then the session cookie (protocol section 1). */
function rawSessionId(c: Context): string | undefined {
  const header = c.req.header('x-session-id');
  if (header?.trim()) return header;
  const bearer = c.req.header('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (bearer?.trim()) return bearer;
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie?.trim() ? cookie : undefined;
}

/** Absent -> 401 "Session ID required"; present but absurd -> 401 "Invalid session", before any lookup. */
export function requireSessionId(c: Context): string {
  const raw = rawSessionId(c);
  if (raw === undefined) throw new AppError('SESSION_ID_REQUIRED', 'Session ID required');
  const id = cleanSessionId(raw);
  if (id === undefined) throw new AppError('INVALID_SESSION', 'Invalid session');
  return id;
}

/** The socket's peer address. Forwarding headers are not trusted: nothing stands in front of the stand-in. */
export function clientIp(c: Context): string | null {
  try {
    const address = getConnInfo(c).remote.address;
    if (!address) return null;
    return address.startsWith('::ffff:') ? address.slice(7) : address;
  } catch {
    // app.request() in-process has no socket.
    return null;
  }
}

/** The one constant-time secret comparison of the project (src/util), shared with src/auth. */
export { secretMatches } from '../util/secret.js';

export function lowerCaseHeaders(c: Context): Record<string, string> {
  const out: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}
