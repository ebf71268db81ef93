import { type Kysely, sql } from 'kysely';
import { type DataTypeExpression, type MigrationSet, mergeMigrations, portable } from '../db/index.js';
import { FlowfullConfigError } from '../errors.js';
import type { Resource, ResourceColumn } from './define.js';

/**
 * A resource's table as portable migrations, the same on PostgreSQL, MySQL/MariaDB, SQLite and
 * libsql. The table is created by the migration named `createdIn` from the columns that have no
 * `addedIn`; each later `addedIn` name becomes its own add-column migration. An applied migration
 * therefore never changes: evolving a resource means adding columns with a new `addedIn` name.
 */

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** What the shadow column stores: NFKC-normalised, then lower-cased (Unicode default mapping). */
export function foldCase(value: string): string {
  return value.normalize('NFKC').toLowerCase();
}

interface PhysicalColumn {
  name: string;
  type: (t: ReturnType<typeof portable>) => DataTypeExpression;
  notNull: boolean;
  primaryKey: boolean;
  /** The column this one shadows. */
  shadowOf?: string;
  /** Code for generated source. */
  typeSource: string;
}

function physical(col: ResourceColumn): PhysicalColumn[] {
  const length = col.maxLength ?? 255;
  const type = (t: ReturnType<typeof portable>) => (col.kind === 'string' ? t.string(length) : t[col.kind]);
  const typeSource = col.kind === 'string' ? `t.string(${length})` : `t.${col.kind}`;
  const out: PhysicalColumn[] = [
    {
      name: col.name,
      type,
      // A column added later is nullable in SQL (existing rows have no value); the resource enforces it.
      notNull: !col.nullable && col.addedIn === undefined,
      primaryKey: col.name === 'id',
      typeSource,
    },
  ];
  if (col.shadow)
    out.push({
      name: col.shadow,
      type: (t) => t.text,
      notNull: false,
      primaryKey: false,
      shadowOf: col.name,
      typeSource: 't.text',
    });
  return out;
}

/** Fills shadow columns (and defaults of added columns) for rows written before they existed. */
async function backfill(db: AnyDb, table: string, shadows: PhysicalColumn[]): Promise<void> {
  const sources = shadows.map((s) => s.shadowOf!);
  if (sources.length === 0) return;
  for (;;) {
    const rows = await db
      .selectFrom(table)
      .select(['id', ...sources])
      .where((eb) =>
        eb.or(shadows.map((s) => eb.and([eb(s.name, 'is', null), eb(s.shadowOf!, 'is not', null)]))),
      )
      .limit(500)
      .execute();
    if (rows.length === 0) return;
    for (const row of rows) {
      const set: Record<string, string | null> = {};
      for (const s of shadows) {
        const v = row[s.shadowOf!];
        set[s.name] = v === null || v === undefined ? null : foldCase(String(v));
      }
      await db.updateTable(table).set(set).where('id', '=', row.id).execute();
    }
    if (rows.length < 500) return;
  }
}

export interface ResourceMigrationOptions {
  /**
   * The migration that adds the shadow columns of columns created with the table, for a table
   * created before they existed (the starter's items). Default: they are part of the create migration.
   */
  shadowsAddedIn?: string;
}

/** The migrations of one resource: create, then one per `addedIn` name. */
export function resourceMigrations(resource: Resource, options: ResourceMigrationOptions = {}): MigrationSet {
  const table = resource.table;
  const base: PhysicalColumn[] = [];
  const later = new Map<string, PhysicalColumn[]>();
  const push = (name: string, cols: PhysicalColumn[]) =>
    later.set(name, [...(later.get(name) ?? []), ...cols]);
  for (const col of resource.columns.values()) {
    const cols = physical(col);
    if (col.addedIn !== undefined) {
      if (!col.nullable && !col.hasDefault)
        throw new FlowfullConfigError(
          `resource ${resource.name}: column ${col.name} is added later, so it must be nullable or have a default`,
        );
      push(col.addedIn, cols);
    } else if (options.shadowsAddedIn !== undefined) {
      base.push(cols[0]!);
      if (cols[1]) push(options.shadowsAddedIn, [cols[1]]);
    } else base.push(...cols);
  }
  const set: MigrationSet = {
    [resource.createdIn]: {
      async up(db) {
        const t = portable(db);
        let builder = t.createTable(table);
        for (const c of base)
          builder = builder.addColumn(c.name, c.type(t), (b) => {
            const nn = c.notNull || c.primaryKey ? b.notNull() : b;
            return c.primaryKey ? nn.primaryKey() : nn;
          });
        await builder.execute();
        for (const [index, cols] of Object.entries(resource.indexes))
          await db.schema
            .createIndex(index)
            .on(table)
            .columns([...cols])
            .execute();
      },
      async down(db) {
        await db.schema.dropTable(table).execute();
      },
    },
  };
  for (const [name, cols] of later) {
    if (name === resource.createdIn)
      throw new FlowfullConfigError(`resource ${resource.name}: addedIn ${name} is its createdIn migration`);
    set[name] = {
      async up(db) {
        const t = portable(db);
        for (const c of cols) await db.schema.alterTable(table).addColumn(c.name, c.type(t)).execute();
        for (const c of cols) {
          const def = resource.columns.get(c.name);
          if (def?.hasDefault)
            await db
              .updateTable(table)
              .set({ [c.name]: sql`${encodeDefault(def, t.family)}` })
              .execute();
        }
        await backfill(
          db,
          table,
          cols.filter((c) => c.shadowOf !== undefined),
        );
      },
      async down(db) {
        for (const c of [...cols].reverse()) await db.schema.alterTable(table).dropColumn(c.name).execute();
      },
    };
  }
  return set;
}

