import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Client as LibsqlClient } from '@libsql/client';
import type { LibsqlDriver } from '@libsql/kysely-libsql';
import {
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  MysqlDialect,
  type MysqlPool,
  PostgresDialect,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type TransactionSettings,
} from 'kysely';
import type { Config, DatabaseType } from '../config/index.js';
import { maskUrl } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { rememberDatabaseType } from './dialect.js';
import { type DatabaseTarget, libsqlFileUrl, resolveDatabaseUrl } from './url.js';

export interface DatabaseOptions {
  /** DATABASE_URL: postgres://, mysql://, mariadb://, libsql://, http(s)://, ws(s)://, file:, sqlite:, :memory: */
  url: string;
  /** DATABASE_TYPE: forces the dialect. */
  type?: DatabaseType;
  /** Server dialects. pg keeps at least this many idle connections once opened; mysql2 has no minimum. */
  poolMin?: number;
  poolMax?: number;
  /** TLS with certificate verification; overrides ssl settings in the URL. */
  ssl?: boolean;
  /** With `ssl`: encrypt but skip certificate verification (self-signed servers). */
  sslInsecure?: boolean;
  /** libsql/Turso; takes precedence over `?authToken=` in the URL. */
  libsqlAuthToken?: string;
  /** SQLite and local libsql files: how long a writer waits for another's lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Server dialects: how long to wait for a new connection. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Receives pool-level errors (an idle connection dropped); never the URL. */
  logger?: Logger;
}

// biome-ignore lint/suspicious/noExplicitAny: the application's table types are not ours to know
export interface Database<DB = any> {
  readonly db: Kysely<DB>;
  readonly type: DatabaseType;
  /** The URL with any password or token masked, for logs and status lines. */
  readonly label: string;
  /** Closes every connection. Safe to call twice. */
  close(): Promise<void>;
}

const DEFAULT_POOL_MAX = 10;
const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const MEMORY = ':memory:';

export function databaseOptionsFromConfig(config: Config): DatabaseOptions {
  return {
    url: config.DATABASE_URL,
    type: config.DATABASE_TYPE,
    poolMin: config.DATABASE_POOL_MIN,
    poolMax: config.DATABASE_POOL_MAX,
    ssl: config.DATABASE_SSL,
    sslInsecure: config.DATABASE_SSL_INSECURE,
    libsqlAuthToken: config.LIBSQL_AUTH_TOKEN,
  };
}

/**
 * A Kysely instance for the dialect DATABASE_URL names. Nothing connects here: the driver is
 * loaded and the pool or file opened on the first query. A bad URL throws DATABASE_URL_INVALID now.
 */
// biome-ignore lint/suspicious/noExplicitAny: see Database
export function createDatabase<DB = any>(options: DatabaseOptions): Database<DB> {
  const target = pinFilePath(resolveDatabaseUrl(options.url, options.type));
  const db = new Kysely<DB>({ dialect: dialectFor(target, options) });
  rememberDatabaseType(db, target.type);
  let closing: Promise<void> | undefined;
  return {
    db,
    type: target.type,
    label: maskUrl(options.url.trim()),
    close: () => {
      closing ??= db.destroy();
      return closing;
    },
  };
}

/** Relative paths are relative to the working directory at creation, not at first query. */
function pinFilePath(target: DatabaseTarget): DatabaseTarget {
  if (target.type === 'sqlite' && target.file !== MEMORY)
    return { ...target, file: path.resolve(target.file) };
  if (target.type === 'libsql' && target.file && target.file !== MEMORY) {
    const file = path.resolve(target.file);
    return { ...target, file, url: libsqlFileUrl(file) };
  }
  return target;
}

function dialectFor(target: DatabaseTarget, options: DatabaseOptions): Dialect {
  switch (target.type) {
    case 'postgres':
      return postgresDialect(target.url, options);
    case 'mysql':
      return mysqlDialect(target.url, options);
    case 'libsql':
      return libsqlDialect(target, options);
    case 'sqlite':
      return sqliteDialect(target.file, options);
  }
}

function tls(options: DatabaseOptions): { rejectUnauthorized: boolean } | undefined {
  return options.ssl ? { rejectUnauthorized: !options.sslInsecure } : undefined;
}

/** With DATABASE_SSL on, the URL's own TLS parameters would silently override it in pg and mysql2. */
function withoutUrlTls(url: string, options: DatabaseOptions, names: string[]): string {
  if (!options.ssl) return url;
  const u = new URL(url);
  for (const name of names) u.searchParams.delete(name);
  return u.toString();
}

