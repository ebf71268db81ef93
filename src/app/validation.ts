import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { readJsonObject } from '../http/index.js';

/** Reads the JSON body and validates it; a mismatch is 400 VALIDATION_FAILED listing each field. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const parsed = schema.safeParse(await readJsonObject(c));
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
    throw new AppError('VALIDATION_FAILED', 'Invalid request body', { details: { fields } });
  }
  return parsed.data;
}

/** page/limit/orderBy/orderDir from the query, as the Pubflow clients send them. */
export function pageQuery(c: Context): {
  page?: number;
  limit?: number;
  orderBy?: string;
  orderDir?: string;
} {
  const int = (name: string) => {
    const raw = c.req.query(name);
    if (raw === undefined) return undefined;
    if (!/^\d{1,6}$/.test(raw))
      throw new AppError('VALIDATION_FAILED', `Query parameter ${name} must be a positive integer`);
    return Number(raw);
  };
  return {
    page: int('page'),
    limit: int('limit'),
    orderBy: c.req.query('orderBy'),
    orderDir: c.req.query('orderDir'),
  };
}
