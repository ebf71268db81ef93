import type { Context } from 'hono';
import { requestHeader } from '../wire/headers.js';
import { HEADER_LIMITS } from './defaults.js';

/** What the request says about its client, clipped: the bridge call and the session guard read the same. */
export interface ClientHeaders {
  userAgent: string | null;
  deviceId: string | null;
}

/** Trimmed and clipped to `max`; empty or absent is null. */
export function clipHeader(value: string | null | undefined, max: number): string | null {
  const v = value?.trim();
  return v ? v.slice(0, max) : null;
}

// Per request, keyed on the Request object: the headers are read and clipped once, whoever asks first.
const seen = new WeakMap<Request, { deviceHeader: string; headers: ClientHeaders }>();

/** User-Agent and device id of this request, read and clipped once per request. */
export function clientHeaders(c: Context, deviceHeader: string): ClientHeaders {
  const known = seen.get(c.req.raw);
  if (known !== undefined && known.deviceHeader === deviceHeader) return known.headers;
  const headers: ClientHeaders = {
    userAgent: clipHeader(requestHeader(c, 'user-agent'), HEADER_LIMITS.userAgent),
    deviceId: clipHeader(requestHeader(c, lowerCased(deviceHeader)), HEADER_LIMITS.deviceId),
  };
  seen.set(c.req.raw, { deviceHeader, headers });
  return headers;
}

// The configured device header, lower-cased once (requestHeader compares against lower case).
let lastHeader = '';
let lastLower = '';
function lowerCased(name: string): string {
  if (name !== lastHeader) {
    lastHeader = name;
    lastLower = name.toLowerCase();
  }
  return lastLower;
}
