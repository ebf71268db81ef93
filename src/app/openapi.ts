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
    // The envelope plus `user_context` (`userContext` in @pubflow/core): okWithUserContext.
    response: object(
      {
        success: { const: true },
        data: object({ user: { type: 'object' }, session: { type: 'object' } }),
        user_context: object({ user_id: str, user_type: str, is_guest: { type: 'boolean' } }),
      },
      ['success', 'data', 'user_context'],
    ),
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

const GATEWAY_TAG = 'auth (gateway)';
const session = { type: 'object' };
const sessionAnswer = object(
  {
    success: { const: true },
    session_id: str,
    sessionId: str,
    expires_at: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    user: { type: 'object' },
  },
  ['success', 'session_id', 'expires_at'],
);
const done = object({ success: { const: true } });

/**
 * The Flowless routes a Pubflow client calls that the auth gateway forwards (AUTH_GATEWAY_ENABLED):
 * Flowless's answers pass through unchanged, so they are described as Flowless gives them, not in the
 * envelope. The gateway serves its whole prefix with one route; these are the ones clients rely on.
 */
export function gatewayRoutes(prefix: string): OpenApiRoute[] {
  const at = (path: string) => `${prefix}${path}`;
  return [
    {
      method: 'post',
      path: at('/login'),
      tag: GATEWAY_TAG,
      summary: 'Sign in at Flowless: a session id (also set as the session cookie)',
      body: object({ email: str, userName: str, password: str }, ['password']),
      response: sessionAnswer,
      errors: [401, 403, 503],
    },
    {
      method: 'post',
      path: at('/register'),
      tag: GATEWAY_TAG,
      summary: 'Create an account at Flowless',
      body: object({ email: str, password: str, name: str, lastName: str, userName: str }, [
        'email',
        'password',
      ]),
      response: object({ success: { const: true }, data: { type: 'object' } }),
      errors: [409, 503],
    },
    {
      method: 'post',
      path: at('/logout'),
      tag: GATEWAY_TAG,
      summary: 'End the session at Flowless; every instance of Flowfull forgets it before the answer',
      auth: 'session',
      response: done,
      errors: [401, 503],
    },
    {
      method: 'get',
      path: at('/validation'),
      tag: GATEWAY_TAG,
      summary:
        'The session check of @pubflow/core (401 "Invalid session" / "Session expired" signs the client out)',
      auth: 'session',
      response: object(
        { success: { const: true }, user: { type: 'object' }, session, expires_at: str, expiresAt: str },
        ['success', 'user'],
      ),
      errors: [401, 503],
    },
    {
      method: 'post',
      path: at('/refresh'),
      tag: GATEWAY_TAG,
      summary: 'A new session id in place of the current one (the old one is forgotten everywhere)',
      auth: 'session',
      response: sessionAnswer,
      errors: [401, 503],
    },
    {
      method: 'post',
      path: at('/password-reset/request'),
      tag: GATEWAY_TAG,
      summary: 'Send a password-reset mail (answers the same whether or not the address exists)',
      body: object({ email: { type: 'string', format: 'email' }, resetUrl: str }, ['email']),
      response: done,
      errors: [503],
    },
    {
      method: 'get',
      path: at('/password-reset/validate/:token'),
      tag: GATEWAY_TAG,
      summary: 'Whether a reset token is still valid',
      response: done,
      errors: [404, 503],
    },
    {
      method: 'post',
      path: at('/password-reset/reset'),
      tag: GATEWAY_TAG,
      summary: "Set a new password with a reset token (Flowless ends the user's sessions)",
      body: object({ token: str, password: str }),
      response: done,
      errors: [404, 503],
    },
  ];
}

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

export function starterOpenApiDocument(options: {
  version: string;
  basePath: string;
  docs: boolean;
  /** The auth gateway's prefix when it is mounted: its client-facing routes are described too. */
  gatewayPrefix?: string;
}) {
  return createOpenApiDocument({
    title: 'Flowfull starter API',
    version: options.version,
    description:
      'Sessions are issued by Flowless and sent as X-Session-ID. `/bridge/{entity}` is the Bridge API of `@pubflow/core`.',
    resources: appResources,
    basePath: options.basePath,
    routes: [
      ...starterRoutes,
      ...(options.gatewayPrefix !== undefined ? gatewayRoutes(options.gatewayPrefix) : []),
      ...(options.docs ? docsRoutes : []),
    ],
  });
}
