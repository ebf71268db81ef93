import { Hono } from 'hono';
import { z } from 'zod';
import { optionalAuth, requireAuth } from '../../auth/index.js';
import { listValidator, type Scope } from '../../resources/index.js';
import type { AppRepositories } from '../repositories.js';
import { items } from '../resources.js';
import { readBody } from '../validation.js';

const NewItem = z.object({
  title: z.string().trim().min(1).max(200),
  body: z.string().max(10_000).nullish(),
  is_public: z.boolean().optional(),
});

/**
 * The seed's optionalAuth example, kept beside the generated `/bridge/items`: guests see public
 * items, a signed-in user sees their own. The list takes the Bridge API query (paging, ordering,
 * filters, 400 on an unknown one) and answers in its shape: `data` the rows, `meta` the paging.
 */
export function itemRoutes(repos: AppRepositories) {
  return new Hono()
    .get('/api/v1/items', optionalAuth(), listValidator(items), async (c) => {
      const scope: Scope = c.get('is_guest')
        ? { kind: 'public' }
        : { kind: 'owner', userId: c.get('user_id'), includePublic: false };
      const { rows, page, limit, total, totalPages, hasMore } = await repos.items.list(
        c.req.valid('query'),
        scope,
      );
      return c.json(
        { success: true as const, data: rows, meta: { page, limit, total, totalPages, hasMore } },
        200,
      );
    })
    .post('/api/v1/items', requireAuth(), async (c) => {
      const input = await readBody(c, NewItem);
      const item = await repos.items.create({
        owner_id: c.get('user_id'),
        title: input.title,
        body: input.body ?? null,
        is_public: input.is_public ?? false,
      });
      return c.json({ success: true as const, data: item }, 201);
    });
}
