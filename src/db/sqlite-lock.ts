import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import { AppError } from '../errors.js';

/**
 * Kysely takes no migration lock on SQLite (it assumes one connection), but two processes, or two
 * Kysely instances, may open the same file. Two ways to serialise them:
 *  - plain SQLite (libsql's single-connection binding): hold SQLite's own write lock (BEGIN IMMEDIATE) for the whole run. The lock dies
 *    with the process, and the run is atomic as a bonus (SQLite has transactional DDL).
 *  - libsql: its client hands each statement to a pooled connection, so no transaction can span
 *    the Migrator's statements. A row in the migration lock table holds the expiry (epoch ms) in
 *    `is_locked`; it is renewed while held, and a crashed holder's lock lapses after the TTL.
 */

// biome-ignore lint/suspicious/noExplicitAny: lock tables are not in the application's types
type AnyDb = Kysely<any>;

export interface LockWait {
  waitMs: number;
  ttlMs: number;
}

const LOCK_ROW = 'migration_lock';

function timeoutError(): AppError {
  return new AppError('MIGRATION_LOCK_TIMEOUT', 'another instance has held the migration lock too long');
}

const backoff = () => sleep(20 + Math.random() * 60);

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * BEGIN IMMEDIATE, retried without a busy timeout: the binding waits synchronously, which in one
 * process would freeze the event loop the lock holder needs to finish.
 */
async function beginImmediate(conn: AnyDb, waitMs: number): Promise<void> {
  const rows = (await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn)).rows;
  const previous = Number(rows[0]?.timeout ?? 5000);
  await sql.raw('pragma busy_timeout = 0').execute(conn);
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      try {
        await sql.raw('begin immediate').execute(conn);
        return;
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (Date.now() > deadline) throw timeoutError();
        await backoff();
      }
    }
  } finally {
    await sql.raw(`pragma busy_timeout = ${Math.trunc(previous)}`).execute(conn);
  }
}

export async function withWriteTransaction<T>(
  db: AnyDb,
  wait: LockWait,
  body: (conn: AnyDb) => Promise<{ value: T; commit: boolean }>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await beginImmediate(conn, wait.waitMs);
    let open = true;
    try {
      const { value, commit } = await body(conn);
      open = false;
      await sql.raw(commit ? 'commit' : 'rollback').execute(conn);
      return value;
    } catch (err) {
      if (open)
        await sql
          .raw('rollback')
          .execute(conn)
          .catch(() => undefined);
      throw err;
    }
  });
}

async function ensureLockRow(db: AnyDb, table: string): Promise<void> {
  // The same shape Kysely's Migrator creates, so it finds its table already there.
  await db.schema
    .createTable(table)
    .ifNotExists()
    .addColumn('id', 'varchar(255)', (c) => c.notNull().primaryKey())
    .addColumn('is_locked', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db
    .insertInto(table)
    .values({ id: LOCK_ROW, is_locked: 0 })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Moves the expiry from `from` (or any lapsed value) to `to`; true when this call did it. */
async function swapExpiry(db: AnyDb, table: string, to: number, from?: number): Promise<boolean> {
  let q = db.updateTable(table).set({ is_locked: to }).where('id', '=', LOCK_ROW);
  q = from === undefined ? q.where('is_locked', '<', Date.now()) : q.where('is_locked', '=', from);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

async function acquireRow(db: AnyDb, table: string, wait: LockWait): Promise<number> {
  const deadline = Date.now() + wait.waitMs;
  for (;;) {
    const expiry = Date.now() + wait.ttlMs;
    try {
      if (await swapExpiry(db, table, expiry)) return expiry;
    } catch (err) {
      if (!isBusy(err)) throw err;
    }
    if (Date.now() > deadline) throw timeoutError();
    await backoff();
  }
}

export async function withLockRow<T>(
  db: AnyDb,
  table: string,
  wait: LockWait,
  body: () => Promise<T>,
): Promise<T> {
  await ensureLockRow(db, table);
  let expiry = await acquireRow(db, table, wait);
  let renewing = Promise.resolve();
  const timer = setInterval(
    () => {
      renewing = renewing.then(async () => {
        const next = Date.now() + wait.ttlMs;
        if (await swapExpiry(db, table, next, expiry).catch(() => false)) expiry = next;
      });
    },
    Math.max(10, Math.floor(wait.ttlMs / 3)),
  );
  timer.unref();
  try {
    return await body();
  } finally {
    clearInterval(timer);
    await renewing;
    await swapExpiry(db, table, 0, expiry).catch(() => false);
  }
}
