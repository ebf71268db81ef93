import type { Migration } from 'kysely';
import { isAppError } from '../../errors.js';
import type { Database } from '../connect.js';
import type { MigratorOptions } from '../migrations.js';
import { portable } from '../schema.js';

/** Tables, migrations and small helpers of the database contract suite (contract.ts). */

export interface Item {
  id: string;
  name: string;
  note: string | null;
  active: boolean;
  count: number;
  score: number | null;
  meta: unknown;
  due_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const ITEM_COLUMNS = {
  id: 'id',
  name: 'string',
  note: 'text?',
  active: 'boolean',
  count: 'integer',
  score: 'number?',
  meta: 'json?',
  due_at: 'date?',
  created_at: 'date',
  updated_at: 'date',
} as const;

export function itemMigrations(table: string): Record<string, Migration> {
  return {
    '2026_11_27_0001_create_items': {
      async up(db) {
        const t = portable(db);
        await t
          .createTable(table)
          .addColumn('id', t.id, (c) => c.primaryKey())
          .addColumn('name', t.string(), (c) => c.notNull())
          .addColumn('note', t.text)
          .addColumn('active', t.boolean, (c) => c.notNull().defaultTo(false))
          .addColumn('count', t.integer, (c) => c.notNull())
          .addColumn('score', t.number)
          .addColumn('meta', t.json)
          .addColumn('due_at', t.date)
          .addColumn('created_at', t.date, (c) => c.notNull())
          .addColumn('updated_at', t.date, (c) => c.notNull())
          .execute();
      },
      async down(db) {
        await db.schema.dropTable(table).execute();
      },
    },
    '2026_11_27_0002_index_items': {
      async up(db) {
        await db.schema.createIndex(`${table}_created_idx`).on(table).column('created_at').execute();
      },
      async down(db) {
        await portable(db).dropIndex(`${table}_created_idx`, table).execute();
      },
    },
  };
}

/** Three steps; the second inserts a row, so a double application would show as two rows. */
export function onceMigrations(table: string): Record<string, Migration> {
  return {
    '2026_11_27_0001_create_once': {
      up: async (db) => {
        const t = portable(db);
        await t
          .createTable(table)
          .addColumn('id', t.id, (c) => c.primaryKey())
          .execute();
      },
    },
    '2026_11_27_0002_fill_once': {
      up: async (db) => {
        await db.insertInto(table).values({ id: 'only-once' }).execute();
      },
    },
    '2026_11_27_0003_index_once': {
      up: async (db) => {
        await db.schema.createIndex(`${table}_id_idx`).on(table).column('id').execute();
      },
    },
  };
}

export function failingMigrations(table: string): Record<string, Migration> {
  return {
    '2026_11_27_0001_create_fail': {
      up: async (db) => {
        const t = portable(db);
        await t
          .createTable(table)
          .addColumn('id', t.id, (c) => c.primaryKey())
          .execute();
      },
    },
    '2026_11_27_0002_break_fail': {
      up: async () => {
        throw new Error('broken on purpose');
      },
    },
  };
}

export function migratorOptions(run: string, name: string): MigratorOptions {
  return { tableName: `ffm_${run}_${name}`, lockTableName: `ffm_${run}_${name}_lock` };
}

export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return isAppError(err) ? err.code : `not an AppError: ${String(err)}`;
  }
  return undefined;
}

export async function tableExists(database: Database, name: string): Promise<boolean> {
  const tables = await database.db.introspection.getTables();
  return tables.some((t) => t.name === name);
}
