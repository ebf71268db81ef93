import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseType } from '../../config/index.js';
import { isAppError } from '../../errors.js';
import type { Database } from '../connect.js';
import {
  createMigrator,
  type DatabaseMigrator,
  migrateDown,
  migrateUp,
  migrationStatus,
  runMigrateCommand,
} from '../migrations.js';
import { ping } from '../ping.js';
import { createRepository, type Repository } from '../repository.js';
import {
  codeOf,
  failingMigrations,
  ITEM_COLUMNS,
  type Item,
  itemMigrations,
  migratorOptions,
  onceMigrations,
  tableExists,
} from './fixtures.js';

/**
 * The database layer's contract, as a vitest suite anyone can run on their own database: the same
 * assertions on every dialect (migrations, the migration lock, the repository's types, paging,
 * ordering, conflicts and transactions), because that sameness is the product. It creates tables
 * under a random prefix and drops them afterwards.
 *
 *   import { databaseContractSuite } from 'flowfull/testing';
 *   databaseContractSuite({ name: 'postgres', open: () => createDatabase({ url: process.env.DATABASE_URL! }) });
 */
export interface DatabaseContractTarget {
  /** Shown in the suite's title. */
  name: string;
  /** A fresh handle; for files and servers, a second call must reach the same database. */
  open(): Database;
  /** The type `open()` must report; unchecked when absent. */
  expectedType?: DatabaseType;
  /** Whether two handles see one database (an in-memory libsql database is private to its client). Default true. */
  sharedAcrossHandles?: boolean;
  /** Runs after the last test (remove a temporary directory…). */
  cleanup?(): void | Promise<void>;
  /** Skip the suite, e.g. when the server is not reachable. */
  skip?: boolean;
}

/** Registers the suite `database contract: <name>` in the calling test file. */
export function databaseContractSuite(target: DatabaseContractTarget): void {
  const dialect: Required<DatabaseContractTarget> = {
    expectedType: undefined as unknown as DatabaseType,
    sharedAcrossHandles: true,
    cleanup: () => undefined,
    skip: false,
    ...target,
  };
  describe.skipIf(dialect.skip)(`database contract: ${dialect.name}`, () => contract(dialect));
}

function runId(): string {
  return randomBytes(4).toString('hex');
}

