import {
  type ColumnDataType,
  type CreateTableBuilder,
  type DropIndexBuilder,
  type Expression,
  type Kysely,
  sql,
} from 'kysely';
import { type SqlFamily, sqlFamilyOf } from './dialect.js';

/** What Kysely's addColumn() takes as a type. */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's own definition
export type DataTypeExpression = ColumnDataType | Expression<any>;

/**
 * Column types that mean the same on PostgreSQL, MySQL/MariaDB, SQLite and libsql, and that the
 * repository reads back as the same JavaScript values:
 *
 *   id       varchar(36)        application-generated UUID (crypto.randomUUID())
 *   string   varchar(n)         n defaults to 255
 *   text     text               MySQL: mediumtext (16 MB; text stops at 64 KB)
 *   integer  integer            32-bit
 *   number   double precision
 *   boolean  boolean            PostgreSQL boolean; MySQL tinyint(1); SQLite 0/1
 *   date     bigint             epoch milliseconds, UTC: orders, compares and indexes alike everywhere
 *   json     text               JSON.stringify'd; MySQL: mediumtext
 */
export type ColumnKind = 'id' | 'string' | 'text' | 'integer' | 'number' | 'boolean' | 'date' | 'json';

export function columnType(kind: ColumnKind, family: SqlFamily, length = 255): DataTypeExpression {
  switch (kind) {
    case 'id':
      return 'varchar(36)';
    case 'string':
      return `varchar(${length})`;
    case 'text':
    case 'json':
      return family === 'mysql' ? sql`mediumtext` : 'text';
    case 'integer':
      return 'integer';
    case 'number':
      return 'double precision';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'bigint';
  }
}

export interface PortableSchema {
  readonly family: SqlFamily;
  /**
   * db.schema.createTable, plus on MySQL `character set utf8mb4 collate utf8mb4_bin`: full Unicode,
   * and case-sensitive equality and unique keys, as on PostgreSQL and SQLite.
   */
  createTable(name: string): CreateTableBuilder<string, never>;
  /** DROP INDEX; MySQL needs the table (`on`), the others refuse it. */
  dropIndex(name: string, table: string): DropIndexBuilder;
  readonly id: DataTypeExpression;
  string(length?: number): DataTypeExpression;
  readonly text: DataTypeExpression;
  readonly integer: DataTypeExpression;
  readonly number: DataTypeExpression;
  readonly boolean: DataTypeExpression;
  readonly date: DataTypeExpression;
  readonly json: DataTypeExpression;
}

/** Helpers for one migration's `up(db)`: `const t = portable(db)`. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the application's types exist
export function portable(db: Kysely<any>): PortableSchema {
  const family = sqlFamilyOf(db);
  const type = (kind: ColumnKind) => columnType(kind, family);
  return {
    family,
    createTable: (name) => {
      const builder = db.schema.createTable(name);
      return family === 'mysql' ? builder.modifyEnd(sql`character set utf8mb4 collate utf8mb4_bin`) : builder;
    },
    dropIndex: (name, table) => {
      const builder = db.schema.dropIndex(name);
      return family === 'mysql' ? builder.on(table) : builder;
    },
    id: type('id'),
    string: (length = 255) => columnType('string', family, length),
    text: type('text'),
    integer: type('integer'),
    number: type('number'),
    boolean: type('boolean'),
    date: type('date'),
    json: type('json'),
  };
}
