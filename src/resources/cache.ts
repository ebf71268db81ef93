import { createHash, randomUUID } from 'node:crypto';
import type { CacheRuntime, HybridCache } from '../cache/index.js';
import type { Page } from '../db/index.js';
import type { Resource } from './define.js';
import type { ListQuery } from './query.js';
import type { Scope } from './sql.js';

/**
 * Cached reads of one resource in HybridCache. One-row reads are cached by id whatever the reader
 * (visibility is checked on the cached row, so one entry serves every user); list pages by reader
 * scope and query. Every key carries the resource's current generation, a random token that each
 * write replaces once the database has the change and before the write answers. So a read that loaded
 * the old rows while a write was landing stores them under the old generation, where no later read
 * looks: no stale read after a write, from any instance. The caches read Redis first (`l2First`),
 * so every instance sharing the Redis sees the new generation at once; without Redis the cache is
 * this instance's only. Entries of old generations age out by TTL (and L1's size bound).
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
  /** After a write has reached the database: every cached row and page of the resource is out. */
  invalidate(): Promise<void>;
}

type Entry = Record<string, unknown> | Page<Record<string, unknown>> | null;

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
  const ttl = resource.cacheTtl ?? 60;
  const cache: HybridCache<Entry> = runtime.createCache<Entry>({
    namespace: `resource.${resource.name}`,
    ttl,
    l2First: true,
    cloneOnL1: true,
  });
  const generations: HybridCache<string> = runtime.createCache<string>({
    namespace: `resource.${resource.name}.gen`,
    ttl: Math.max(ttl * 10, 3600),
    l2First: true,
  });
  async function generation(): Promise<string> {
    return (await generations.get('g')) ?? generations.setIfAbsent('g', randomUUID());
  }
  return {
    async row(id, load) {
      const gen = await generation();
      const value = await cache.getOrSet(`r:${gen}:${id}`, async () => (await load()) ?? null);
      return value ? revive(resource, { ...(value as Record<string, unknown>) }) : undefined;
    },
    async page(scope, query, search, load) {
      const gen = await generation();
      const key = `l:${gen}:${scopeKey(scope)}:${queryKey(query, search)}`;
      const value = (await cache.getOrSet(key, load)) as Page<Record<string, unknown>>;
      return { ...value, rows: value.rows.map((r) => revive(resource, { ...r })) };
    },
    async invalidate() {
      await generations.set('g', randomUUID());
    },
  };
}