function contract(dialect: Required<DatabaseContractTarget>) {
  const run = runId();
  const items = `ffi_${run}`;
  const created: string[] = [items, `ffo_${run}`, `fff_${run}`];
  let database: Database;
  let migrator: DatabaseMigrator;
  let repo: Repository<Item>;

  beforeAll(async () => {
    database = dialect.open();
    migrator = createMigrator(database.db, itemMigrations(items), migratorOptions(run, 'items'));
    repo = createRepository<Item>(database.db, { table: items, columns: ITEM_COLUMNS });
  });

  afterAll(async () => {
    if (!database) return;
    for (const name of ['items', 'once', 'fail']) {
      const o = migratorOptions(run, name);
      created.push(o.tableName as string, o.lockTableName as string);
    }
    for (const table of created) await database.db.schema.dropTable(table).ifExists().execute();
    await database.close();
    await dialect.cleanup();
  });

  it('is the expected dialect and answers a ping', async () => {
    if (dialect.expectedType !== undefined) expect(database.type).toBe(dialect.expectedType);
    const result = await ping(database.db, { timeoutMs: 5000 });
    expect(result).toMatchObject({ ok: true });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  describe('migrations', () => {
    it('status lists every migration as pending before the first run', async () => {
      const status = await migrationStatus(migrator);
      expect(status.pending).toEqual(['2026_11_27_0001_create_items', '2026_11_27_0002_index_items']);
      expect(status.migrations.every((m) => !m.applied)).toBe(true);
    });

    it('up applies them in order, then has nothing left to do', async () => {
      expect(await migrateUp(migrator)).toEqual({
        ok: true,
        direction: 'up',
        done: ['2026_11_27_0001_create_items', '2026_11_27_0002_index_items'],
      });
      expect(await migrateUp(migrator)).toEqual({ ok: true, direction: 'up', done: [] });
      const status = await migrationStatus(migrator);
      expect(status.pending).toEqual([]);
      expect(status.migrations.every((m) => m.applied && m.executedAt instanceof Date)).toBe(true);
    });

    it('down reverts the last one, up re-applies it; the command prints lines', async () => {
      expect(await migrateDown(migrator)).toMatchObject({ ok: true, done: ['2026_11_27_0002_index_items'] });
      expect((await migrationStatus(migrator)).pending).toEqual(['2026_11_27_0002_index_items']);
      const options = migratorOptions(run, 'items');
      const status = await runMigrateCommand(database.db, itemMigrations(items), 'status', options);
      expect(status[0]).toMatch(/^applied {2}\d{4}-\d\d-\d\dT.*2026_11_27_0001_create_items$/);
      expect(status.slice(1)).toEqual(['pending  2026_11_27_0002_index_items', '1 applied, 1 pending']);
      expect(await runMigrateCommand(database.db, itemMigrations(items), 'up', options)).toEqual([
        'applied  2026_11_27_0002_index_items',
      ]);
      expect(await runMigrateCommand(database.db, itemMigrations(items), 'up', options)).toEqual([
        'nothing to apply: all 2 migrations applied',
      ]);
    });

    it('a failing migration reports itself, and what it reports as done is what is applied', async () => {
      const table = `fff_${run}`;
      const m = createMigrator(database.db, failingMigrations(table), migratorOptions(run, 'fail'));
      const result = await migrateUp(m);
      expect(result).toMatchObject({ ok: false, failed: '2026_11_27_0002_break_fail' });
      expect(result.error).toContain('broken on purpose');
      const applied = (await migrationStatus(m)).migrations.filter((s) => s.applied).map((s) => s.name);
      expect(applied).toEqual(result.done);
      expect(await tableExists(database, table)).toBe(result.done.length === 1);

      const err = await runMigrateCommand(
        database.db,
        failingMigrations(table),
        'up',
        migratorOptions(run, 'fail'),
      ).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('MIGRATION_FAILED');
      const lines = (err as { details: { lines: string[] } }).details.lines;
      expect(lines.at(-1)).toBe('failed   2026_11_27_0002_break_fail: broken on purpose');
    });

    it('concurrent up from two instances applies each migration exactly once', async () => {
      const table = `ffo_${run}`;
      const second = dialect.sharedAcrossHandles ? dialect.open() : database;
      try {
        const options = migratorOptions(run, 'once');
        const [a, b] = await Promise.all([
          migrateUp(createMigrator(database.db, onceMigrations(table), options)),
          migrateUp(createMigrator(second.db, onceMigrations(table), options)),
        ]);
        expect(a.ok && b.ok).toBe(true);
        expect([...a.done, ...b.done].sort()).toEqual(Object.keys(onceMigrations(table)));
        const rows = await database.db.selectFrom(table).select('id').execute();
        expect(rows).toEqual([{ id: 'only-once' }]);
        const recorded = await database.db
          .selectFrom(options.tableName as string)
          .select('name')
          .execute();
        expect(recorded).toHaveLength(3);
      } finally {
        if (second !== database) await second.close();
      }
    });
  });

  describe('repository', () => {
    const due = new Date('2026-01-02T03:04:05.678Z');

    it('create fills id and timestamps and round-trips every kind', async () => {
      const before = Date.now();
      const item = await repo.create({
        name: 'Grüße 🚀 中文 ñ',
        note: 'línea 1\nline 2 — “quoted” \u{1F600}',
        active: true,
        count: 42,
        score: 2.5,
        meta: { tags: ['a', 'ü'], nested: { n: 1, ok: false }, nothing: null },
        due_at: due,
      });
      expect(item.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(item).toMatchObject({
        name: 'Grüße 🚀 中文 ñ',
        note: 'línea 1\nline 2 — “quoted” \u{1F600}',
        active: true,
        count: 42,
        score: 2.5,
        meta: { tags: ['a', 'ü'], nested: { n: 1, ok: false }, nothing: null },
      });
      expect(item.due_at).toEqual(due);
      expect(item.created_at).toBeInstanceOf(Date);
      expect(item.created_at.getTime()).toBeGreaterThanOrEqual(before);
      expect(item.updated_at).toEqual(item.created_at);
      expect(await repo.findById(item.id)).toEqual(item);
    });

    it('nulls and false come back as null and false', async () => {
      const item = await repo.create({
        id: `given-${run}`,
        name: 'plain',
        note: null,
        active: false,
        count: 0,
        score: null,
        meta: null,
        due_at: null,
      });
      expect(item).toMatchObject({
        id: `given-${run}`,
        note: null,
        active: false,
        score: null,
        meta: null,
        due_at: null,
      });
      expect(await repo.findById(`given-${run}`)).toEqual(item);
      expect(await repo.findById('no-such-id')).toBeUndefined();
    });

    it('list pages and orders, with totals', async () => {
      const pages = createRepository<Item>(database.db, { table: items, columns: ITEM_COLUMNS });
      for (let i = 0; i < 25; i++)
        await pages.create({
          name: `p${i}`,
          note: 'page',
          active: i % 2 === 0,
          count: 100 + i,
          score: null,
          meta: [i],
          due_at: null,
        });
      const first = await pages.list({
        where: { note: 'page' },
        orderBy: 'count',
        orderDir: 'asc',
        limit: 10,
      });
      expect(first).toMatchObject({ total: 25, page: 1, limit: 10, totalPages: 3, hasMore: true });
      expect(first.rows.map((r) => r.count)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
      const last = await pages.list({
        where: { note: 'page' },
        orderBy: 'count',
        orderDir: 'desc',
        limit: 10,
        page: 3,
      });
      expect(last).toMatchObject({ total: 25, page: 3, hasMore: false });
      expect(last.rows.map((r) => r.count)).toEqual([104, 103, 102, 101, 100]);
      expect(last.rows[0]?.meta).toEqual([4]);
      const beyond = await pages.list({ where: { note: 'page' }, page: 9 });
      expect(beyond).toMatchObject({ rows: [], total: 25, hasMore: false });
      const even = await pages.list({ where: { note: 'page', active: true }, limit: 100 });
      expect(even.total).toBe(13);
      expect(even.rows.every((r) => r.active === true)).toBe(true);
    });

    it('default order is newest first; NULLs sort last both ways', async () => {
      const newest = (await repo.list({ limit: 1 })).rows[0];
      const all = await repo.list({ limit: 100 });
      expect(newest?.created_at.getTime()).toBe(Math.max(...all.rows.map((r) => r.created_at.getTime())));
      for (const dir of ['asc', 'desc']) {
        const byScore = await repo.list({ orderBy: 'score', orderDir: dir, limit: 100 });
        const scores = byScore.rows.map((r) => r.score);
        const firstNull = scores.indexOf(null);
        expect(firstNull).toBeGreaterThan(0);
        expect(scores.slice(firstNull).every((s) => s === null)).toBe(true);
      }
      const nullNotes = await repo.list({ where: { note: null } });
      expect(nullNotes.rows.map((r) => r.id)).toEqual([`given-${run}`]);
    });

    it('bad list input is a VALIDATION_FAILED; limit is clamped', async () => {
      expect(await codeOf(repo.list({ orderBy: 'password; drop table x' }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.list({ orderDir: 'sideways' }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.list({ page: 0 }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.list({ page: 1.5 }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.list({ where: { nope: 1 } as never }))).toBe('VALIDATION_FAILED');
      expect((await repo.list({ limit: 10_000 })).limit).toBe(100);
      expect((await repo.list({ limit: 0 })).limit).toBe(1);
    });

    it('update changes fields and updated_at; unknown ids give undefined', async () => {
      const item = await repo.create({
        name: 'before',
        note: null,
        active: false,
        count: 1,
        score: null,
        meta: { v: 1 },
        due_at: null,
      });
      await new Promise((r) => setTimeout(r, 5));
      const updated = await repo.update(item.id, {
        name: 'after',
        active: true,
        meta: { v: 2 },
        due_at: due,
      });
      expect(updated).toMatchObject({ id: item.id, name: 'after', active: true, meta: { v: 2 }, count: 1 });
      expect(updated?.due_at).toEqual(due);
      expect(updated?.created_at).toEqual(item.created_at);
      expect(updated!.updated_at.getTime()).toBeGreaterThan(item.updated_at.getTime());
      expect(await repo.findById(item.id)).toEqual(updated);
      expect(await repo.update('no-such-id', { name: 'x' })).toBeUndefined();
      expect(await codeOf(repo.update(item.id, { id: 'other' }))).toBe('VALIDATION_FAILED');
    });

    it('delete removes once', async () => {
      const item = await repo.create({
        name: 'gone',
        note: null,
        active: true,
        count: 3,
        score: 1,
        meta: null,
        due_at: null,
      });
      expect(await repo.delete(item.id)).toBe(true);
      expect(await repo.delete(item.id)).toBe(false);
      expect(await repo.findById(item.id)).toBeUndefined();
    });

    it('wrong types are VALIDATION_FAILED; a duplicate id is CONFLICT', async () => {
      const base = {
        name: 'typed',
        note: null,
        active: true,
        count: 1,
        score: null,
        meta: null,
        due_at: null,
      };
      expect(await codeOf(repo.create({ ...base, active: 'yes' as never }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.create({ ...base, count: 1.5 }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.create({ ...base, due_at: new Date('nope') }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.create({ ...base, name: null as never }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.create({ ...base, extra: 1 } as never))).toBe('VALIDATION_FAILED');
      expect(await codeOf(repo.create({ ...base, id: `given-${run}` }))).toBe('CONFLICT');
    });

    it('works inside a transaction through withDb', async () => {
      const id = `tx-${run}`;
      const err = await database.db
        .transaction()
        .execute(async (trx) => {
          await repo.withDb(trx).create({
            id,
            name: 'tx',
            note: null,
            active: true,
            count: 9,
            score: null,
            meta: null,
            due_at: null,
          });
          expect((await repo.withDb(trx).findById(id))?.name).toBe('tx');
          throw new Error('roll back');
        })
        .catch((e: Error) => e.message);
      expect(err).toBe('roll back');
      expect(await repo.findById(id)).toBeUndefined();
    });
  });
}
