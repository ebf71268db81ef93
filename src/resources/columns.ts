import type { ColumnKind } from '../db/index.js';
import { FlowfullConfigError } from '../errors.js';

/**
 * A typed column builder over the portable column kinds of src/db (schema.ts). Each call returns a
 * new builder whose type records the kind, nullability and default, so the row, insert and update
 * types of a resource follow from its definition and a value of the wrong kind does not compile.
 */

/** The JavaScript value of each kind, as the repository reads it back. */
export interface KindValues {
  id: string;
  string: string;
  text: string;
  integer: number;
  number: number;
  boolean: boolean;
  date: Date;
  json: unknown;
}

/** What a write may pass: dates also as an ISO-8601 string or epoch milliseconds. */
export interface KindInputs extends Omit<KindValues, 'date'> {
  date: Date | string | number;
}

export interface ColumnFlags {
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly defaultValue: unknown;
  readonly hasDefault: boolean;
  /** varchar length (string, id) or the longest accepted text. */
  readonly maxLength: number | undefined;
  readonly minLength: number;
  readonly filterable: boolean;
  readonly sortable: boolean;
  readonly searchable: boolean;
  /** The migration that added this column after the table was created (see docs/resources.md). */
  readonly addedIn: string | undefined;
  readonly description: string | undefined;
}

/** Default upper bound of a `text` column's input: large text belongs in object storage. */
export const DEFAULT_TEXT_MAX = 65_535;
const STRING_KINDS: ReadonlySet<ColumnKind> = new Set(['id', 'string', 'text']);

export class ColumnBuilder<K extends ColumnKind, N extends boolean = false, D extends boolean = false> {
  /** Type-level only: lets the resource types read the kind, nullability and default. */
  declare readonly __types: { kind: K; nullable: N; hasDefault: D };
  readonly flags: ColumnFlags;

  constructor(flags: ColumnFlags) {
    this.flags = Object.freeze({ ...flags });
  }

  private with<N2 extends boolean = N, D2 extends boolean = D>(
    patch: Partial<ColumnFlags>,
  ): ColumnBuilder<K, N2, D2> {
    return new ColumnBuilder<K, N2, D2>({ ...this.flags, ...patch });
  }

  /** NULL allowed (and the default when a write leaves it out). */
  nullable(): ColumnBuilder<K, true, D> {
    return this.with<true, D>({ nullable: true });
  }

  /** Filled in by create() when the input leaves it out (by the resource layer, not a SQL DEFAULT). */
  default(value: KindInputs[K]): ColumnBuilder<K, N, true> {
    return this.with<N, true>({ defaultValue: value, hasDefault: true });
  }

  /** Clients may filter on it (`field:op=value`). */
  filterable(): ColumnBuilder<K, N, D> {
    return this.with({ filterable: true });
  }

  /** Clients may order by it (`orderBy`, `sort`). */
  sortable(): ColumnBuilder<K, N, D> {
    return this.with({ sortable: true });
  }

  /** `/search?q=` looks in it (string and text columns). */
  searchable(): ColumnBuilder<K, N, D> {
    if (!STRING_KINDS.has(this.flags.kind) || this.flags.kind === 'id')
      throw new FlowfullConfigError(
        `column.searchable(): only string and text columns, not ${this.flags.kind}`,
      );
    return this.with({ searchable: true });
  }

  /** Shortest accepted input (string kinds). */
  min(length: number): ColumnBuilder<K, N, D> {
    if (!Number.isInteger(length) || length < 0)
      throw new FlowfullConfigError('column.min(): expected a non-negative integer');
    return this.with({ minLength: length });
  }

  /** Longest accepted text input (text columns; string columns use their varchar length). */
  max(length: number): ColumnBuilder<K, N, D> {
    if (!Number.isInteger(length) || length < 1)
      throw new FlowfullConfigError('column.max(): expected a positive integer');
    return this.with({ maxLength: length });
  }

  /** The column was added after the table existed, by the migration of this name. */
  addedIn(migration: string): ColumnBuilder<K, N, D> {
    return this.with({ addedIn: migration });
  }

  /** Shown in the OpenAPI document. */
  describe(text: string): ColumnBuilder<K, N, D> {
    return this.with({ description: text });
  }
}

function make<K extends ColumnKind>(kind: K, maxLength?: number): ColumnBuilder<K> {
  return new ColumnBuilder<K>({
    kind,
    nullable: false,
    defaultValue: undefined,
    hasDefault: false,
    maxLength,
    minLength: 0,
    filterable: false,
    sortable: false,
    searchable: false,
    addedIn: undefined,
    description: undefined,
  });
}

/** The column kinds of a resource definition (see src/db/schema.ts for their SQL types). */
export const column = {
  /** varchar(36): another resource's id. */
  id: () => make('id', 36),
  /** varchar(length), length 1..1000 (default 255). */
  string: (length = 255) => {
    if (!Number.isInteger(length) || length < 1 || length > 1000)
      throw new FlowfullConfigError('column.string(length): expected an integer from 1 to 1000');
    return make('string', length);
  },
  text: () => make('text', DEFAULT_TEXT_MAX),
  integer: () => make('integer'),
  number: () => make('number'),
  boolean: () => make('boolean'),
  date: () => make('date'),
  json: () => make('json'),
};

// biome-ignore lint/suspicious/noExplicitAny: any builder
export type AnyColumn = ColumnBuilder<ColumnKind, any, any>;
export type ColumnMap = Record<string, AnyColumn>;

type ValueOf<C> =
  C extends ColumnBuilder<infer K, infer N, infer _D>
    ? KindValues[K] | (N extends true ? null : never)
    : never;
type InputOf<C> =
  C extends ColumnBuilder<infer K, infer N, infer _D>
    ? KindInputs[K] | (N extends true ? null : never)
    : never;
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Columns every resource has: a generated id and the two timestamps. */
export interface AutoRow {
  id: string;
  created_at: Date;
  updated_at: Date;
}

/** A row as read back. */
export type RowOf<C extends ColumnMap> = Simplify<AutoRow & { -readonly [K in keyof C]: ValueOf<C[K]> }>;

type OptionalKeys<C extends ColumnMap> = {
  [K in keyof C]: C[K]['__types']['nullable'] extends true
    ? K
    : C[K]['__types']['hasDefault'] extends true
      ? K
      : never;
}[keyof C];
type RequiredKeys<C extends ColumnMap> = Exclude<keyof C, OptionalKeys<C>>;

/** What create() takes: required columns, optional ones, and never the generated ones. */
export type InsertOf<C extends ColumnMap> = Simplify<
  { -readonly [K in RequiredKeys<C>]: InputOf<C[K]> } & { -readonly [K in OptionalKeys<C>]?: InputOf<C[K]> }
>;

/** What update() takes: any subset of the columns. */
export type UpdateOf<C extends ColumnMap> = Simplify<{ -readonly [K in keyof C]?: InputOf<C[K]> }>;

export function isStringKind(kind: ColumnKind): boolean {
  return STRING_KINDS.has(kind);
}
