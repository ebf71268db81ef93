import { AppError, type AppErrorCode } from '../errors.js';
import type { Resource, ResourceColumn } from './define.js';

/**
 * The Bridge API query string (protocol section 5) parsed against a resource's whitelists. Every
 * malformed or unknown part is a 400 whose code says what was wrong and whose `details.field` names
 * the key; nothing is silently ignored except the client's own non-filter keys.
 */

export type FilterOp =
  | 'eq'
  | 'neq'
  | 'contains'
  | 'ncontains'
  | 'sw'
  | 'ew'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'in'
  | 'nin'
  | 'null'
  | 'nnull';

/** Short ops and the long aliases clients also send, matched case-insensitively. */
const OP_NAMES: Record<string, FilterOp> = {
  eq: 'eq',
  equals: 'eq',
  neq: 'neq',
  notEquals: 'neq',
  contains: 'contains',
  ncontains: 'ncontains',
  notContains: 'ncontains',
  sw: 'sw',
  startsWith: 'sw',
  ew: 'ew',
  endsWith: 'ew',
  gt: 'gt',
  greaterThan: 'gt',
  gte: 'gte',
  greaterThanOrEquals: 'gte',
  lt: 'lt',
  lessThan: 'lt',
  lte: 'lte',
  lessThanOrEquals: 'lte',
  in: 'in',
  inList: 'in',
  nin: 'nin',
  notInList: 'nin',
  null: 'null',
  isNull: 'null',
  nnull: 'nnull',
  isNotNull: 'nnull',
};
export const FILTER_OPS: readonly FilterOp[] = [...new Set(Object.values(OP_NAMES))];
const OPS_LOWER = new Map(Object.entries(OP_NAMES).map(([name, op]) => [name.toLowerCase(), op]));
export const FILTER_OP_ALIASES: Readonly<Record<string, FilterOp>> = OP_NAMES;

const TEXT_OPS: ReadonlySet<FilterOp> = new Set(['contains', 'ncontains', 'sw', 'ew']);
const RANGE_OPS: ReadonlySet<FilterOp> = new Set(['gt', 'gte', 'lt', 'lte']);

export interface Filter {
  column: ResourceColumn;
  op: FilterOp;
  /** Typed: string, number, boolean, epoch ms for dates; an array for in/nin; unused for null/nnull. */
  value: unknown;
}

export interface OrderTerm {
  column: ResourceColumn;
  dir: 'asc' | 'desc';
}

export interface ListQuery {
  page: number;
  limit: number;
  order: OrderTerm[];
  /** Projection; undefined: every column. */
  fields: string[] | undefined;
  filters: Filter[];
  /** Folded search text (search route only). */
  q: string | undefined;
}

export interface QueryLimits {
  /** Longest accepted query string in characters (default 8192). */
  maxQueryLength: number;
  /** Most elements of an in/nin list (default 100). */
  maxInList: number;
  /** Longest filter value and search text in characters (default 256). */
  maxValueLength: number;
  /** Most filters in one request (default 20). */
  maxFilters: number;
  /** Keys clients send that are not filters (default useRows, entity, _). */
  ignoredKeys: ReadonlySet<string>;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxQueryLength: 8192,
  maxInList: 100,
  maxValueLength: 256,
  maxFilters: 20,
  ignoredKeys: new Set(['useRows', 'entity', '_']),
};

const RESERVED = new Set(['page', 'limit', 'orderBy', 'orderDir', 'sort', 'fields', 'q']);
/** `field`, `field:op`, `field[op]`, each optionally followed by `[]` (an array element). */
const KEY = /^([A-Za-z_][A-Za-z0-9_]{0,62})(?::([A-Za-z]{1,24})|\[([A-Za-z]{1,24})\])?(\[\])?$/;
const INTEGER = /^-?\d{1,16}$/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function bad(code: AppErrorCode, message: string, field?: string): AppError {
  return new AppError(code, message, field === undefined ? {} : { details: { field } });
}