function encodeDefault(col: ResourceColumn, family: string): unknown {
  const v = col.defaultValue;
  if (col.kind === 'boolean') return family === 'postgres' ? v : v ? 1 : 0;
  if (col.kind === 'date') return v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : v;
  if (col.kind === 'json') return JSON.stringify(v);
  return v;
}

/** Every resource's migrations, refusing a name twice. */
export function migrationsOf(...resources: Resource[]): MigrationSet {
  return mergeMigrations(...resources.map((r) => resourceMigrations(r)));
}

export interface GenerateMigrationOptions {
  /** The definition as it was when its last migration was written; absent: the table is new. */
  previous?: Resource;
  /** Or the columns the table has now (from the database); empty or absent with no previous: new table. */
  existingColumns?: readonly string[];
  /** How the generated file imports `portable` and `foldCase`. Default: the starter's src/app layout. */
  importFrom?: { db: string; resources: string };
}

export interface GeneratedMigration {
  /** The migration name (createdIn, or the new columns' addedIn). */
  name: string;
  /** A TypeScript module exporting `migration` (a Kysely Migration), for a migrations record. */
  source: string;
}

/**
 * A static migration file for a new resource, or for the columns added since `previous`. For those
 * who keep migrations as files (reviewable, frozen once applied) instead of deriving them at run time.
 */
export function generateResourceMigration(
  resource: Resource,
  options: GenerateMigrationOptions = {},
): GeneratedMigration {
  const imports = options.importFrom ?? { db: '../db/index.js', resources: '../resources/index.js' };
  const table = JSON.stringify(resource.table);
  const lines: string[] = [];
  let name = resource.createdIn;
  let down: string[];
  let usesFold = false;
  const existing = options.previous
    ? [...options.previous.columns.values()].flatMap((c) => physical(c).map((p) => p.name))
    : (options.existingColumns ?? []);
  if (existing.length === 0) {
    lines.push(`    await t`, `      .createTable(${table})`);
    for (const col of resource.columns.values())
      for (const c of physical(col)) {
        const mods = c.primaryKey
          ? ', (c) => c.notNull().primaryKey()'
          : c.notNull
            ? ', (c) => c.notNull()'
            : '';
        lines.push(`      .addColumn(${JSON.stringify(c.name)}, ${c.typeSource}${mods})`);
      }
    lines.push('      .execute();');
    for (const [index, cols] of Object.entries(resource.indexes))
      lines.push(
        `    await db.schema.createIndex(${JSON.stringify(index)}).on(${table}).columns(${JSON.stringify(cols)}).execute();`,
      );
    down = [`    await db.schema.dropTable(${table}).execute();`];
  } else {
    const before = new Set(existing);
    const added = [...resource.columns.values()]
      .flatMap((c) => physical(c).map((p) => ({ p, col: c })))
      .filter(({ p }) => !before.has(p.name));
    if (added.length === 0)
      throw new FlowfullConfigError(
        `resource ${resource.name}: no column was added since the previous definition`,
      );
    const names = new Set(added.map(({ col }) => col.addedIn));
    const only = [...names][0];
    if (names.size !== 1 || only === undefined)
      throw new FlowfullConfigError(
        `resource ${resource.name}: mark the added columns (${added.map(({ p }) => p.name).join(', ')}) with one .addedIn('YYYY_MM_DD_NNNN_name')`,
      );
    name = only;
    for (const { p } of added)
      lines.push(
        `    await db.schema.alterTable(${table}).addColumn(${JSON.stringify(p.name)}, ${p.typeSource}).execute();`,
      );
    for (const { p, col } of added.filter(({ p, col }) => !p.shadowOf && col.hasDefault)) {
      const value = encodeDefault(col, 'other');
      const literal =
        col.kind === 'boolean'
          ? `t.family === 'postgres' ? ${Boolean(value)} : ${value}`
          : JSON.stringify(value);
      lines.push(
        `    await db.updateTable(${table}).set({ ${JSON.stringify(p.name)}: ${literal} }).execute();`,
      );
    }
    for (const { p } of added.filter(({ p }) => p.shadowOf)) {
      usesFold = true;
      const src = JSON.stringify(p.shadowOf);
      lines.push(
        `    for (const row of await db.selectFrom(${table}).select(['id', ${src}]).execute())`,
        `      if (row[${src}] != null) await db.updateTable(${table}).set({ ${JSON.stringify(p.name)}: foldCase(String(row[${src}])) }).where('id', '=', row.id).execute();`,
      );
    }
    down = added
      .reverse()
      .map(
        ({ p }) =>
          `    await db.schema.alterTable(${table}).dropColumn(${JSON.stringify(p.name)}).execute();`,
      );
  }
  const source = [
    '// Generated by generateResourceMigration(); once applied, never edit it: add a new migration instead.',
    "import type { Kysely, Migration } from 'kysely';",
    `import { portable } from '${imports.db}';`,
    ...(usesFold ? [`import { foldCase } from '${imports.resources}';`] : []),
    '',
    `/** ${name} */`,
    'export const migration: Migration = {',
    '  // biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist',
    '  async up(db: Kysely<any>) {',
    '    const t = portable(db);',
    ...lines,
    '  },',
    '  // biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist',
    '  async down(db: Kysely<any>) {',
    ...down,
    '  },',
    '};',
    '',
  ].join('\n');
  return { name, source };
}
