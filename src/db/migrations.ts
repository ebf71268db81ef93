import {
  DEFAULT_MIGRATION_LOCK_TABLE,
  DEFAULT_MIGRATION_TABLE,
  type Kysely,
  type Migration,
  type MigrationResultSet,
  Migrator,
} from 'kysely';
import { AppError, FlowfullConfigError } from '../errors.js';
import { databaseTypeOf, type SqlFamily, sqlFamilyOf } from './dialect.js';
import { withLockRow, withWriteTransaction } from './sqlite-lock.js';

/**
 * Kysely's Migrator over a static record of migrations: no directory scan, so the same code runs
 * from tsx and from compiled output. Concurrent runs from several instances apply each migration
 * once: PostgreSQL and MySQL use Kysely's own lock (advisory lock, GET_LOCK); SQLite files hold the
 * write lock for the whole run; libsql uses an expiring lock row (see sqlite-lock.ts).
 */

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

export type MigrationSet = Record<string, Migration>;

export interface MigratorOptions {
  /** Default `kysely_migration`. */
  tableName?: string;
  /** Default `kysely_migration_lock`. */
  lockTableName?: string;
  /**
   * Allow a pending migration that sorts before one already applied (default true): modules
   * contribute migrations independently, so an upgraded module may bring an older timestamp.
   */
  allowUnordered?: boolean;
  /** SQLite family: how long to wait for another instance's run before failing. Default 120 s. */
  lockWaitMs?: number;
  /** libsql: the lock row's lifetime, renewed while held; a crashed holder frees it after this. Default 30 s. */
  lockTtlMs?: number;
  /** SQLite family: `transaction` (plain SQLite, one connection) or `row` (libsql client). Default from createDatabase's type. */
  sqliteLock?: 'transaction' | 'row';
}

export interface DatabaseMigrator {
  readonly db: AnyDb;
  readonly family: SqlFamily;
  /** Sorted: the order in which they apply. */
  readonly names: readonly string[];
  /** A Kysely Migrator bound to `db` (or to one connection during a locked SQLite run). */
  kysely(db?: AnyDb): Migrator;
  readonly options: Readonly<Required<Omit<MigratorOptions, 'sqliteLock'>>> & {
    sqliteLock: 'transaction' | 'row';
  };
}

export interface MigrationRunResult {
  ok: boolean;
  direction: 'up' | 'down';
  /** Migrations this call applied (up) or reverted (down) and that stayed so. */
  done: string[];
  /** The migration that failed. */
  failed?: string;
  /** Its error message (database errors name SQL, never credentials). */
  error?: string;
}

export interface MigrationStatusEntry {
  name: string;
  applied: boolean;
  executedAt?: Date;
}

export interface MigrationStatus {
  migrations: MigrationStatusEntry[];
  pending: string[];
  /**
   * Applied in this database but not in the code (a rollback of the code, or another application
   * sharing the table). Applying migrations fails while any is listed.
   */
  unknown: MigrationStatusEntry[];
}

/** `2026_11_27_0001_create_items`: a date and a sequence, so modules' migrations sort together. */
export const MIGRATION_NAME_PATTERN = /^\d{4}_\d{2}_\d{2}_\d{4}_[a-z0-9_]+$/;

/** Merges modules' migration records, refusing a name twice (a spread would silently drop one). */
export function mergeMigrations(...sets: MigrationSet[]): MigrationSet {
  const merged: MigrationSet = {};
  for (const set of sets) {
    for (const [name, migration] of Object.entries(set)) {
      if (Object.hasOwn(merged, name))
        throw new FlowfullConfigError(`migration ${name} is defined twice`, {
          code: 'MIGRATION_NAME_INVALID',
        });
      merged[name] = migration;
    }
  }
  return merged;
}

export function createMigrator(
  db: AnyDb,
  migrations: MigrationSet,
  options: MigratorOptions = {},
): DatabaseMigrator {
  const names = Object.keys(migrations).sort();
  const bad = names.find((n) => !MIGRATION_NAME_PATTERN.test(n));
  if (bad !== undefined)
    throw new FlowfullConfigError(
      `migration name ${JSON.stringify(bad)} must look like 2026_11_27_0001_create_items`,
      { code: 'MIGRATION_NAME_INVALID' },
    );
  const resolved = {
    tableName: options.tableName ?? DEFAULT_MIGRATION_TABLE,
    lockTableName: options.lockTableName ?? DEFAULT_MIGRATION_LOCK_TABLE,
    allowUnordered: options.allowUnordered ?? true,
    lockWaitMs: options.lockWaitMs ?? 120_000,
    lockTtlMs: options.lockTtlMs ?? 30_000,
    sqliteLock: options.sqliteLock ?? (databaseTypeOf(db) === 'libsql' ? 'row' : 'transaction'),
  } as const;
  const provider = { getMigrations: async () => migrations };
  return {
    db,
    family: sqlFamilyOf(db),
    names,
    options: resolved,
    kysely: (target = db) =>
      new Migrator({
        db: target,
        provider,
        migrationTableName: resolved.tableName,
        migrationLockTableName: resolved.lockTableName,
        allowUnorderedMigrations: resolved.allowUnordered,
      }),
  };
}