/** A query-string value to the column's kind, or a 400 naming the field. */
export function parseValue(col: ResourceColumn, raw: string, key: string): unknown {
  const wrong = (what: string) =>
    bad('FILTER_VALUE_INVALID', `Filter ${key}: ${JSON.stringify(raw.slice(0, 40))} is not ${what}`, key);
  switch (col.kind) {
    case 'integer': {
      const n = Number(raw);
      if (!INTEGER.test(raw) || !Number.isSafeInteger(n)) throw wrong('an integer');
      return n;
    }
    case 'number': {
      const n = Number(raw);
      if (!NUMBER.test(raw) || !Number.isFinite(n)) throw wrong('a number');
      return n;
    }
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw wrong('true or false');
    case 'date': {
      // Epoch milliseconds, or ISO 8601 (a date without a zone is UTC).
      const ms = INTEGER.test(raw) ? Number(raw) : ISO_DATE.test(raw) ? Date.parse(raw) : Number.NaN;
      if (!Number.isFinite(ms)) throw wrong('a date (ISO 8601 or epoch milliseconds)');
      return ms;
    }
    default:
      return raw;
  }
}

function parseOp(name: string | undefined, key: string, col: ResourceColumn): FilterOp {
  const op = name === undefined ? 'eq' : OPS_LOWER.get(name.toLowerCase());
  if (op === undefined) throw bad('FILTER_OP_INVALID', `Filter ${key}: unknown operator ${name}`, key);
  const allowed =
    (!TEXT_OPS.has(op) || col.shadow !== undefined) && (!RANGE_OPS.has(op) || col.kind !== 'boolean');
  if (!allowed) throw bad('FILTER_OP_INVALID', `Filter ${key}: ${op} does not apply to ${col.name}`, key);
  return op;
}

function parsePositive(raw: string | undefined, name: 'page' | 'limit', fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,7}$/.test(raw) || Number(raw) < 1)
    throw bad('PAGING_INVALID', `${name} must be a positive integer`, name);
  return Number(raw);
}

function parseOrder(resource: Resource, params: URLSearchParams): OrderTerm[] {
  const terms: Array<[string, string]> = [];
  const sort = params.get('sort');
  if (sort) {
    const parts = sort.split(',');
    if (parts.length > 3) throw bad('ORDER_INVALID', 'sort takes at most 3 fields', 'sort');
    for (const part of parts) {
      const [field, dir] = part.startsWith('-') ? [part.slice(1), 'desc'] : part.split(':');
      terms.push([field ?? '', dir ?? 'asc']);
    }
  } else if (params.get('orderBy')) {
    terms.push([params.get('orderBy')!, params.get('orderDir') || 'asc']);
  } else if (params.get('orderDir')) {
    terms.push([resource.defaultOrder.column, params.get('orderDir')!]);
  } else {
    terms.push([resource.defaultOrder.column, resource.defaultOrder.dir]);
  }
  return terms.map(([field, rawDir]) => {
    const col = resource.columns.get(field);
    if (!col?.sortable)
      throw bad('ORDER_INVALID', `Cannot order by ${JSON.stringify(field.slice(0, 64))}`, field.slice(0, 64));
    const dir = rawDir.toLowerCase();
    if (dir !== 'asc' && dir !== 'desc')
      throw bad('ORDER_INVALID', 'orderDir must be asc or desc', 'orderDir');
    return { column: col, dir };
  });
}

function parseFields(resource: Resource, raw: string | null): string[] | undefined {
  if (raw === null || raw === '') return undefined;
  const fields = [...new Set(raw.split(',').map((f) => f.trim()))];
  for (const f of fields)
    if (!resource.columns.has(f))
      throw bad(
        'FIELDS_INVALID',
        `Unknown field ${JSON.stringify(f.slice(0, 64))} in fields`,
        f.slice(0, 64),
      );
  return fields;
}

