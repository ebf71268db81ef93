import { MIGRATION_NAME_PATTERN, type OrderDir } from '../db/index.js';
import { FlowfullConfigError } from '../errors.js';
import {
  type ColumnFlags,
  type ColumnMap,
  column,
  type InsertOf,
  isStringKind,
  type RowOf,
  type UpdateOf,
} from './columns.js';

/** Who may run an operation. `owner`: signed in, and only on rows whose owner column is the user. */
export type Access = 'public' | 'authenticated' | 'owner' | { userTypes: readonly string[] };
export type Operation = 'list' | 'read' | 'create' | 'update' | 'delete';
export const OPERATIONS: readonly Operation[] = ['list', 'read', 'create', 'update', 'delete'];

export interface ResourceDefinition<C extends ColumnMap> {
  /** The entity in `/bridge/{name}`: lower-case letters, digits and `_` (a `-` is allowed too). */
  name: string;
  /** Default: the name with `-` as `_`. */
  table?: string;
  /** The migration that creates the table, named like `2026_12_02_0001_create_notes`. Never rename it. */
  createdIn: string;
  /** Every column but `id`, `created_at` and `updated_at`, which every resource has. */
  columns: C;
  /** The column holding the owning user's id: writes fill it from the session; `owner` access filters on it. */
  owner?: keyof C & string;
  /** A boolean column: rows where it is true are readable (list, read, search) by anyone. */
  publicWhen?: keyof C & string;
  /** Per operation; default `owner` for every operation with an owner column, else `authenticated`. */
  access?: Partial<Record<Operation, Access>>;
  /** User types that see and change every row under `owner` access. Default admin, super_admin. */
  adminUserTypes?: readonly string[];
  /** Default `created_at desc`. */
  defaultOrder?: { column: string; dir?: OrderDir };
  /** Page size when the client sends none (default 20) and the largest accepted (default 100). */
  defaultLimit?: number;
  maxLimit?: number;
  /** Cache one-row reads and list pages in HybridCache (opt in); ttl in seconds, default 60. */
  cache?: boolean | { ttl?: number };
  /** Extra indexes by name, created with the table (`{items_owner_idx: ['owner_id', 'created_at']}`). */
  indexes?: Record<string, readonly string[]>;
  /** Shown in the OpenAPI document. */
  description?: string;
}

/** One column of a resource at run time. */
export interface ResourceColumn extends ColumnFlags {
  readonly name: string;
  /** id, created_at, updated_at. */
  readonly auto: boolean;
  /** Its lower-cased shadow column, for case-insensitive contains/sw/ew and search. */
  readonly shadow: string | undefined;
}

export interface Resource<C extends ColumnMap = ColumnMap> {
  readonly name: string;
  readonly table: string;
  readonly createdIn: string;
  /** Public columns in order: id, the defined ones, created_at, updated_at. */
  readonly columns: ReadonlyMap<string, ResourceColumn>;
  readonly columnNames: readonly string[];
  readonly owner: string | undefined;
  readonly publicWhen: string | undefined;
  readonly access: Readonly<Record<Operation, Access>>;
  readonly adminUserTypes: ReadonlySet<string>;
  readonly defaultOrder: { column: string; dir: OrderDir };
  readonly defaultLimit: number;
  readonly maxLimit: number;
  /** Seconds; undefined: not cached. */
  readonly cacheTtl: number | undefined;
  readonly indexes: Readonly<Record<string, readonly string[]>>;
  readonly description: string | undefined;
  /** Type-level only (undefined at run time): `typeof notes.$row` etc. */
  readonly $row: RowOf<C>;
  readonly $insert: InsertOf<C>;
  readonly $update: UpdateOf<C>;
}

/** The column map of a resource: `ResourceRepository<ColumnsOf<typeof items>>`. */
export type ColumnsOf<R> = R extends Resource<infer C> ? C : never;

const NAME = /^[a-z][a-z0-9_-]{0,62}$/;
const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;
/** The suffix of shadow columns; a defined column may not end with it. */
export const SHADOW_SUFFIX = '__ci';
const AUTO = ['id', 'created_at', 'updated_at'] as const;
/** The client unwraps these (protocol section 5), and `search` is a route. */
const RESERVED = new Set(['data', 'rows', 'search']);

function fail(resource: string, message: string): never {
  throw new FlowfullConfigError(`defineResource(${JSON.stringify(resource)}): ${message}`);
}

function checkAccess(name: string, op: string, access: unknown): Access {
  if (access === 'public' || access === 'authenticated' || access === 'owner') return access;
  const types = (access as { userTypes?: unknown } | null)?.userTypes;
  if (Array.isArray(types) && types.length > 0 && types.every((t) => typeof t === 'string' && t !== ''))
    return { userTypes: [...types] };
  return fail(name, `access.${op} must be public, authenticated, owner or {userTypes: [...]}`);
}

function autoColumns(): Record<string, ColumnFlags> {
  return {
    id: column.id().filterable().sortable().flags,
    created_at: column.date().filterable().sortable().flags,
    updated_at: column.date().filterable().sortable().flags,
  };
}

/**
 * One definition gives the table (migrations.ts), the typed repository (repository.ts), the
 * validated input (input.ts), the Bridge API routes (routes.ts) and the OpenAPI part (openapi.ts).
 * Options are checked here, so a mistake fails at start-up naming the option.
 */
