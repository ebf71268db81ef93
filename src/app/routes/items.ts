import { Hono } from 'hono';
import { z } from 'zod';
import { optionalAuth, requireAuth } from '../../auth/index.js';
import { ok } from '../../http/index.js';
import type { AppRepositories } from '../repositories.js';
import { pageQuery, readBody } from '../validation.js';

const NewItem = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().max(10_000).nullish(),
  is_public: z.boolean().optional(),
});

/**
 * The seed's optionalAuth example: guests see public items, a signed-in user sees their own.
 * Lists answer in the Bridge API shape: `data` is the rows, `meta` the paging.
 */
export function itemRoutes(repos: AppRepositories): Hono {
  const routes = new Hono();

  routes.get('/api/v1/items', optionalAuth(), async (c) => {
    const where = c.get('is_guest') ? { is_public: true } : { owner_id: c.get('user_id') };
    const { rows, ...meta } = await repos.items.list({ ...pageQuery(c), where });
    return ok(c, rows, { meta });
  });

  routes.post('/api/v1/items', requireAuth(), async (c) => {
    const input = await readBody(c, NewItem);
    const item = await repos.items.create({
      owner_id: c.get('user_id'),
      title: input.title,
      body: input.body ?? null,
      is_public: input.is_public ?? false,
    });
    return ok(c, item, { status: 201 });
  });

  return routes;
}
