import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { okWithUserContext, requireAuth, requireUserType } from '../../auth/index.js';
import { AppError } from '../../errors.js';
import { ok } from '../../http/index.js';

/** The signed-in user's profile, straight from the validated session. */
export function meRoutes(): Hono {
  const routes = new Hono();
  routes.get('/api/v1/me', requireAuth(), (c) => {
    const session = c.get('session');
    return okWithUserContext(c, {
      user: c.get('user'),
      session: { user_id: session.user_id, user_type: session.user_type, expires_at: session.expires_at },
    });
  });
  return routes;
}

/**
 * Administration: removes a user from the local `users` table, where the starter records every user
 * it has served (see users.ts; USER_SYNC_ENABLED keeps the rows current as well).
 */
// biome-ignore lint/suspicious/noExplicitAny: the users table belongs to the auth module
export function adminRoutes(db: Kysely<any>): Hono {
  const routes = new Hono();
  routes.delete(
    '/api/v1/admin/users/:id',
    requireAuth(),
    requireUserType(['admin', 'super_admin']),
    async (c) => {
      const id = c.req.param('id');
      const result = await db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new AppError('NOT_FOUND', 'User not found');
      return ok(c, { id, deleted: true });
    },
  );
  return routes;
}
