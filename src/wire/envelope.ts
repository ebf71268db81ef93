import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorEnvelope } from '../errors.js';

/**
 * The response envelope `@pubflow/core` expects (protocol section 4):
 * success `{success: true, data, meta?, user_context?}`, failure `{success: false, error: "<message>", code}`.
 * The client exposes `user_context` as `userContext` (protocol section 6).
 */
export interface SuccessBody<T> {
  success: true;
  data: T;
  meta?: Record<string, unknown>;
  user_context?: Record<string, unknown>;
}

export interface OkOptions {
  status?: ContentfulStatusCode;
  meta?: Record<string, unknown>;
  /** Sent as top-level `user_context` (see okWithUserContext in the auth module for the usual one). */
  userContext?: Record<string, unknown>;
}

/** Defined beside the error catalogue, which AppError.getResponse() answers with too. */
export type ErrorBody = ErrorEnvelope;

export function ok<T>(c: Context, data: T, options: OkOptions = {}): Response {
  const body: SuccessBody<T> = { success: true, data };
  if (options.meta) body.meta = options.meta;
  if (options.userContext) body.user_context = options.userContext;
  return c.json(body, options.status ?? 200);
}
