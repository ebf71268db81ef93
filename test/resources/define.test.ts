import { describe, expect, expectTypeOf, it } from 'vitest';
import { createDatabase, createMigrator, migrateUp } from '../../src/db/index.js';
import { FlowfullConfigError } from '../../src/errors.js';
import {
  column,
  createResourceRepository,
  defineResource,
  generateResourceMigration,
  resourceMigrations,
} from '../../src/resources/index.js';

const tasks = defineResource({
  name: 'tasks',
  createdIn: '2026_12_02_0001_create_tasks',
  columns: {
    owner_id: column.string(64),
    title: column.string(100).filterable().sortable().searchable(),
    done: column.boolean().default(false).filterable(),
    points: column.integer().nullable(),
    due_at: column.date().nullable(),
  },
  owner: 'owner_id',
});

describe('defineResource: types from one definition', () => {
  it('derives the row, insert and update types', () => {
    expectTypeOf<typeof tasks.$row>().toEqualTypeOf<{
      id: string;
      created_at: Date;
      updated_at: Date;
      owner_id: string;
      title: string;
      done: boolean;
      points: number | null;
      due_at: Date | null;
    }>();
    expectTypeOf<typeof tasks.$insert>().toHaveProperty('title').toEqualTypeOf<string>();
    expectTypeOf<typeof tasks.$insert>().toHaveProperty('done').toEqualTypeOf<boolean | undefined>();
    expectTypeOf<typeof tasks.$update>().toEqualTypeOf<{
      owner_id?: string;
      title?: string;
      done?: boolean;
      points?: number | null;
      due_at?: Date | string | number | null;
    }>();
    // @ts-expect-error a boolean column takes a boolean, not a string
    const wrongKind: typeof tasks.$insert = { owner_id: 'u', title: 't', done: 'yes' };
    // @ts-expect-error title is required
    const missing: typeof tasks.$insert = { owner_id: 'u' };
    // @ts-expect-error not nullable
    const notNull: typeof tasks.$update = { title: null };
    // @ts-expect-error a default must be of the column's kind
    column.integer().default('1');
    expect([wrongKind, missing, notNull]).toHaveLength(3);
  });

  it('types the repository from the definition', async () => {
    const database = createDatabase({ url: ':memory:', type: 'libsql' });
    try {
      const migrator = createMigrator(database.db, resourceMigrations(tasks));
      expect((await migrateUp(migrator)).ok).toBe(true);
      const repo = createResourceRepository(database.db, tasks);
      const row = await repo.create({ owner_id: 'u1', title: 'Write docs', due_at: '2026-12-24T00:00:00Z' });
      expectTypeOf(row.done).toEqualTypeOf<boolean>();
      expect(row).toMatchObject({ title: 'Write docs', done: false, points: null });
      expect(row.due_at).toEqual(new Date('2026-12-24T00:00:00Z'));
      // @ts-expect-error points is an integer
      await expect(repo.update(row.id, { points: 'many' })).rejects.toThrow(/points/);
      expect((await repo.update(row.id, { points: 3 }))?.points).toBe(3);
    } finally {
      await database.close();
    }
  });
});

describe('defineResource: options are checked at construction', () => {
  const base = { name: 'things', createdIn: '2026_12_02_0001_create_things', columns: {} };
  it.each([
    [{ ...base, name: 'Bad Name' }, /name/],
    [{ ...base, name: 'search' }, /reserved/],
    [{ ...base, createdIn: 'create_things' }, /createdIn/],
    [{ ...base, columns: { data: column.string() } }, /reserved/],
    [{ ...base, columns: { id: column.string() } }, /every resource/],
    [{ ...base, columns: { x__ci: column.string() } }, /__ci/],
    [{ ...base, columns: { meta: column.json().filterable() } }, /json/],
    [{ ...base, owner: 'nobody' }, /owner/],
    [{ ...base, access: { list: 'owner' as const } }, /owner column/],
    [{ ...base, access: { read: 'everyone' } }, /access.read/],
    [{ ...base, maxLimit: 0 }, /maxLimit/],
    [{ ...base, defaultOrder: { column: 'nope' } }, /defaultOrder/],
    [{ ...base, publicWhen: 'id' }, /publicWhen/],
  ])('refuses %#', (definition, message) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong definitions
    expect(() => defineResource(definition as any)).toThrow(FlowfullConfigError);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong definitions
    expect(() => defineResource(definition as any)).toThrow(message);
  });

  it('refuses a searchable non-text column and a string length out of range', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong use
    expect(() => (column.integer() as any).searchable()).toThrow(FlowfullConfigError);
    expect(() => column.string(5000)).toThrow(/1 to 1000/);
  });
});

describe('migrations: evolving a resource without editing an applied migration', () => {
  const v2 = defineResource({
    name: 'tasks',
    createdIn: '2026_12_02_0001_create_tasks',
    columns: {
      owner_id: column.string(64),
      title: column.string(100).filterable().sortable().searchable(),
      done: column.boolean().default(false).filterable(),
      points: column.integer().nullable(),
      due_at: column.date().nullable(),
      label: column.string(40).default('none').filterable().addedIn('2026_12_09_0001_tasks_label'),
    },
    owner: 'owner_id',
  });

  it('adds the column (and its shadow) in a new migration, backfilling existing rows', async () => {
    const database = createDatabase({ url: ':memory:', type: 'libsql' });
    try {
      expect((await migrateUp(createMigrator(database.db, resourceMigrations(tasks)))).ok).toBe(true);
      const before = await createResourceRepository(database.db, tasks).create({
        owner_id: 'u',
        title: 'Old',
      });
      const set = resourceMigrations(v2);
      expect(Object.keys(set)).toEqual(['2026_12_02_0001_create_tasks', '2026_12_09_0001_tasks_label']);
      const result = await migrateUp(createMigrator(database.db, set));
      expect(result).toMatchObject({ ok: true, done: ['2026_12_09_0001_tasks_label'] });
      const repo = createResourceRepository(database.db, v2);
      expect((await repo.findById(before.id))?.label).toBe('none');
      const raw = await database.db.selectFrom('tasks').select(['label__ci']).executeTakeFirstOrThrow();
      expect(raw.label__ci).toBe('none');
    } finally {
      await database.close();
    }
  });

  it('generates a static migration file for a new resource and for added columns', () => {
    const created = generateResourceMigration(tasks);
    expect(created.name).toBe('2026_12_02_0001_create_tasks');
    expect(created.source).toContain('.createTable("tasks")');
    expect(created.source).toContain('.addColumn("title__ci", t.text)');
    expect(created.source).toContain('.addColumn("due_at", t.date)');
    expect(created.source).toContain('.addColumn("title", t.string(100), (c) => c.notNull())');
    const added = generateResourceMigration(v2, { previous: tasks });
    expect(added.name).toBe('2026_12_09_0001_tasks_label');
    expect(added.source).toContain('.addColumn("label", t.string(40))');
    expect(added.source).toContain('foldCase(');
    expect(added.source).toContain('.dropColumn("label__ci")');
    expect(() => generateResourceMigration(tasks, { previous: tasks })).toThrow(/no column was added/);
  });
});
