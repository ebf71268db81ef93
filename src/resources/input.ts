import type { Context, MiddlewareHandler } from 'hono';
import { validator } from 'hono/validator';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { ColumnMap, InsertOf, UpdateOf } from './columns.js';
import type { Resource, ResourceColumn } from './define.js';
import { type ListQuery, parseListQuery, type QueryLimits } from './query.js';

/**
 * Create and update bodies validated from the definition: unknown fields refused, kinds checked,
 * lengths bounded, dates as ISO 8601 or epoch milliseconds. The owner column is never client input
 * (the route fills it from the session), nor are id and the timestamps.
 */

const dateInput = z
  .union([z.iso.datetime({ offset: true }), z.iso.date(), z.number().int().min(0).max(8.64e15)])
  .transform((v) => new Date(typeof v === 'number' ? v : Date.parse(v)));

export function columnSchema(col: ResourceColumn): z.ZodType {
  let s: z.ZodType;
  switch (col.kind) {
    case 'id':
    case 'string':
    case 'text':
      s = z
        .string()
        .min(col.minLength)
        .max(col.maxLength ?? 255);
      break;
    case 'integer':
      s = z.int();
      break;
    case 'number':
      s = z.number();
      break;
    case 'boolean':
      s = z.boolean();
      break;
    case 'date':
      s = dateInput;
      break;
    case 'json':
      s = z.json();
      break;
  }
  return col.nullable ? s.nullable() : s;
}

/** The columns a client may write. */
export function writableColumns(resource: Resource): ResourceColumn[] {
  return [...resource.columns.values()].filter((c) => !c.auto && c.name !== resource.owner);
}

export function createSchema(resource: Resource): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const c of writableColumns(resource)) {
    const s = columnSchema(c);
    shape[c.name] = c.nullable || c.hasDefault ? s.optional() : s;
  }
  return z.strictObject(shape);
}

export function updateSchema(resource: Resource): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const c of writableColumns(resource)) shape[c.name] = columnSchema(c).optional();
  return z
    .strictObject(shape)
    .refine((v) => Object.keys(v as object).length > 0, { message: 'Nothing to update' });
}

/** A zod failure as the 400 envelope, naming the first offending field in the message the client shows. */
export function validationError(error: z.ZodError): AppError {
  const fields = error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((k) => ({ field: k.slice(0, 64), message: 'Unknown field' }))
      : [{ field: i.path.join('.'), message: i.message }],
  );
  const first = fields[0];
  const message = first
    ? first.field
      ? `Invalid request body: ${first.field}: ${first.message}`
      : `Invalid request body: ${first.message}`
    : 'Invalid request body';
  return new AppError('VALIDATION_FAILED', message, { details: { fields } });
}

function jsonBody<T>(schema: z.ZodType) {
  return validator('json', (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      throw new AppError('VALIDATION_FAILED', 'Request body must be a JSON object');
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw validationError(parsed.error);
    return parsed.data as T;
  });
}

/** Hono validators: the handler reads `c.req.valid('json')` typed as the resource's insert. */
export function createValidator<C extends ColumnMap>(resource: Resource<C>) {
  return jsonBody<InsertOf<C>>(createSchema(resource));
}

export function updateValidator<C extends ColumnMap>(resource: Resource<C>) {
  return jsonBody<UpdateOf<C>>(updateSchema(resource));
}

/** The raw query string of a request (what follows `?`), without decoding it twice. */
export function rawQuery(c: Context): string {
  const url = c.req.url;
  const at = url.indexOf('?');
  return at < 0 ? '' : url.slice(at + 1);
}

/** `c.req.valid('query')` is the parsed ListQuery. */
export function listValidator(
  resource: Resource,
  options: { search?: boolean; limits?: QueryLimits } = {},
): MiddlewareHandler<
  // biome-ignore lint/suspicious/noExplicitAny: any environment
  any,
  string,
  { in: { query: BridgeQueryInput }; out: { query: ListQuery } }
> {
  // Hono's validator('query') would first parse the query into a record this parser does not use;
  // this does what it does (addValidatedData) with one parse. Typed by hand for the RPC client.
  return async (c, next) => {
    c.req.addValidatedData('query', parseListQuery(resource, rawQuery(c), options) as never);
    await next();
  };
}

/** What a typed client (`hc`) may send: page, limit, orderBy, orderDir, sort, fields, q and `field:op` keys. */
export type BridgeQueryInput = Partial<Record<string, string | string[]>>;
