import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheRuntime } from '../../src/cache/index.js';
import { createDatabase, type Database } from '../../src/db/index.js';
import { column, createResourceCache, defineResource, parseListQuery } from '../../src/resources/index.js';
import { json } from '../support/http.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';
import { BridgeHarness, clientCall, migrateResource, notesResource } from './helpers.js';

const REDIS = await serviceAvailable('redis');

/** Two instances (own cache runtime, own app) sharing one database and one Redis. */
describe.skipIf(!REDIS)('cached reads: every instance reads fresh after a write on any instance', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-rcache-'));
  const harness = new BridgeHarness();
  const prefix = `res-cache-${Date.now().toString(36)}`;
  let database: Database;
  let a: Hono;
  let b: Hono;
  let runtimeA: CacheRuntime;
  let sessionId: string;

  beforeAll(async () => {
    await harness.start();
    database = createDatabase({ url: `file:${join(dir, 'cache.db')}` });
    const notes = notesResource('notes', { cache: true });
    await migrateResource(database.db, notes, 'cache');
    runtimeA = harness.runtime(SERVICE_URLS.redis, prefix);
    const runtimeB = harness.runtime(SERVICE_URLS.redis, prefix);
    expect(await runtimeA.whenReady(5000)).toBe(true);
    expect(await runtimeB.whenReady(5000)).toBe(true);
    a = harness.app({ db: database.db, resources: [notes], cache: runtimeA }).app;
    b = harness.app({ db: database.db, resources: [notes], cache: runtimeB }).app;
    sessionId = (await harness.session()).sessionId;
  });

  afterAll(async () => {
    await runtimeA?.redis?.eval(
      "for _, k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end",
      0,
      `${prefix}:*`,
    );
    await harness.close();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // biome-ignore lint/suspicious/noExplicitAny: bodies are asserted by shape
  async function call(app: Hono, path: string, init: RequestInit = {}): Promise<any> {
    return json(await clientCall(app, path, sessionId, init));
  }
  const titles = async (app: Hono) =>
    (await call(app, '/bridge/notes?orderBy=rank')).data.map((r: { title: string }) => r.title);

  it('serves list pages and rows from the cache and invalidates them on every write', async () => {
    const created = await call(a, '/bridge/notes', {
      method: 'POST',
      body: JSON.stringify({ title: 'first', rank: 1 }),
    });
    const id = created.data.id as string;
    expect(await titles(a)).toEqual(['first']);
    expect(await titles(b)).toEqual(['first']);
    expect((await call(b, `/bridge/notes/${id}`)).data.title).toBe('first');
    const before = runtimeA.metrics()['resource.notes']!;
    expect(await titles(a)).toEqual(['first']);
    expect(runtimeA.metrics()['resource.notes']!.cacheHits).toBeGreaterThan(before.cacheHits);

    // A row changed through the database behind the cache's back stays cached: the cache is in use.
    await database.db.updateTable('notes').set({ title: 'behind' }).where('id', '=', id).execute();
    expect((await call(b, `/bridge/notes/${id}`)).data.title).toBe('first');

    await call(a, `/bridge/notes/${id}`, { method: 'PUT', body: JSON.stringify({ title: 'second' }) });
    expect((await call(b, `/bridge/notes/${id}`)).data.title).toBe('second');
    expect(await titles(b)).toEqual(['second']);

    await call(b, '/bridge/notes', { method: 'POST', body: JSON.stringify({ title: 'third', rank: 2 }) });
    expect(await titles(a)).toEqual(['second', 'third']);

    await call(b, `/bridge/notes/${id}`, { method: 'DELETE' });
    expect((await clientCall(a, `/bridge/notes/${id}`, sessionId)).status).toBe(404);
    expect(await titles(a)).toEqual(['third']);
  });

  it('a read that loaded old rows while a write landed elsewhere never serves them afterwards', async () => {
    const race = defineResource({
      name: 'race',
      createdIn: '2026_12_02_0001_create_race',
      columns: { title: column.string(20) },
      access: { list: 'public', read: 'public' },
      cache: true,
    });
    const runtimeC = harness.runtime(SERVICE_URLS.redis, prefix);
    const runtimeD = harness.runtime(SERVICE_URLS.redis, prefix);
    expect(await runtimeC.whenReady(5000)).toBe(true);
    expect(await runtimeD.whenReady(5000)).toBe(true);
    const c = createResourceCache(runtimeC, race);
    const d = createResourceCache(runtimeD, race);
    const query = parseListQuery(race, '');
    const page = (title: string) => ({
      rows: [{ title }],
      total: 1,
      page: 1,
      limit: 20,
      totalPages: 1,
      hasMore: false,
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const loading = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = c.page({ kind: 'all' }, query, false, async () => {
      started();
      await held;
      return page('old');
    });
    await loading;
    await d.invalidate();
    release();
    expect((await slow).rows).toEqual([{ title: 'old' }]);
    expect((await d.page({ kind: 'all' }, query, false, async () => page('new'))).rows).toEqual([
      { title: 'new' },
    ]);
    expect((await c.page({ kind: 'all' }, query, false, async () => page('newer'))).rows).toEqual([
      { title: 'new' },
    ]);
  });

  it('keeps dates as dates through the cache', async () => {
    await call(a, '/bridge/notes', {
      method: 'POST',
      body: JSON.stringify({ title: 'dated', rank: 3, due_at: '2026-06-01T12:00:00Z' }),
    });
    const first = await call(a, '/bridge/notes?title:eq=dated');
    const second = await call(b, '/bridge/notes?title:eq=dated');
    expect(first.data[0].due_at).toBe('2026-06-01T12:00:00.000Z');
    expect(second.data).toEqual(first.data);
  });
});
