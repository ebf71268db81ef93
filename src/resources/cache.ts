import { createHash } from 'node:crypto';
import type { CacheRuntime, HybridCache } from '../cache/index.js';
import type { Page } from '../db/index.js';
import type { Resource } from './define.js';
import type { ListQuery } from './query.js';
import type { Scope } from './sql.js';

/**
 * Cached reads of one resource in HybridCache. One-row reads are cached by id whatever the reader
 * (visibility is checked on the cached row, so one entry serves every user); list pages by reader
 * scope and query. Every write invalidates the written row's tag and the lists' tag before it
 * answers. The cache reads Redis first (`l2First`), so once a write has answered, a read on any
 * instance sharing the Redis misses and loads fresh rows; without Redis the cache is this
 * instance's only and invalidation is immediate.
 */
export interface ResourceCache {
  row(
    id: string,
    load: () => Promise<Record<string, unknown> | undefined>,
  ): Promise<Record<string, unknown> | undefined>;
  page(
    scope: Scope,
    query: ListQuery,
    search: boolean,
    load: () => Promise<Page<Record<string, unknown>>>,
  ): Promise<Page<Record<string, unknown>>>;
  /** After a write: the row (when known) and every list page. */
  invalidate(id?: string): Promise<void>;
}

type Entry = Record<string, unknown> | Page<Record<string, unknown>> | null;

const LISTS = 'lists';

function scopeKey(scope: Scope): string {
  return scope.kind === 'owner' ? `o${scope.includePublic ? 'p' : ''}:${scope.userId}` : scope.kind;
}

function queryKey(query: ListQuery, search: boolean): string {
  const canonical = JSON.stringify([
    search,
    query.page,
    query.limit,
    query.order.map((o) => [o.column.name, o.dir]),
    query.fields ?? null,
    query.filters.map((f) => [f.column.name, f.op, f.value]),
    query.q ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 32);
}

/** Dates come back from Redis as strings; rows are revived by the resource's date columns. */
function revive(resource: Resource, row: Record<string, unknown>): Record<string, unknown> {
  for (const col of resource.columns.values())
    if (col.kind === 'date' && typeof row[col.name] === 'string')
      row[col.name] = new Date(row[col.name] as string);
  return row;
}

export function createResourceCache(runtime: CacheRuntime, resource: Resource): ResourceCache {
  const cache: HybridCache<Entry> = runtime.createCache<Entry>({
    namespace: `resource.${resource.name}`,
    ttl: resource.cacheTtl ?? 60,
    l2First: true,
    cloneOnL1: true,
  });
  return {
    async row(id, load) {
      const value = await cache.getOrSet(`r:${id}`, async () => (await load()) ?? null, {
        tags: [`row:${id}`],
      });
      return value ? revive(resource, { ...(value as Record<string, unknown>) }) : undefined;
    },
    async page(scope, query, search, load) {
      const key = `l:${scopeKey(scope)}:${queryKey(query, search)}`;
      const value = (await cache.getOrSet(key, load, { tags: [LISTS] })) as Page<Record<string, unknown>>;
      return { ...value, rows: value.rows.map((r) => revive(resource, { ...r })) };
    },
    async invalidate(id) {
      await Promise.all([
        cache.invalidateTag(LISTS),
        id === undefined ? undefined : cache.invalidateTag(`row:${id}`),
      ]);
    },
  };
}
