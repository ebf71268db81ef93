import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { sessionRequired } from '../auth/index.js';
import type { CacheRuntime } from '../cache/index.js';
import { AppError, FlowfullConfigError } from '../errors.js';
import { inScope, requireAccess, resolveAccess } from './access.js';
import { createResourceCache, type ResourceCache } from './cache.js';
import type { ColumnMap } from './columns.js';
import type { Resource } from './define.js';
import { createValidator, listValidator, updateValidator } from './input.js';
import { DEFAULT_QUERY_LIMITS, type ListQuery, type QueryLimits } from './query.js';
import { createResourceRepository, type ResourceRepository } from './repository.js';
import type { Scope } from './sql.js';

/**
 * The Bridge API of `@pubflow/core`'s BridgeApiService (protocol section 5) for a set of resources:
 *   GET    {base}/{entity}            list: page, limit, orderBy/orderDir, sort, fields, filters
 *   GET    {base}/{entity}/search     the same plus q (registered before /{id})
 *   GET    {base}/{entity}/{id}       one row
 *   POST   {base}/{entity}            create, 201
 *   PUT    {base}/{entity}/{id}       update (partial: the client sends the fields it changes)
 *   PATCH  {base}/{entity}/{id}       update (partial)
 *   DELETE {base}/{entity}/{id}       delete, 200 {id, deleted: true}
 */

// biome-ignore lint/suspicious/noExplicitAny: the tables are described by the resources at run time
type AnyDb = Kysely<any>;

export interface BridgeRoutesOptions {
  db: AnyDb;
  resources: readonly Resource[];
  /** Default `/bridge` (the client's `basePath`). */
  basePath?: string;
  /** Enables the cached reads of the resources that ask for them (`cache` in the definition). */
  cache?: CacheRuntime;
  /** Bounds of a list request (see query.ts). */
  limits?: Partial<QueryLimits>;
}

export interface BridgeRoutes {
  readonly app: Hono;
  readonly basePath: string;
  readonly resources: readonly Resource[];
  repository(name: string): ResourceRepository<ColumnMap>;
}

const NOT_FOUND_MESSAGE = 'Not found';

function notFound(resource: Resource): AppError {
  return new AppError('NOT_FOUND', `${resource.name}: ${NOT_FOUND_MESSAGE}`);
}

/** The service behind the routes: repository plus optional cache, scope-aware. */
function createService(
  resource: Resource,
  repo: ResourceRepository<ColumnMap>,
  cache: ResourceCache | undefined,
) {
  return {
    async one(id: string, scope: Scope) {
      if (!cache) return repo.findById(id, scope);
      const row = await cache.row(id, async () => repo.findById(id));
      return row && inScope(resource, scope, row) ? row : undefined;
    },
    async list(query: ListQuery, scope: Scope, search: boolean) {
      const load = () => repo.list(query, scope) as Promise<Awaited<ReturnType<typeof repo.list>>>;
      return cache ? cache.page(scope, query, search, load) : load();
    },
    async written() {
      await cache?.invalidate();
    },
  };
}

function checkBasePath(basePath: string): string {
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(basePath))
    throw new FlowfullConfigError('createBridgeRoutes: basePath must look like /bridge or /api/bridge');
  return basePath;
}

function resourceRoutes(
  resource: Resource,
  repo: ResourceRepository<ColumnMap>,
  cache: ResourceCache | undefined,
  limits: QueryLimits,
): Hono {
  const service = createService(resource, repo, cache);
  const path = `/${resource.name}`;
  const list = (search: boolean) =>
    [
      listValidator(resource, { search, limits }),
      // biome-ignore lint/suspicious/noExplicitAny: validated query typed by listValidator
      async (c: any) => {
        const { scope } = await resolveAccess(c, resource, 'list');
        const query: ListQuery = c.req.valid('query');
        const { rows, page, limit, total, totalPages, hasMore } = await service.list(query, scope, search);
        return c.json(
          { success: true as const, data: rows, meta: { page, limit, total, totalPages, hasMore } },
          200,
        );
      },
    ] as const;

  return new Hono()
    .get(`${path}/search`, ...list(true))
    .get(path, ...list(false))
    .get(`${path}/:id`, async (c) => {
      const { scope } = await resolveAccess(c, resource, 'read');
      const row = await service.one(c.req.param('id'), scope);
      if (!row) throw notFound(resource);
      return c.json({ success: true as const, data: row }, 200);
    })
    .post(path, requireAccess(resource, 'create'), createValidator(resource), async (c) => {
      const { session } = c.get('resource_access');
      const input = { ...(c.req.valid('json') as Record<string, unknown>) };
      if (resource.owner) {
        const ownerColumn = resource.columns.get(resource.owner)!;
        if (!session && !ownerColumn.nullable) throw sessionRequired();
        input[resource.owner] = session?.user_id ?? null;
      }
      const row = await repo.create(input as never);
      await service.written();
      return c.json({ success: true as const, data: row }, 201);
    })
    .put(`${path}/:id`, requireAccess(resource, 'update'), updateValidator(resource), async (c) =>
      update(c, c.req.valid('json')),
    )
    .patch(`${path}/:id`, requireAccess(resource, 'update'), updateValidator(resource), async (c) =>
      update(c, c.req.valid('json')),
    )
    .delete(`${path}/:id`, async (c) => {
      const { scope } = await resolveAccess(c, resource, 'delete');
      const id = c.req.param('id');
      if (!(await repo.delete(id, scope))) throw notFound(resource);
      await service.written();
      return c.json({ success: true as const, data: { id, deleted: true } }, 200);
    });

  // biome-ignore lint/suspicious/noExplicitAny: shared by PUT and PATCH
  async function update(c: any, patch: object) {
    const { scope } = c.get('resource_access');
    const id: string = c.req.param('id');
    const row = await repo.update(id, patch as never, scope);
    if (!row) throw notFound(resource);
    await service.written();
    return c.json({ success: true as const, data: row }, 200);
  }
}

/** Builds the routes; mount with `app.route('/', bridge.app)`. */
export function createBridgeRoutes(options: BridgeRoutesOptions): BridgeRoutes {
  const basePath = checkBasePath(options.basePath ?? '/bridge');
  const limits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
  const seen = new Set<string>();
  const repos = new Map<string, ResourceRepository<ColumnMap>>();
  const app = new Hono();
  for (const resource of options.resources) {
    if (seen.has(resource.name))
      throw new FlowfullConfigError(`createBridgeRoutes: resource ${resource.name} is listed twice`);
    seen.add(resource.name);
    const repo = createResourceRepository(options.db, resource as Resource<ColumnMap>);
    repos.set(resource.name, repo);
    const cache =
      options.cache && resource.cacheTtl !== undefined
        ? createResourceCache(options.cache, resource)
        : undefined;
    app.route(basePath, resourceRoutes(resource, repo, cache, limits));
  }
  return {
    app,
    basePath,
    resources: options.resources,
    repository(name) {
      const repo = repos.get(name);
      if (!repo) throw new FlowfullConfigError(`BridgeRoutes.repository: no resource ${name}`);
      return repo;
    },
  };
}
