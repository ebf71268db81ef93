import { randomUUID } from 'node:crypto';
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { AppError, FlowfullConfigError } from '../errors.js';
import { type SqlFamily, sqlFamilyOf } from './dialect.js';
import type { ColumnKind } from './schema.js';

/**
 * The repository pattern over one table, with the same results on every dialect: booleans come
 * back as true/false, dates as Date (stored as epoch ms), JSON parsed, integers as numbers, NULLs
 * last when ordering. Ids are generated here (no RETURNING, no auto-increment), so MySQL behaves
 * like the rest: write, then read back.
 */

// biome-ignore lint/suspicious/noExplicitAny: the repository works on any table
type AnyDb = Kysely<any>;

/** A column's kind; a trailing `?` marks it nullable. */
export type ColumnSpec = ColumnKind | `${ColumnKind}?`;

export type AutoColumns = 'id' | 'created_at' | 'updated_at';
/** What create() needs: every column but the ones the repository fills in. */
export type NewRow<Row> = Omit<Row, AutoColumns> & Partial<Pick<Row, Extract<keyof Row, AutoColumns>>>;

export interface RepositoryOptions<Row extends object> {
  table: string;
  columns: { [K in keyof Row & string]-?: ColumnSpec };
  /** Default `id`. A string column; create() fills it with crypto.randomUUID() when absent. */
  idColumn?: keyof Row & string;
  /** Default: `created_at desc` when that column exists, else the id ascending. */
  defaultOrder?: { column: keyof Row & string; dir?: OrderDir };
  /** Filled with the current time by create() (and update(), for updatedAt) when the column exists. */
  createdAtColumn?: (keyof Row & string) | false;
  updatedAtColumn?: (keyof Row & string) | false;
  /** Default 20. */
  defaultLimit?: number;
  /** Default 100: larger requested limits are clamped to it. */
  maxLimit?: number;
}

export type OrderDir = 'asc' | 'desc';

export interface ListOptions<Row> {
  /** 1-based. */
  page?: number;
  limit?: number;
  orderBy?: string;
  orderDir?: string;
  /** Equality filters; `null` matches NULL. */
  where?: Partial<Row>;
}

export interface Page<Row> {
  rows: Row[];
  total: number;
  page: number;
  limit: number;
  totalPages: number;
  hasMore: boolean;
}

export interface Repository<Row extends object> {
  readonly table: string;
  findById(id: string): Promise<Row | undefined>;
  list(options?: ListOptions<Row>): Promise<Page<Row>>;
  create(values: NewRow<Row>): Promise<Row>;
  /** The updated row, or undefined when no row has this id. */
  update(id: string, patch: Partial<Row>): Promise<Row | undefined>;
  /** True when a row was deleted. */
  delete(id: string): Promise<boolean>;
  /** The same repository on another handle, e.g. inside `db.transaction().execute(trx => …)`. */
  withDb(db: AnyDb): Repository<Row>;
}

/** One column as the repository sees it (exported for layers that build their own queries). */
export interface Column {
  name: string;
  kind: ColumnKind;
  nullable: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(message: string, details?: unknown): AppError {
  return new AppError('VALIDATION_FAILED', message, { details });
}

function parseColumns(spec: Record<string, ColumnSpec>): Map<string, Column> {
  const columns = new Map<string, Column>();
  for (const [name, raw] of Object.entries(spec)) {
    if (!IDENTIFIER.test(name))
      throw new FlowfullConfigError(`repository column name ${JSON.stringify(name)} is not an identifier`);
    const nullable = raw.endsWith('?');
    columns.set(name, { name, kind: (nullable ? raw.slice(0, -1) : raw) as ColumnKind, nullable });
  }
  return columns;
}

function toEpochMs(value: unknown, column: string): number {
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  const result = typeof value === 'number' ? value : ms;
  if (!Number.isFinite(result)) throw invalid(`${column} must be a date`);
  return Math.trunc(result);
}

/** A JavaScript value to what the column stores. */
export function encode(col: Column, value: unknown, family: SqlFamily): unknown {
  if (value === null) {
    if (!col.nullable) throw invalid(`${col.name} must not be null`);
    return null;
  }
  const wrong = () => invalid(`${col.name} must be ${col.kind === 'integer' ? 'an' : 'a'} ${col.kind}`);
  switch (col.kind) {
    case 'id':
    case 'string':
    case 'text':
      if (typeof value !== 'string') throw wrong();
      return value;
    case 'integer':
      if (!Number.isSafeInteger(value)) throw wrong();
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong();
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong();
      return family === 'postgres' ? value : value ? 1 : 0;
    case 'date':
      return toEpochMs(value, col.name);
    case 'json': {
      const text = JSON.stringify(value);
      if (text === undefined) throw wrong();
      return text;
    }
  }
}

/** What a driver returned to the JavaScript value: pg's bigint strings, 0/1 booleans, JSON text. */
export function decode(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  switch (kind) {
    case 'boolean':
      return value === true || value === 1 || value === 1n || value === '1' || value === 't';
    case 'date':
      return new Date(Number(value));
    case 'integer':
    case 'number':
      return Number(value);
    case 'json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    default:
      return String(value);
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; extendedCode?: unknown; errno?: unknown };
  const codes = [e?.code, e?.extendedCode].filter((c): c is string => typeof c === 'string');
  return (
    codes.some(
      (c) => c === '23505' || c === 'ER_DUP_ENTRY' || /^SQLITE_CONSTRAINT_(PRIMARYKEY|UNIQUE)$/.test(c),
    ) || e?.errno === 1062
  );
}

function positiveInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(`${name} must be an integer`);
  return n;
}

