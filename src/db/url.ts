import type { DatabaseType } from '../config/index.js';
import { FlowfullConfigError } from '../errors.js';

/**
 * DATABASE_URL to a connection target. Error messages name the scheme at most: a URL may carry a
 * password or token, so neither the URL nor any part after the scheme ever reaches a message.
 */

export type DatabaseTarget =
  | { type: 'postgres'; url: string }
  | { type: 'mysql'; url: string }
  /** `file` is set for a local libsql database (a path, or ':memory:'). */
  | { type: 'libsql'; url: string; file?: string }
  /** `file` is a path as written (relative to the working directory) or ':memory:'. */
  | { type: 'sqlite'; file: string };

const SCHEME_TYPES: Record<string, DatabaseType> = {
  postgres: 'postgres',
  postgresql: 'postgres',
  mysql: 'mysql',
  mariadb: 'mysql',
  libsql: 'libsql',
  http: 'libsql',
  https: 'libsql',
  ws: 'libsql',
  wss: 'libsql',
  file: 'sqlite',
  sqlite: 'sqlite',
};

const EXPECTED =
  'expected postgres://, mysql://, mariadb://, libsql://, https://, file: or sqlite: (e.g. file:./data/app.db)';
const MEMORY = ':memory:';

/** A URL that cannot be used is a configuration mistake: the message names the scheme, never the rest. */
export function invalidUrl(message: string): FlowfullConfigError {
  return new FlowfullConfigError(message, { code: 'DATABASE_URL_INVALID' });
}

/** The scheme, lower-cased, or undefined for ':memory:' and scheme-less strings. */
function schemeOf(url: string): string | undefined {
  return /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
}

function shown(scheme: string): string {
  return JSON.stringify(`${scheme.slice(0, 24)}:`);
}

/**
 * The URL's scheme, lower-cased (undefined for ':memory:'). Throws for an empty URL, a missing
 * scheme, and an unknown one not followed by `//`: in `user:pass@host` the "scheme" is a user name.
 */
function checkedScheme(url: string): string | undefined {
  if (url === '') throw invalidUrl(`DATABASE_URL is empty; ${EXPECTED}`);
  if (url === MEMORY) return undefined;
  const scheme = schemeOf(url);
  if (scheme === undefined) throw invalidUrl(`DATABASE_URL has no scheme; ${EXPECTED}`);
  if (!SCHEME_TYPES[scheme] && !url.slice(scheme.length + 1).startsWith('//'))
    throw invalidUrl(`DATABASE_URL has no recognised scheme; ${EXPECTED}`);
  return scheme;
}

/** The dialect a URL selects, without opening anything. Throws DATABASE_URL_INVALID. */
export function detectDatabaseType(url: string): DatabaseType {
  const scheme = checkedScheme(url.trim());
  if (scheme === undefined) return 'sqlite';
  const type = SCHEME_TYPES[scheme];
  if (!type) throw invalidUrl(`DATABASE_URL scheme ${shown(scheme)} is not supported; ${EXPECTED}`);
  return type;
}

/**
 * The path in a `file:` or `sqlite:` URL. `file:./a.db`, `file:a.db` and `sqlite://./a.db` are
 * relative to the working directory; `file:/abs/a.db`, `file:///abs/a.db` and `sqlite:///abs/a.db`
 * are absolute; `file::memory:` is an in-memory database. Percent-escapes are decoded.
 */
export function sqliteFileFromUrl(url: string): string {
  if (url === MEMORY) return MEMORY;
  const scheme = schemeOf(url) ?? '';
  let rest = url.slice(scheme.length + 1);
  if (/[?#]/.test(rest))
    throw invalidUrl(`DATABASE_URL (${shown(scheme)}) has a query or fragment; SQLite URLs take a path only`);
  if (rest.startsWith('//')) {
    const afterSlashes = rest.slice(2);
    const host = afterSlashes.split('/', 1)[0] ?? '';
    if (host === '' || host.toLowerCase() === 'localhost') rest = afterSlashes.slice(host.length);
    else if (host === '.' || host === '..') rest = afterSlashes;
    else
      throw invalidUrl(
        `DATABASE_URL (${shown(scheme)}) names a host; SQLite URLs take a path: file:./relative.db or file:///absolute.db`,
      );
  }
  let file: string;
  try {
    file = decodeURIComponent(rest);
  } catch {
    throw invalidUrl(`DATABASE_URL (${shown(scheme)}) has a malformed percent-escape in its path`);
  }
  if (file === '') throw invalidUrl(`DATABASE_URL (${shown(scheme)}) has an empty path`);
  return file;
}

function parseServerUrl(url: string, scheme: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidUrl(`DATABASE_URL (${shown(scheme)}) is not a valid URL`);
  }
  if (!parsed.hostname) throw invalidUrl(`DATABASE_URL (${shown(scheme)}) has no host`);
  return parsed;
}

/** Replaces the scheme textually: URL() would re-encode the rest, and drivers read it as written. */
function withScheme(url: string, scheme: string, next: string): string {
  return url.startsWith(`${next}:`) ? url : `${next}:${url.slice(scheme.length + 1)}`;
}

/** libsql percent-decodes the path of a `file:` URL, so a literal %, ? or # must be escaped. */
export function libsqlFileUrl(file: string): string {
  return file === MEMORY ? MEMORY : `file:${file.replace(/[%?#]/g, encodeURIComponent)}`;
}

const LIBSQL_SCHEMES = new Set(['libsql', 'http', 'https', 'ws', 'wss', 'file', 'sqlite']);

function libsqlTarget(url: string, scheme: string): DatabaseTarget {
  if (url !== MEMORY && !LIBSQL_SCHEMES.has(scheme))
    throw invalidUrl(
      `DATABASE_TYPE=libsql needs a libsql:, http(s):, ws(s): or file: URL, got ${shown(scheme)}`,
    );
  if (url === MEMORY || scheme === 'file' || scheme === 'sqlite') {
    const file = sqliteFileFromUrl(url);
    return { type: 'libsql', url: libsqlFileUrl(file), file };
  }
  parseServerUrl(url, scheme);
  return { type: 'libsql', url };
}

/**
 * Resolves DATABASE_URL (and DATABASE_TYPE, which forces the dialect when the scheme is ambiguous,
 * e.g. a libsql server behind http://, or a Postgres-compatible service with its own scheme).
 */
export function resolveDatabaseUrl(rawUrl: string, forcedType?: DatabaseType): DatabaseTarget {
  const url = rawUrl.trim();
  // A forced type accepts any scheme with a host (a compatible service with its own scheme).
  const scheme = checkedScheme(url) ?? '';
  const type = forcedType ?? detectDatabaseType(url);
  const local = url === MEMORY || scheme === 'file' || scheme === 'sqlite';

  if (type === 'sqlite') {
    if (!local)
      throw invalidUrl(`DATABASE_TYPE=sqlite needs a file:, sqlite: or :memory: URL, got ${shown(scheme)}`);
    return { type, file: sqliteFileFromUrl(url) };
  }
  if (type === 'libsql') return libsqlTarget(url, scheme);
  if (local) throw invalidUrl(`DATABASE_TYPE=${type} needs a server URL, got ${shown(scheme || MEMORY)}`);
  parseServerUrl(url, scheme);
  // mysql2 and pg accept one spelling each; `mariadb:` and forced types are rewritten to it.
  return type === 'postgres'
    ? { type, url: withScheme(url, scheme, scheme === 'postgresql' ? 'postgresql' : 'postgres') }
    : { type, url: withScheme(url, scheme, 'mysql') };
}
