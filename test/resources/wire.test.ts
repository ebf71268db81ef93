import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/index.js';
import { listen, type RunningServer } from '../../src/http/index.js';
import { BridgeHarness, migrateResource, notesResource } from './helpers.js';

/**
 * The wire format of `@pubflow/core`'s BridgeApiService (protocol sections 5 and 6), over a real
 * socket: one base URL, `{basePath}/{entity}`, JSON content type on every request (GET included),
 * X-Session-ID, `field:op=value` filters with in/nin comma-joined, arrays as `key[]=v`, the
 * client's own `useRows`/`entity` keys; it reads `data` (else the body), `meta` (else
 * `pagination`) and, on failure, `error` (else `message`).
 */
class WireClient {
  constructor(
    private readonly baseUrl: string,
    private readonly entity: string,
    private readonly sessionId: string,
    private readonly basePath = '/bridge',
  ) {}

  // biome-ignore lint/suspicious/noExplicitAny: the client reads the body loosely, as BridgeApiService does
  private async request(path: string, init: RequestInit = {}): Promise<any> {
    const res = await fetch(`${this.baseUrl}${this.basePath}/${this.entity}${path}`, {
      ...init,
      credentials: 'include',
      headers: { 'Content-Type': 'application/json', 'X-Session-ID': this.sessionId },
    });
    // biome-ignore lint/suspicious/noExplicitAny: the client reads the body loosely, as BridgeApiService does
    const body: any = await res.json();
    if (!res.ok) return { success: false, status: res.status, error: body.error ?? body.message };
    return { success: true, status: res.status, data: body.data ?? body, meta: body.meta ?? body.pagination };
  }

  private query(
    params: Record<string, unknown>,
    filters: Array<{ field: string; operator: string; value: unknown }>,
  ) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.append(k, String(v));
    for (const f of filters) {
      const key = `${f.field}:${f.operator}`;
      if (Array.isArray(f.value)) for (const v of f.value) q.append(`${key}[]`, String(v));
      else q.append(key, String(f.value));
    }
    q.append('useRows', 'true');
    q.append('entity', this.entity);
    return q.toString();
  }

  list(
    params: Record<string, unknown>,
    filters: Array<{ field: string; operator: string; value: unknown }> = [],
  ) {
    return this.request(`?${this.query(params, filters)}`, { method: 'GET' });
  }
  search(term: string, params: Record<string, unknown> = {}) {
    return this.request(`/search?${this.query({ q: term, ...params }, [])}`, { method: 'GET' });
  }
  get(id: string) {
    return this.request(`/${encodeURIComponent(id)}`, { method: 'GET' });
  }
  create(data: object) {
    return this.request('', { method: 'POST', body: JSON.stringify(data) });
  }
  update(id: string, data: object) {
    return this.request(`/${encodeURIComponent(id)}`, { method: 'PUT', body: JSON.stringify(data) });
  }
  delete(id: string) {
    return this.request(`/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }
}

describe("Bridge API from @pubflow/core's BridgeApiService wire format", () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-wire-'));
  const harness = new BridgeHarness();
  let database: Database;
  let server: RunningServer;
  let client: WireClient;

  beforeAll(async () => {
    await harness.start();
    database = createDatabase({ url: `file:${join(dir, 'wire.db')}` });
    const notes = notesResource('notes');
    await migrateResource(database.db, notes, 'wire');
    const { app } = harness.app({ db: database.db, resources: [notes], basePath: '/api/bridge' });
    server = await listen(app, { port: 0, host: '127.0.0.1' });
    const { sessionId } = await harness.session();
    client = new WireClient(`http://127.0.0.1:${server.port}`, 'notes', sessionId, '/api/bridge');
  });

  afterAll(async () => {
    await server?.close(1000);
    await harness.close();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists with filters and paging, searches, reads, updates and deletes', async () => {
    const made = [];
    for (const [title, rank, tag] of [
      ['Grüße aus Köln', 1, 'de'],
      ['Hello world', 2, 'en'],
      ['hello again', 3, 'en'],
      ['Bonjour', 4, 'fr'],
    ] as const) {
      const res = await client.create({ title, rank, tag });
      expect(res).toMatchObject({ success: true, status: 201, data: { title, rank } });
      made.push(res.data);
    }
    const page = await client.list({ page: 1, limit: 2, orderBy: 'rank', orderDir: 'desc' }, [
      { field: 'title', operator: 'contains', value: 'HELLO' },
      { field: 'tag', operator: 'in', value: 'en,fr' },
    ]);
    expect(page.data.map((r: { rank: number }) => r.rank)).toEqual([3, 2]);
    expect(page.meta).toEqual({ page: 1, limit: 2, total: 2, totalPages: 1, hasMore: false });
    const arrays = await client.list({ orderBy: 'rank' }, [
      { field: 'tag', operator: 'in', value: ['de', 'fr'] },
    ]);
    expect(arrays.data.map((r: { rank: number }) => r.rank)).toEqual([1, 4]);
    const aliases = await client.list({ orderBy: 'rank' }, [
      { field: 'rank', operator: 'greaterThanOrEquals', value: 2 },
      { field: 'tag', operator: 'notEquals', value: 'fr' },
    ]);
    expect(aliases.data.map((r: { rank: number }) => r.rank)).toEqual([2, 3]);
    const found = await client.search('grüsse', {});
    expect(found.data).toEqual([]);
    const found2 = await client.search('GRÜSSE'.toLowerCase().replace('ss', 'ß'), { orderBy: 'rank' });
    expect(found2.data.map((r: { rank: number }) => r.rank)).toEqual([1]);
    const one = await client.get(made[1].id);
    expect(one.data.title).toBe('Hello world');
    const updated = await client.update(made[1].id, { title: 'Hello, world' });
    expect(updated).toMatchObject({ success: true, data: { title: 'Hello, world', rank: 2 } });
    const removed = await client.delete(made[1].id);
    expect(removed.status).toBeGreaterThanOrEqual(200);
    expect(removed.status).toBeLessThan(300);
    const gone = await client.get(made[1].id);
    expect(gone).toMatchObject({ success: false, status: 404 });
    expect(gone.error).toBeTypeOf('string');
    const bad = await client.list({}, [{ field: 'rank', operator: 'eq', value: 'two' }]);
    expect(bad).toMatchObject({ success: false, status: 400 });
    expect(bad.error).toContain('rank');
  });
});