export function createRepository<Row extends object>(
  db: AnyDb,
  options: RepositoryOptions<Row>,
): Repository<Row> {
  if (!IDENTIFIER.test(options.table))
    throw new FlowfullConfigError(`repository table ${JSON.stringify(options.table)} is not an identifier`);
  const columns = parseColumns(options.columns as Record<string, ColumnSpec>);
  const names = [...columns.keys()];
  const idColumn = options.idColumn ?? 'id';
  if (!columns.has(idColumn))
    throw new FlowfullConfigError(`repository ${options.table}: no id column ${idColumn}`);
  const stamp = (configured: string | false | undefined, fallback: string) =>
    configured === false
      ? undefined
      : (configured ?? (columns.get(fallback)?.kind === 'date' ? fallback : undefined));
  const createdAt = stamp(options.createdAtColumn, 'created_at');
  const updatedAt = stamp(options.updatedAtColumn, 'updated_at');
  const defaultOrder = options.defaultOrder ?? {
    column: (createdAt ?? idColumn) as keyof Row & string,
    dir: createdAt ? 'desc' : 'asc',
  };
  const maxLimit = options.maxLimit ?? 100;
  const defaultLimit = Math.min(options.defaultLimit ?? 20, maxLimit);
  const family = sqlFamilyOf(db);
  const table = options.table;

  function column(name: string): Column {
    const col = columns.get(name);
    if (!col) throw invalid(`unknown field ${JSON.stringify(name)}`, { allowed: names });
    return col;
  }

  function encodeRecord(values: object): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      out[name] = encode(column(name), value, family);
    }
    return out;
  }

  function decodeRow(raw: Record<string, unknown>): Row {
    const row: Record<string, unknown> = {};
    for (const col of columns.values()) row[col.name] = decode(col.kind, raw[col.name]);
    return row as Row;
  }

  function filters(where: object | undefined): Array<Expression<SqlBool>> {
    return Object.entries(where ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([name, value]) => {
        const col = column(name);
        if (col.kind === 'json') throw invalid(`${name} (json) cannot be filtered on`);
        const ref = sql.ref(name);
        return value === null
          ? sql<SqlBool>`${ref} is null`
          : sql<SqlBool>`${ref} = ${encode(col, value, family)}`;
      });
  }

  function ordering(orderBy: string | undefined, orderDir: string | undefined) {
    const col = column(orderBy ?? defaultOrder.column);
    const dir = (orderDir ?? (orderBy === undefined ? defaultOrder.dir : 'asc') ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw invalid('orderDir must be asc or desc');
    if (col.kind === 'json') throw invalid(`${col.name} (json) cannot be ordered by`);
    return { col, dir: dir as OrderDir };
  }

  async function findById(id: string): Promise<Row | undefined> {
    if (typeof id !== 'string' || id === '') return undefined;
    const raw = await db.selectFrom(table).select(names).where(idColumn, '=', id).executeTakeFirst();
    return raw ? decodeRow(raw) : undefined;
  }

  async function list(opts: ListOptions<Row> = {}): Promise<Page<Row>> {
    const page = positiveInt(opts.page, 'page', 1);
    if (page < 1) throw invalid('page must be 1 or more');
    const limit = Math.min(Math.max(positiveInt(opts.limit, 'limit', defaultLimit), 1), maxLimit);
    const { col, dir } = ordering(opts.orderBy, opts.orderDir);
    let query = db.selectFrom(table).select(names);
    let counting = db.selectFrom(table).select((eb) => eb.fn.countAll().as('total'));
    for (const condition of filters(opts.where)) {
      query = query.where(condition);
      counting = counting.where(condition);
    }
    // NULLs sort last in both directions on every dialect (each has its own default).
    if (col.nullable) query = query.orderBy(sql`case when ${sql.ref(col.name)} is null then 1 else 0 end`);
    query = query.orderBy(col.name, dir);
    if (col.name !== idColumn) query = query.orderBy(idColumn, 'asc');
    const [rows, count] = await Promise.all([
      query
        .limit(limit)
        .offset((page - 1) * limit)
        .execute(),
      counting.executeTakeFirstOrThrow(),
    ]);
    const total = Number(count.total);
    const totalPages = Math.ceil(total / limit);
    return { rows: rows.map(decodeRow), total, page, limit, totalPages, hasMore: page * limit < total };
  }

  async function create(values: NewRow<Row>): Promise<Row> {
    const record = encodeRecord(values);
    const now = Date.now();
    record[idColumn] ??= randomUUID();
    if (createdAt) record[createdAt] ??= now;
    if (updatedAt) record[updatedAt] ??= now;
    try {
      await db.insertInto(table).values(record).execute();
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('CONFLICT', `${table}: a row with this key already exists`);
      throw err;
    }
    const row = await findById(record[idColumn] as string);
    if (!row) throw new Error(`${table}: inserted row not found`);
    return row;
  }

  async function update(id: string, patch: Partial<Row>): Promise<Row | undefined> {
    const record = encodeRecord(patch);
    if (idColumn in record) throw invalid(`${idColumn} cannot be changed`);
    if (updatedAt && Object.keys(record).length > 0) record[updatedAt] ??= Date.now();
    if (Object.keys(record).length > 0 && typeof id === 'string') {
      try {
        await db.updateTable(table).set(record).where(idColumn, '=', id).execute();
      } catch (err) {
        if (isUniqueViolation(err))
          throw new AppError('CONFLICT', `${table}: a row with this key already exists`);
        throw err;
      }
    }
    return findById(id);
  }

  async function remove(id: string): Promise<boolean> {
    if (typeof id !== 'string' || id === '') return false;
    const result = await db.deleteFrom(table).where(idColumn, '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  return {
    table,
    findById,
    list,
    create,
    update,
    delete: remove,
    withDb: (other) => createRepository<Row>(other, options),
  };
}
