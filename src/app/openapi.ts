import { createOpenApiDocument, type OpenApiRoute } from '../resources/index.js';
import { appResources, items } from './resources.js';

/**
 * The starter's routes that are not resources, described for `/openapi.json`. A test compares the
 * document with the router: a route added without its entry here fails it.
 */
const object = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({
  type: 'object',
  required,
  properties,
});
const str = { type: 'string' };
const item = { $ref: '#/components/schemas/Items' };

export const starterRoutes: readonly OpenApiRoute[] = [
  {
    method: 'get',
    path: '/health',
    tag: 'health',
    summary: 'Liveness',
    data: object({ status: { const: 'ok' } }),
  },
  {
    method: 'get',
    path: '/health/ready',
    tag: 'health',
    summary: 'Readiness: database, Redis, Flowless (503 when a critical one is down)',
    data: object({ status: str, components: { type: 'object' } }),
    errors: [503],
  },
  {
    method: 'post',
    path: '/flowfull/hooks/session-revoked',
    tag: 'auth',
    summary: 'Flowless revokes sessions: their cached validations are dropped on every instance',
    auth: 'bridge-secret',
    body: object({ session_id: str, session_ids: { type: 'array', items: str } }, []),
    data: object({ revoked: { type: 'integer' } }),
    errors: [401],
  },
  {
    method: 'post',
    path: '/api/v1/auth/logout',
    tag: 'auth',
    summary: 'Ends the session at Flowless and forgets it here',
    auth: 'session',
    errors: [401, 503],
  },
  {
    method: 'get',
    path: '/api/v1/me',
    tag: 'me',
    summary: 'The signed-in user and session',
    auth: 'session',
    data: object({ user: { type: 'object' }, session: { type: 'object' } }),
    errors: [401, 503],
  },
  {
    method: 'get',
    path: '/api/v1/items',
    tag: 'items',
    summary: 'Guests: public items; signed in: your own (Bridge API query: paging, ordering, filters)',
    auth: 'optional',
    query: [
      { name: 'page', schema: { type: 'integer', minimum: 1 } },
      { name: 'limit', schema: { type: 'integer', minimum: 1, maximum: items.maxLimit } },
      { name: 'orderBy', schema: str },
      { name: 'orderDir', schema: { type: 'string', enum: ['asc', 'desc'] } },
    ],
    data: { type: 'array', items: item },
  },
  {
    method: 'post',
    path: '/api/v1/items',
    tag: 'items',
    summary: 'Create an item',
    auth: 'session',
    body: object(
      {
        title: { type: 'string', minLength: 1, maxLength: 200 },
        body: { type: ['string', 'null'] },
        is_public: { type: 'boolean' },
      },
      ['title'],
    ),
    data: item,
    status: 201,
    errors: [401],
  },
  {
    method: 'post',
    path: '/api/v1/organizations',
    tag: 'organizations',
    summary: 'Create an organisation; you become its owner',
    auth: 'session',
    body: object({ name: { type: 'string', minLength: 1, maxLength: 200 } }),
    data: { type: 'object' },
    status: 201,
    errors: [401],
  },
  {
    method: 'post',
    path: '/api/v1/organizations/:id/invitations',
    tag: 'organizations',
    summary: 'Invite an email address (owners and admins): a single-use trust token',
    auth: 'session',
    body: object(
      { email: { type: 'string', format: 'email' }, role: { type: 'string', enum: ['member', 'admin'] } },
      ['email'],
    ),
    data: object({ token: str, expires_at: { type: 'string', format: 'date-time' } }),
    status: 201,
    errors: [401, 403, 404],
  },
  {
    method: 'post',
    path: '/api/v1/invitations/accept',
    tag: 'organizations',
    summary: 'Accept an invitation sent to your email',
    auth: 'session',
    body: object({ token: str }),
    data: { type: 'object' },
    status: 201,
    errors: [401, 403, 409],
  },
  {
    method: 'delete',
    path: '/api/v1/admin/users/:id',
    tag: 'admin',
    summary: 'Remove a user from the local users table (admin, super_admin)',
    auth: 'session',
    data: object({ id: str, deleted: { const: true } }),
    errors: [401, 403, 404],
  },
  { method: 'get', path: '/openapi.json', tag: 'reference', summary: 'This document' },
];

/** The page at `/docs` (development) and its assets, served from the swagger-ui-dist package. */
export const docsRoutes: readonly OpenApiRoute[] = [
  '/docs',
  '/docs/init.js',
  '/docs/swagger-ui-bundle.js',
  '/docs/swagger-ui.css',
].map((path) => ({
  method: 'get' as const,
  path,
  tag: 'reference',
  summary: 'Interactive API reference (development only)',
}));

export function starterOpenApiDocument(options: { version: string; basePath: string; docs: boolean }) {
  return createOpenApiDocument({
    title: 'Flowfull starter API',
    version: options.version,
    description:
      'Sessions are issued by Flowless and sent as X-Session-ID. `/bridge/{entity}` is the Bridge API of `@pubflow/core`.',
    resources: appResources,
    basePath: options.basePath,
    routes: [...starterRoutes, ...(options.docs ? docsRoutes : [])],
  });
}
