import type { MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { upsertUser } from '../auth/index.js';
import type { Logger } from '../log/logger.js';

/**
 * Flowless owns users and has no "look up a user by id" call a backend could make, so the starter
 * records, on demand, each user it serves: after a user's first authenticated request (per process)
 * the local `users` row is written if it is missing. That is what DELETE /api/v1/admin/users/:id
 * finds. USER_SYNC_ENABLED=true goes further and keeps every row current (profile changes, every
 * USER_SYNC_INTERVAL seconds); this only makes sure the row exists.
 */
export function recordUsers(
  // biome-ignore lint/suspicious/noExplicitAny: the users table belongs to the auth module
  db: Kysely<any>,
  logger: Logger,
  options: { maxTracked?: number } = {},
): MiddlewareHandler {
  const recorded = new LRUCache<string, true>({ max: options.maxTracked ?? 10_000 });
  return async (c, next) => {
    await next();
    if (c.get('is_guest') !== false) return;
    const session = c.get('session');
    if (recorded.has(session.user_id)) return;
    try {
      const row = await db
        .selectFrom('users')
        .select('id')
        .where('id', '=', session.user_id)
        .executeTakeFirst();
      if (!row) await upsertUser(db, 'users', session);
      recorded.set(session.user_id, true);
    } catch (err) {
      // The request itself succeeded; the row is tried again on the user's next request.
      logger.warn(
        { code: (err as { code?: unknown })?.code ?? 'unknown' },
        'could not record the user locally',
      );
    }
  };
}
