/**
 * What the gateway may forward. Flowless route paths are plain words (`/login`, `/password-reset/
 * validate/<base64url token>`), so the part after the prefix is checked against a whitelist of
 * characters rather than a list of known tricks: anything percent-encoded (`%2e%2e`, `%2f`, `%5c`,
 * `%00`, double encoding), a backslash, an empty segment (`//`), a `.` or `..` segment or a `;`
 * parameter never leaves Flowfull, whatever the upstream's own URL parser would make of it.
 */

/** One path segment: unreserved characters only (RFC 3986), no percent-encoding. */
const SEGMENT = /^[A-Za-z0-9_~.-]+$/;

/** Longest forwarded path; Flowless paths are short, a long one is a probe. */
export const MAX_GATEWAY_PATH_LENGTH = 1024;

export type PathVerdict =
  | { kind: 'forward'; rest: string }
  | { kind: 'invalid' }
  | { kind: 'blocked' }
  | { kind: 'outside' };

/**
 * The raw request target's path (no decoding, no dot-segment resolution), or undefined when the
 * target is not in origin form (`/path?query`): an absolute URL or `*` is never forwarded.
 */
export function rawPathOf(target: string): { path: string; query: string } | undefined {
  if (!target.startsWith('/')) return undefined;
  const q = target.indexOf('?');
  const hash = target.indexOf('#');
  const end = q === -1 ? (hash === -1 ? target.length : hash) : q;
  const path = target.slice(0, end);
  const query = q === -1 ? '' : target.slice(q + 1, hash > q ? hash : undefined);
  return { path, query };
}

/**
 * Classifies the raw path: under `prefix` and well formed -> the rest to append upstream (starting
 * with `/`); malformed -> invalid; a blocked area (the bridge routes, matched case-insensitively because
 * some servers route case-insensitively) -> blocked; not under the prefix at all -> outside.
 */
export function classifyPath(path: string, prefix: string, blocked: readonly string[]): PathVerdict {
  if (path !== prefix && !path.startsWith(prefix + '/')) return { kind: 'outside' };
  const rest = path.slice(prefix.length);
  if (rest === '' || rest === '/' || path.length > MAX_GATEWAY_PATH_LENGTH) return { kind: 'invalid' };
  const segments = rest.slice(1).split('/');
  // A trailing slash leaves one empty last segment, which is harmless; any other empty one is `//`.
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    const s = segments[i]!;
    if (s === '' && i === last && i > 0) continue;
    if (!SEGMENT.test(s) || s === '.' || s === '..') return { kind: 'invalid' };
  }
  const lower = rest.toLowerCase();
  for (const area of blocked) {
    if (lower === area || lower.startsWith(area + '/')) return { kind: 'blocked' };
  }
  return { kind: 'forward', rest };
}

/** A query string passes through as sent, unless it holds bytes no client library would send. */
export function isForwardableQuery(query: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return query.length <= 4096 && !/[\u0000-\u001f\u007f\s\\]/.test(query);
}
