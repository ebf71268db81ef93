import type { Context } from 'hono';
import { type OkOptions, ok } from '../wire/envelope.js';

/**
 * The `user_context` of a response (`userContext` in `@pubflow/core`): who the answer was computed
 * for, so a client can tell a guest answer from a signed-in one without a second call. The app adds
 * its own fields with `extra`; they cannot replace the user id or type, which come from the
 * validated session only.
 */
export function userContextOf(c: Context, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const session = c.get('session');
  return {
    ...extra,
    user_id: session?.user_id ?? null,
    user_type: session?.user_type ?? null,
    is_guest: session === undefined,
  };
}

/** `ok(c, data)` with top-level `user_context` built by userContextOf (status and meta pass through). */
export function okWithUserContext<T>(
  c: Context,
  data: T,
  extra?: Record<string, unknown>,
  options: Omit<OkOptions, 'userContext'> = {},
): Response {
  return ok(c, data, { ...options, userContext: userContextOf(c, extra) });
}
