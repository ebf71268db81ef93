import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorEnvelope } from '../errors.js';

/**
 * The response envelope `@pubflow/core` expects (protocol section 4):
 * success `{success: true, data, meta?}`, failure `{success: false, error: "<message>", code}`.
 */
export interface SuccessBody<T> {
  success: true;
  data: T;
  meta?: Record<string, unknown>;
}

/** Defined beside the error catalogue, which AppError.getResponse() answers with too. */
export type ErrorBody = ErrorEnvelope;

export function ok<T>(
  c: Context,
  data: T,
  options: { status?: ContentfulStatusCode; meta?: Record<string, unknown> } = {},
): Response {
  const body: SuccessBody<T> = options.meta
    ? { success: true, data, meta: options.meta }
    : { success: true, data };
  return c.json(body, options.status ?? 200);
}
