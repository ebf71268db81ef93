import { type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { SqlFamily } from '../db/index.js';
import type { Resource, ResourceColumn } from './define.js';
import { foldCase } from './migrations.js';
import type { Filter, OrderTerm } from './query.js';

/**
 * Bridge API filters as SQL that means the same on every dialect:
 * - contains/ncontains/sw/ew and search compare the column's shadow (foldCase of the value, written
 *   with every write) with the folded needle, using LIKE with '!' as the escape character, so `%`,
 *   `_` and `!` in the input are literal and the match is case-insensitive for all of Unicode's
 *   simple lower-case mappings, identically on PostgreSQL, MySQL/MariaDB, SQLite and libsql;
 * - string order and ranges compare code points (PostgreSQL `collate "C"`, MySQL utf8mb4_bin, SQLite binary);
 * - booleans and dates compare as stored (0/1 or boolean, epoch milliseconds);
 * - neq, nin and ncontains also match NULL (a missing value is not equal to anything);
 * - NULLs order last in both directions.
 */

// biome-ignore lint/suspicious/noExplicitAny: the table is described by the resource at run time
type Eb = ExpressionBuilder<any, any>;

/** Who is asking, as the access rules resolved it: every row, the user's own (plus public ones), or public ones. */
export type Scope =
  | { kind: 'all' }
  /** includePublic: also the rows `publicWhen` marks public (reads only). */
  | { kind: 'owner'; userId: string; includePublic: boolean }
  | { kind: 'public' };

export function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (ch) => `!${ch}`);
}

/** A filter value to what the column stores. */
export function storedValue(col: ResourceColumn, value: unknown, family: SqlFamily): unknown {
  if (col.kind === 'boolean') return family === 'postgres' ? value : value ? 1 : 0;
  return value;
}

function ref(col: ResourceColumn, family: SqlFamily, forOrder: boolean): RawBuilder<unknown> {
  const r = sql.ref(col.name);
  const textual = col.kind === 'string' || col.kind === 'text' || col.kind === 'id';
  return textual && forOrder && family === 'postgres' ? sql`${r} collate "C"` : sql`${r}`;
}

function like(shadow: string, pattern: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(shadow)} like ${pattern} escape '!'`;
}

function orNull(col: ResourceColumn, condition: RawBuilder<SqlBool>): RawBuilder<SqlBool> {
  return col.nullable ? sql<SqlBool>`(${sql.ref(col.name)} is null or ${condition})` : condition;
}

export function filterExpression(filter: Filter, family: SqlFamily): RawBuilder<SqlBool> {
  const { column: col, op, value } = filter;
  const name = sql.ref(col.name);
  const cmp = ref(col, family, true);
  const v = () => storedValue(col, value, family);
  const list = () =>
    sql.join(
      (value as unknown[]).map((x) => storedValue(col, x, family)),
      sql`, `,
    );
  const folded = () => escapeLike(foldCase(String(value)));
  switch (op) {
    case 'eq':
      return sql<SqlBool>`${name} = ${v()}`;
    case 'neq':
      return orNull(col, sql<SqlBool>`${name} <> ${v()}`);
    case 'gt':
      return sql<SqlBool>`${cmp} > ${v()}`;
    case 'gte':
      return sql<SqlBool>`${cmp} >= ${v()}`;
    case 'lt':
      return sql<SqlBool>`${cmp} < ${v()}`;
    case 'lte':
      return sql<SqlBool>`${cmp} <= ${v()}`;
    case 'in':
      return sql<SqlBool>`${name} in (${list()})`;
    case 'nin':
      return orNull(col, sql<SqlBool>`${name} not in (${list()})`);
    case 'null':
      return sql<SqlBool>`${name} is null`;
    case 'nnull':
      return sql<SqlBool>`${name} is not null`;
    case 'contains':
      return like(col.shadow!, `%${folded()}%`);
    case 'ncontains':
      return sql<SqlBool>`(${sql.ref(col.shadow!)} is null or not (${like(col.shadow!, `%${folded()}%`)}))`;
    case 'sw':
      return like(col.shadow!, `${folded()}%`);
    case 'ew':
      return like(col.shadow!, `%${folded()}`);
  }
}

export function searchExpression(resource: Resource, q: string): RawBuilder<SqlBool> {
  const pattern = `%${escapeLike(foldCase(q))}%`;
  const shadows = [...resource.columns.values()]
    .filter((c) => c.searchable && c.shadow)
    .map((c) => c.shadow!);
  if (shadows.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`(${sql.join(
    shadows.map((s) => like(s, pattern)),
    sql` or `,
  )})`;
}

export function scopeExpression(
  resource: Resource,
  scope: Scope,
  family: SqlFamily,
): RawBuilder<SqlBool> | undefined {
  const pub = resource.publicWhen
    ? sql<SqlBool>`${sql.ref(resource.publicWhen)} = ${family === 'postgres' ? true : 1}`
    : undefined;
  if (scope.kind === 'all') return undefined;
  if (scope.kind === 'public') return pub ?? sql<SqlBool>`1 = 0`;
  const own = sql<SqlBool>`${sql.ref(resource.owner!)} = ${scope.userId}`;
  return pub && scope.includePublic ? sql<SqlBool>`(${own} or ${pub})` : own;
}

/** The WHERE of a list: scope, filters and search, ANDed. */
export function whereOf(
  resource: Resource,
  family: SqlFamily,
  scope: Scope,
  filters: readonly Filter[],
  q: string | undefined,
): Array<Expression<SqlBool>> {
  const out: Array<Expression<SqlBool>> = [];
  const s = scopeExpression(resource, scope, family);
  if (s) out.push(s);
  for (const f of filters) out.push(filterExpression(f, family));
  if (q !== undefined) out.push(searchExpression(resource, q));
  return out;
}

/** ORDER BY terms, NULLs last, then the id for a stable page order. */
export function orderTerms(order: readonly OrderTerm[], family: SqlFamily): RawBuilder<unknown>[] {
  const out: RawBuilder<unknown>[] = [];
  for (const { column, dir } of order) {
    if (column.nullable) out.push(sql`case when ${sql.ref(column.name)} is null then 1 else 0 end`);
    out.push(sql`${ref(column, family, true)} ${sql.raw(dir)}`);
  }
  if (!order.some((o) => o.column.name === 'id'))
    out.push(sql`${ref({ name: 'id', kind: 'id' } as ResourceColumn, family, true)} asc`);
  return out;
}

export type { Eb };