export function defineResource<const C extends ColumnMap>(definition: ResourceDefinition<C>): Resource<C> {
  const name = definition?.name;
  if (typeof name !== 'string' || !NAME.test(name))
    throw new FlowfullConfigError('defineResource: name must be lower-case letters, digits, _ or -');
  if (RESERVED.has(name)) fail(name, 'name is reserved');
  const table = definition.table ?? name.replaceAll('-', '_');
  if (!IDENTIFIER.test(table)) fail(name, 'table must be a lower-case identifier');
  if (typeof definition.createdIn !== 'string' || !MIGRATION_NAME_PATTERN.test(definition.createdIn))
    fail(name, 'createdIn must be a migration name like 2026_12_02_0001_create_notes');

  const columns = new Map<string, ResourceColumn>();
  const add = (col: string, flags: ColumnFlags, auto: boolean) => {
    const shadow =
      isStringKind(flags.kind) && flags.kind !== 'id' && (flags.searchable || flags.filterable)
        ? `${col}${SHADOW_SUFFIX}`
        : undefined;
    columns.set(col, Object.freeze({ ...flags, name: col, auto, shadow }));
  };
  const auto = autoColumns();
  add('id', auto.id!, true);
  for (const [col, builder] of Object.entries(definition.columns ?? {})) {
    if (!IDENTIFIER.test(col)) fail(name, `column ${JSON.stringify(col)} must be a lower-case identifier`);
    if ((AUTO as readonly string[]).includes(col)) fail(name, `column ${col} is added to every resource`);
    if (RESERVED.has(col)) fail(name, `column ${col} is reserved (the client unwraps data and rows)`);
    if (col.endsWith(SHADOW_SUFFIX)) fail(name, `column ${col} may not end with ${SHADOW_SUFFIX}`);
    const flags = (builder as { flags?: ColumnFlags })?.flags;
    if (!flags) fail(name, `column ${col} must be built with column.<kind>()`);
    if (flags.addedIn !== undefined && !MIGRATION_NAME_PATTERN.test(flags.addedIn))
      fail(name, `column ${col}: addedIn must be a migration name`);
    if (flags.kind === 'json' && (flags.filterable || flags.sortable))
      fail(name, `column ${col}: json columns cannot be filtered or sorted`);
    add(col, flags, false);
  }
  add('created_at', auto.created_at!, true);
  add('updated_at', auto.updated_at!, true);

  const owner = definition.owner;
  if (owner !== undefined) {
    const col = columns.get(owner);
    if (!col || col.auto || !isStringKind(col.kind) || col.kind === 'text')
      fail(name, 'owner must name a string or id column');
  }
  const publicWhen = definition.publicWhen;
  if (publicWhen !== undefined && columns.get(publicWhen)?.kind !== 'boolean')
    fail(name, 'publicWhen must name a boolean column');

  const fallback: Access = owner ? 'owner' : 'authenticated';
  const access = {} as Record<Operation, Access>;
  for (const op of OPERATIONS) access[op] = checkAccess(name, op, definition.access?.[op] ?? fallback);
  for (const op of OPERATIONS)
    if (access[op] === 'owner' && !owner) fail(name, `access.${op} is owner but no owner column is named`);

  const order = definition.defaultOrder ?? { column: 'created_at', dir: 'desc' };
  if (!columns.has(order.column)) fail(name, `defaultOrder.column ${order.column} is not a column`);
  if (order.dir !== undefined && order.dir !== 'asc' && order.dir !== 'desc')
    fail(name, 'defaultOrder.dir must be asc or desc');
  const maxLimit = definition.maxLimit ?? 100;
  const defaultLimit = definition.defaultLimit ?? Math.min(20, maxLimit);
  if (!Number.isInteger(maxLimit) || maxLimit < 1 || maxLimit > 1000) fail(name, 'maxLimit must be 1..1000');
  if (!Number.isInteger(defaultLimit) || defaultLimit < 1 || defaultLimit > maxLimit)
    fail(name, 'defaultLimit must be 1..maxLimit');
  const cache = definition.cache;
  const cacheTtl = cache === true ? 60 : cache ? (cache.ttl ?? 60) : undefined;
  if (cacheTtl !== undefined && (!Number.isInteger(cacheTtl) || cacheTtl < 1))
    fail(name, 'cache.ttl must be a positive integer (seconds)');
  const indexes = definition.indexes ?? {};
  for (const [index, cols] of Object.entries(indexes)) {
    if (!IDENTIFIER.test(index)) fail(name, `index ${index} must be a lower-case identifier`);
    if (!Array.isArray(cols) || cols.length === 0 || cols.some((c) => !columns.has(c)))
      fail(name, `index ${index} must list existing columns`);
  }
  const admins = definition.adminUserTypes ?? ['admin', 'super_admin'];

  return Object.freeze({
    name,
    table,
    createdIn: definition.createdIn,
    columns,
    columnNames: [...columns.keys()],
    owner,
    publicWhen,
    access: Object.freeze(access),
    adminUserTypes: new Set(admins),
    defaultOrder: { column: order.column, dir: order.dir ?? 'asc' },
    defaultLimit,
    maxLimit,
    cacheTtl,
    indexes,
    description: definition.description,
  }) as unknown as Resource<C>;
}