/** Runs `step` under the lock this dialect needs; `atomic` says whether a failure undoes the whole run. */
async function locked(
  m: DatabaseMigrator,
  step: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<{ set: MigrationResultSet; atomic: boolean }> {
  if (m.family === 'postgres') return { set: await step(m.kysely()), atomic: true };
  if (m.family === 'mysql') return { set: await step(m.kysely()), atomic: false };
  const wait = { waitMs: m.options.lockWaitMs, ttlMs: m.options.lockTtlMs };
  if (m.options.sqliteLock === 'row') {
    const set = await withLockRow(m.db, m.options.lockTableName, wait, () => step(m.kysely()));
    return { set, atomic: false };
  }
  const set = await withWriteTransaction(m.db, wait, async (conn) => {
    const result = await step(m.kysely(conn));
    return { value: result, commit: result.error === undefined };
  });
  return { set, atomic: true };
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

async function run(
  m: DatabaseMigrator,
  direction: 'up' | 'down',
  step: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<MigrationRunResult> {
  let outcome: { set: MigrationResultSet; atomic: boolean };
  try {
    outcome = await locked(m, step);
  } catch (err) {
    return { ok: false, direction, done: [], error: message(err) };
  }
  const { set, atomic } = outcome;
  const results = set.results ?? [];
  const failed = results.find((r) => r.status === 'Error')?.migrationName;
  if (set.error === undefined) {
    return {
      ok: true,
      direction,
      done: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
    };
  }
  // Kysely reports the steps before a failure as Success even when the transaction rolled them back.
  const done = atomic ? [] : results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return { ok: false, direction, done, error: message(set.error), ...(failed ? { failed } : {}) };
}

/** Applies every pending migration, in name order. */
export function migrateUp(m: DatabaseMigrator): Promise<MigrationRunResult> {
  return run(m, 'up', (k) => k.migrateToLatest());
}

/** Reverts the most recently applied migration. */
export function migrateDown(m: DatabaseMigrator): Promise<MigrationRunResult> {
  return run(m, 'down', (k) => k.migrateDown());
}

export async function migrationStatus(m: DatabaseMigrator): Promise<MigrationStatus> {
  const infos = await m.kysely().getMigrations();
  const migrations = infos.map((i) => ({
    name: i.name,
    applied: i.executedAt !== undefined,
    ...(i.executedAt ? { executedAt: i.executedAt } : {}),
  }));
  return {
    migrations,
    pending: migrations.filter((i) => !i.applied).map((i) => i.name),
    unknown: await unknownApplied(m),
  };
}

/** Kysely's getMigrations() lists only the migrations it was given; the table may hold more. */
async function unknownApplied(m: DatabaseMigrator): Promise<MigrationStatusEntry[]> {
  const known = new Set(m.names);
  let rows: Array<{ name: string; timestamp: string | Date }>;
  try {
    rows = await m.db.selectFrom(m.options.tableName).select(['name', 'timestamp']).orderBy('name').execute();
  } catch {
    return []; // no migration table yet: nothing has been applied
  }
  return rows
    .filter((r) => !known.has(r.name))
    .map((r) => ({ name: r.name, applied: true, executedAt: new Date(r.timestamp) }));
}

export type MigrateCommand = 'up' | 'down' | 'status';

function statusLines(status: MigrationStatus): string[] {
  const lines = status.migrations.map((s) =>
    s.applied ? `applied  ${s.executedAt?.toISOString() ?? '?'}  ${s.name}` : `pending  ${s.name}`,
  );
  for (const u of status.unknown)
    lines.push(`unknown  ${u.executedAt?.toISOString() ?? '?'}  ${u.name}  (applied here, not in this code)`);
  const applied = status.migrations.length - status.pending.length;
  const unknown = status.unknown.length ? `, ${status.unknown.length} unknown` : '';
  lines.push(`${applied} applied, ${status.pending.length} pending${unknown}`);
  return lines;
}

function runLines(result: MigrationRunResult, total: number): string[] {
  const verb = result.direction === 'up' ? 'applied ' : 'reverted';
  const lines = result.done.map((name) => `${verb} ${name}`);
  if (result.ok && lines.length === 0)
    lines.push(
      result.direction === 'up' ? `nothing to apply: all ${total} migrations applied` : 'nothing to revert',
    );
  if (!result.ok) lines.push(`failed   ${result.failed ?? '(migrator)'}: ${result.error}`);
  return lines;
}

/**
 * What `flowfull migrate up|down|status` prints, one line per entry. A failed run rejects with
 * AppError MIGRATION_FAILED whose `details.lines` holds the same lines (including what did apply).
 */
export async function runMigrateCommand(
  db: AnyDb,
  migrations: MigrationSet,
  command: MigrateCommand,
  options: MigratorOptions = {},
): Promise<string[]> {
  const m = createMigrator(db, migrations, options);
  if (command === 'status') return statusLines(await migrationStatus(m));
  if (command !== 'up' && command !== 'down')
    throw new AppError(
      'BAD_REQUEST',
      `unknown migrate command ${JSON.stringify(command)}: use up, down or status`,
    );
  const result = command === 'up' ? await migrateUp(m) : await migrateDown(m);
  const lines = runLines(result, m.names.length);
  if (!result.ok)
    throw new AppError('MIGRATION_FAILED', lines[lines.length - 1] ?? 'migration failed', {
      details: { lines },
    });
  return lines;
}