/** Parses a request's query string (the part after `?`) for a list or search. */
export function parseListQuery(
  resource: Resource,
  search: string,
  options: { search?: boolean; limits?: QueryLimits } = {},
): ListQuery {
  const limits = options.limits ?? DEFAULT_QUERY_LIMITS;
  // Refused before parsing: a 1 MB q or a 10,000-element list costs nothing but this check.
  if (search.length > limits.maxQueryLength)
    throw bad('QUERY_TOO_LARGE', `Query string longer than ${limits.maxQueryLength} characters`);
  const params = new URLSearchParams(search);
  const page = parsePositive(params.get('page') ?? undefined, 'page', 1);
  const limit = Math.min(
    parsePositive(params.get('limit') ?? undefined, 'limit', resource.defaultLimit),
    resource.maxLimit,
  );
  const order = parseOrder(resource, params);
  const fields = parseFields(resource, params.get('fields'));

  let q: string | undefined;
  if (options.search) {
    const raw = params.get('q') ?? '';
    if (raw.length > limits.maxValueLength)
      throw bad('SEARCH_QUERY_INVALID', `q is longer than ${limits.maxValueLength} characters`, 'q');
    q = raw.trim() === '' ? undefined : raw.trim();
  }

  // Group values by (field, op) so repeated keys and array elements merge into one in/nin list.
  const grouped = new Map<
    string,
    { col: ResourceColumn; op: FilterOp; key: string; values: string[]; array: boolean }
  >();
  for (const [key, value] of params) {
    if (RESERVED.has(key) || limits.ignoredKeys.has(key)) continue;
    const m = KEY.exec(key);
    if (!m)
      throw bad(
        'FILTER_KEY_INVALID',
        `Malformed filter key ${JSON.stringify(key.slice(0, 64))}`,
        key.slice(0, 64),
      );
    const [, field, colonOp, bracketOp, array] = m;
    const col = resource.columns.get(field!);
    if (!col) throw bad('FILTER_FIELD_INVALID', `Unknown filter field ${field}`, field);
    if (!col.filterable) throw bad('FILTER_FIELD_INVALID', `Field ${field} cannot be filtered on`, field);
    // `field[]=a&field[]=b` is a list: in.
    const op = parseOp(colonOp ?? bracketOp ?? (array ? 'in' : undefined), key, col);
    if (value.length > limits.maxValueLength * (op === 'in' || op === 'nin' ? limits.maxInList : 1))
      throw bad('FILTER_VALUE_INVALID', `Filter ${key}: value too long`, key);
    const id = `${field}:${op}`;
    const entry = grouped.get(id);
    if (entry && (op === 'in' || op === 'nin')) {
      entry.values.push(value);
      entry.array ||= array !== undefined;
    } else
      grouped.set(entry ? `${id}:${grouped.size}` : id, {
        col,
        op,
        key,
        values: [value],
        array: array !== undefined,
      });
  }
  if (grouped.size > limits.maxFilters)
    throw bad('FILTER_KEY_INVALID', `At most ${limits.maxFilters} filters per request`);

  const filters: Filter[] = [];
  for (const { col, op, key, values, array } of grouped.values()) {
    if (op === 'in' || op === 'nin') {
      // Array elements (`key[]=v`) are taken whole; a plain value is comma-joined.
      const items = array ? values : values.flatMap((v) => v.split(','));
      if (items.length > limits.maxInList)
        throw bad('FILTER_LIST_TOO_LONG', `Filter ${key}: at most ${limits.maxInList} values`, key);
      if (items.length === 0 || items.some((v) => v === ''))
        throw bad('FILTER_VALUE_INVALID', `Filter ${key}: empty list element`, key);
      filters.push({ column: col, op, value: items.map((v) => parseValue(col, v, key)) });
    } else if (op === 'null' || op === 'nnull') {
      const v = values[0]!.toLowerCase();
      if (v !== '' && v !== 'true' && v !== 'false')
        throw bad('FILTER_VALUE_INVALID', `Filter ${key}: expected true or false`, key);
      const isNull = (op === 'null') === (v !== 'false');
      filters.push({ column: col, op: isNull ? 'null' : 'nnull', value: undefined });
    } else {
      const raw = values[0]!;
      if (raw.length > limits.maxValueLength)
        throw bad('FILTER_VALUE_INVALID', `Filter ${key}: value too long`, key);
      if (TEXT_OPS.has(op) && raw === '') throw bad('FILTER_VALUE_INVALID', `Filter ${key}: empty text`, key);
      filters.push({ column: col, op, value: parseValue(col, raw, key) });
    }
  }
  return { page, limit, order, fields, filters, q };
}
