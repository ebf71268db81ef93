import { type Kysely, MysqlAdapter, PostgresAdapter, SqliteAdapter } from 'kysely';
import type { DatabaseType } from '../config/index.js';
import { FlowfullConfigError } from '../errors.js';

/** The SQL a Kysely instance speaks. libsql speaks SQLite. */
export type SqlFamily = 'postgres' | 'mysql' | 'sqlite';

/**
 * Read from the instance's adapter, so it also works for a transaction or a Kysely built
 * elsewhere. The class-name fallback covers a second copy of kysely in node_modules.
 */
// biome-ignore lint/suspicious/noExplicitAny: any table layout
export function sqlFamilyOf(db: Kysely<any>): SqlFamily {
  const adapter = db.getExecutor().adapter;
  const name = adapter.constructor.name;
  if (adapter instanceof PostgresAdapter || name === 'PostgresAdapter') return 'postgres';
  if (adapter instanceof MysqlAdapter || name === 'MysqlAdapter') return 'mysql';
  if (adapter instanceof SqliteAdapter || name === 'SqliteAdapter') return 'sqlite';
  throw new FlowfullConfigError(`unsupported Kysely adapter ${name}: expected PostgreSQL, MySQL or SQLite`);
}

// biome-ignore lint/suspicious/noExplicitAny: any table layout
const knownTypes = new WeakMap<Kysely<any>, DatabaseType>();

/** Both speak SQLite, but only the driver knows whether it is the single-connection SQLite binding or the libsql client. */
// biome-ignore lint/suspicious/noExplicitAny: any table layout
export function rememberDatabaseType(db: Kysely<any>, type: DatabaseType): void {
  knownTypes.set(db, type);
}

/** The type createDatabase() built this instance for; undefined for a Kysely built elsewhere. */
// biome-ignore lint/suspicious/noExplicitAny: any table layout
export function databaseTypeOf(db: Kysely<any>): DatabaseType | undefined {
  return knownTypes.get(db);
}
