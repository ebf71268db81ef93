import { describe, expect, it } from 'vitest';
import { resourcesCommand } from '../../src/cli/resources.js';
import { createDatabase, createMigrator, migrateUp } from '../../src/db/index.js';
import { column, defineResource, resourceMigrations } from '../../src/resources/index.js';

const v1 = defineResource({
  name: 'books',
  createdIn: '2026_12_02_0001_create_books',
  columns: { title: column.string(100).searchable() },
});
const v2 = defineResource({
  name: 'books',
  createdIn: '2026_12_02_0001_create_books',
  columns: {
    title: column.string(100).searchable(),
    pages: column.integer().nullable().addedIn('2026_12_09_0001_books_pages'),
  },
});
const unmarked = defineResource({
  name: 'books',
  createdIn: '2026_12_02_0001_create_books',
  columns: { title: column.string(100).searchable(), isbn: column.string(20).nullable() },
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

describe('flowfull resources migration', () => {
  it('prints a create migration for a new table, then an add-column one against the live table', async () => {
    const database = createDatabase({ url: ':memory:', type: 'libsql' });
    try {
      const first = io();
      expect(
        await resourcesCommand(['migration', 'books'], first.io, { resources: [v1], db: database.db }),
      ).toBe(0);
      expect(first.out.join('\n')).toContain('2026_12_02_0001_create_books');
      expect(first.out.join('\n')).toContain('.createTable("books")');

      expect((await migrateUp(createMigrator(database.db, resourceMigrations(v1)))).ok).toBe(true);
      const second = io();
      expect(
        await resourcesCommand(['migration', 'books'], second.io, { resources: [v2], db: database.db }),
      ).toBe(0);
      expect(second.out.join('\n')).toContain('.addColumn("pages", t.integer)');
      expect(second.out.join('\n')).not.toContain('createTable');

      const third = io();
      expect(
        await resourcesCommand(['migration', 'books'], third.io, { resources: [unmarked], db: database.db }),
      ).toBe(1);
      expect(third.err.join('\n')).toContain('.addedIn(');
      const usage = io();
      expect(
        await resourcesCommand(['migration', 'nope'], usage.io, { resources: [v1], db: database.db }),
      ).toBe(2);
      const list = io();
      expect(await resourcesCommand(['list'], list.io, { resources: [v1] })).toBe(0);
      expect(list.out).toEqual(['books  table books  created in 2026_12_02_0001_create_books']);
    } finally {
      await database.close();
    }
  });
});