function poolErrorHandler(options: DatabaseOptions) {
  return (err: Error & { code?: string }) =>
    options.logger?.warn({ code: err.code, reason: err.message }, 'database pool: idle connection failed');
}

function postgresDialect(url: string, options: DatabaseOptions): Dialect {
  return new PostgresDialect({
    pool: async () => {
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({
        connectionString: withoutUrlTls(url, options, ['ssl', 'sslmode']),
        ssl: tls(options),
        min: options.poolMin ?? 0,
        max: options.poolMax ?? DEFAULT_POOL_MAX,
        connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      });
      // Without a listener, an idle client's error (server restart) would crash the process.
      pool.on('error', poolErrorHandler(options));
      return pool;
    },
  });
}

function mysqlDialect(url: string, options: DatabaseOptions): Dialect {
  return new MysqlDialect({
    pool: async () => {
      const { default: mysql } = await import('mysql2');
      const pool = mysql.createPool({
        uri: withoutUrlTls(url, options, ['ssl']),
        ssl: tls(options),
        connectionLimit: options.poolMax ?? DEFAULT_POOL_MAX,
        connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        charset: 'utf8mb4',
      });
      return pool as unknown as MysqlPool;
    },
  });
}

/**
 * Plain SQLite files use `libsql`'s synchronous, better-sqlite3-compatible binding: one connection,
 * so a transaction spans statements (the migration lock relies on it). Its native code ships as a
 * prebuilt npm package per platform, so installing needs no compiler.
 */
async function openSqliteFile(file: string, busyTimeoutMs: number): Promise<SqliteDatabase> {
  const { default: Sqlite } = await import('libsql');
  if (file !== MEMORY) await mkdir(path.dirname(file), { recursive: true });
  const db = new Sqlite(file, { timeout: busyTimeoutMs });
  // WAL lets readers run beside the writer; foreign keys match what the server dialects enforce.
  if (file !== MEMORY) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  return db as unknown as SqliteDatabase;
}

function sqliteDialect(file: string, options: DatabaseOptions): Dialect {
  const busy = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  return new SqliteDialect({ database: () => openSqliteFile(file, busy) });
}

async function openLibsql(
  target: Extract<DatabaseTarget, { type: 'libsql' }>,
  options: DatabaseOptions,
): Promise<LibsqlClient> {
  const { createClient } = await import('@libsql/client');
  let url = target.url;
  if (target.file && target.file !== MEMORY) await mkdir(path.dirname(target.file), { recursive: true });
  if (!target.file && options.libsqlAuthToken) {
    // libsql lets the URL's token win over the option; the explicit setting should.
    const u = new URL(url);
    u.searchParams.delete('authToken');
    url = u.toString();
  }
  const client = createClient({
    url,
    authToken: target.file ? undefined : options.libsqlAuthToken,
    timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
  });
  if (target.file && target.file !== MEMORY) await client.execute('PRAGMA journal_mode = WAL');
  return client;
}

/** @libsql/kysely-libsql opens its client when Kysely is built; this one waits for the first query. */
class LazyLibsqlDriver implements Driver {
  #inner: LibsqlDriver | undefined;
  constructor(private readonly open: () => Promise<LibsqlClient>) {}

  async init(): Promise<void> {
    const { LibsqlDriver } = await import('@libsql/kysely-libsql');
    // The package pins an older @libsql/client for its own `url` option; the client API it calls
    // (execute, transaction, close) is the same in the one installed here.
    this.#inner = new LibsqlDriver((await this.open()) as never, true);
  }
  acquireConnection(): Promise<DatabaseConnection> {
    return this.#driver().acquireConnection();
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // biome-ignore lint/suspicious/noExplicitAny: the connection came from this driver
    return this.#driver().beginTransaction(connection as any, settings);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    // biome-ignore lint/suspicious/noExplicitAny: as above
    return this.#driver().commitTransaction(connection as any);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // biome-ignore lint/suspicious/noExplicitAny: as above
    return this.#driver().rollbackTransaction(connection as any);
  }
  releaseConnection(connection: DatabaseConnection): Promise<void> {
    // biome-ignore lint/suspicious/noExplicitAny: as above
    return this.#driver().releaseConnection(connection as any);
  }
  async destroy(): Promise<void> {
    await this.#inner?.destroy();
    this.#inner = undefined;
  }
  #driver(): LibsqlDriver {
    if (!this.#inner) throw new Error('libsql driver used before init');
    return this.#inner;
  }
}

function libsqlDialect(
  target: Extract<DatabaseTarget, { type: 'libsql' }>,
  options: DatabaseOptions,
): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new LazyLibsqlDriver(() => openLibsql(target, options)),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}
