import type { Kysely } from 'kysely';
import {
  type ColumnSpec,
  createRepository,
  decodeColumnValue,
  type Page,
  type Repository,
  sqlFamilyOf,
} from '../db/index.js';
import type { ColumnMap, InsertOf, RowOf, UpdateOf } from './columns.js';
import type { Resource } from './define.js';
import { foldCase } from './migrations.js';
import type { ListQuery } from './query.js';
import { orderTerms, type Scope, whereOf } from './sql.js';

// biome-ignore lint/suspicious/noExplicitAny: the table is described by the resource at run time
type AnyDb = Kysely<any>;

/**
 * The typed repository of a resource: the db repository base over its physical columns (the
 * shadows included), which keeps the shadows in step with every write and never returns them,
 * plus the Bridge API list (filters, search, projection, scope) on the same table.
 */
export interface ResourceRepository<C extends ColumnMap> {
  readonly resource: Resource<C>;
  /** undefined when absent or outside the scope (so another user's row looks absent). */
  findById(id: string, scope?: Scope): Promise<RowOf<C> | undefined>;
  list(query: ListQuery, scope?: Scope): Promise<Page<Partial<RowOf<C>>>>;
  create(values: InsertOf<C>): Promise<RowOf<C>>;
  update(id: string, patch: UpdateOf<C>, scope?: Scope): Promise<RowOf<C> | undefined>;
  delete(id: string, scope?: Scope): Promise<boolean>;
  withDb(db: AnyDb): ResourceRepository<C>;
}

const ALL: Scope = { kind: 'all' };

export function createResourceRepository<C extends ColumnMap>(
  db: AnyDb,
  resource: Resource<C>,
): ResourceRepository<C> {
  const family = sqlFamilyOf(db);
  const spec: Record<string, ColumnSpec> = {};
  for (const col of resource.columns.values()) {
    // Added-later columns are nullable in SQL, so rows written before them read back as null.
    spec[col.name] = col.nullable || col.addedIn !== undefined ? `${col.kind}?` : col.kind;
    if (col.shadow) spec[col.shadow] = 'text?';
  }
  // biome-ignore lint/suspicious/noExplicitAny: rows are typed by the resource, not by the base
  const base: Repository<any> = createRepository<any>(db, {
    table: resource.table,
    columns: spec,
    maxLimit: resource.maxLimit,
  });
  const columns = [...resource.columns.values()];
  const shadowed = columns.filter((c) => c.shadow);

  function strip(row: Record<string, unknown> | undefined): RowOf<C> | undefined {
    if (!row) return undefined;
    for (const c of shadowed) delete row[c.shadow!];
    return row as RowOf<C>;
  }

  function withShadows(values: Record<string, unknown>): Record<string, unknown> {
    const out = { ...values };
    for (const c of shadowed)
      if (c.name in out) out[c.shadow!] = out[c.name] === null ? null : foldCase(String(out[c.name]));
    return out;
  }

  async function findById(id: string, scope: Scope = ALL): Promise<RowOf<C> | undefined> {
    if (typeof id !== 'string' || id === '' || id.length > 64) return undefined;
    if (scope.kind === 'all') return strip(await base.findById(id));
    let query = db.selectFrom(resource.table).select(resource.columnNames).where('id', '=', id);
    for (const w of whereOf(resource, family, scope, [], undefined)) query = query.where(w);
    const raw = await query.executeTakeFirst();
    if (!raw) return undefined;
    const row: Record<string, unknown> = {};
    for (const c of columns) row[c.name] = decodeColumnValue(c.kind, raw[c.name]);
    return row as RowOf<C>;
  }

  async function list(query: ListQuery, scope: Scope = ALL): Promise<Page<Partial<RowOf<C>>>> {
    const fields = query.fields ?? resource.columnNames;
    const conditions = whereOf(resource, family, scope, query.filters, query.q);
    let select = db.selectFrom(resource.table).select([...fields]);
    let count = db.selectFrom(resource.table).select((eb) => eb.fn.countAll().as('total'));
    for (const w of conditions) {
      select = select.where(w);
      count = count.where(w);
    }
    for (const term of orderTerms(query.order, family)) select = select.orderBy(term);
    const offset = (query.page - 1) * query.limit;
    const [raws, counted] = await Promise.all([
      select.limit(query.limit).offset(offset).execute(),
      count.executeTakeFirstOrThrow(),
    ]);
    const kinds = fields.map((f) => [f, resource.columns.get(f)!.kind] as const);
    const rows = raws.map((raw) => {
      const row: Record<string, unknown> = {};
      for (const [f, kind] of kinds) row[f] = decodeColumnValue(kind, raw[f]);
      return row as Partial<RowOf<C>>;
    });
    const total = Number(counted.total);
    return {
      rows,
      total,
      page: query.page,
      limit: query.limit,
      totalPages: Math.ceil(total / query.limit),
      hasMore: offset + rows.length < total,
    };
  }

  async function create(values: InsertOf<C>): Promise<RowOf<C>> {
    const record: Record<string, unknown> = { ...(values as object) };
    for (const c of columns) {
      if (c.auto || record[c.name] !== undefined) continue;
      record[c.name] = c.hasDefault ? c.defaultValue : c.nullable ? null : undefined;
    }
    return strip(await base.create(withShadows(record)))!;
  }

  async function update(id: string, patch: UpdateOf<C>, scope: Scope = ALL): Promise<RowOf<C> | undefined> {
    if (scope.kind !== 'all' && !(await findById(id, scope))) return undefined;
    return strip(await base.update(id, withShadows({ ...(patch as object) })));
  }

  async function remove(id: string, scope: Scope = ALL): Promise<boolean> {
    if (scope.kind !== 'all' && !(await findById(id, scope))) return false;
    return base.delete(id);
  }

  return {
    resource,
    findById,
    list,
    create,
    update,
    delete: remove,
    withDb: (other) => createResourceRepository(other, resource),
  };
}
