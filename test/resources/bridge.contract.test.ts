import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/index.js';
import type { ColumnMap, ResourceRepository } from '../../src/resources/index.js';
import { type DialectCase, dialectCases, runId } from '../db/dialects.js';
import { json } from '../support/http.js';
import { serviceAvailable } from '../support/services.js';
import { BridgeHarness, clientCall, migrateResource, notesResource } from './helpers.js';

/** One Bridge API contract, the same expected answers on every dialect: that sameness is the product. */

const SEED = [
  {
    title: 'Apple pie',
    body: 'Sweet % dessert',
    tag: 'food',
    rank: 1,
    score: 4.5,
    done: true,
    due_at: '2026-01-01T00:00:00Z',
  },
  {
    title: 'banana_split',
    body: "It's 100% good",
    tag: 'food',
    rank: 2,
    score: null,
    done: false,
    due_at: '2026-02-01T00:00:00Z',
  },
  {
    title: 'Ärger über Öl',
    body: 'ÜBERALL straße',
    tag: 'de',
    rank: 3,
    score: 1.25,
    done: false,
    due_at: null,
  },
  {
    title: 'ÉCOLE',
    body: 'C:\\dir\\50!',
    tag: null,
    rank: 4,
    score: -2,
    done: true,
    due_at: '2025-12-31T23:59:59Z',
  },
  {
    title: 'Zebra "quoted"',
    body: 'under_score and 50%',
    tag: 'misc',
    rank: 5,
    score: 10,
    done: false,
    due_at: '2026-03-01T00:00:00Z',
  },
  {
    title: 'apple tart',
    body: 'tart!',
    tag: 'food',
    rank: 6,
    score: 4.5,
    done: true,
    due_at: '2026-01-15T00:00:00Z',
  },
];

const CASES = dialectCases();
const AVAILABLE = new Map<string, boolean>();
for (const c of CASES) AVAILABLE.set(c.name, c.service ? await serviceAvailable(c.service) : true);

function contract(dialect: DialectCase) {
  const run = runId();
  const table = `rnotes_${run}`;
  const harness = new BridgeHarness();
  let database: Database;
  let app: Hono;
  let repo: ResourceRepository<ColumnMap>;
  let drop: string[] = [];
  let alice: { sessionId: string; user: { id: string } };
  let bob: { sessionId: string; user: { id: string } };
  let admin: { sessionId: string };
  const ids = new Map<number, string>();

  // biome-ignore lint/suspicious/noExplicitAny: bodies are asserted by shape
  async function get(path: string, sessionId = alice.sessionId): Promise<{ status: number; body: any }> {
    const res = await clientCall(app, path, sessionId);
    return { status: res.status, body: await json(res) };
  }
  async function ranks(query: string, sessionId?: string): Promise<number[]> {
    const { status, body } = await get(`/bridge/notes?limit=50&orderBy=rank&${query}`, sessionId);
    expect(status, JSON.stringify(body)).toBe(200);
    return body.data.map((r: { rank: number }) => r.rank);
  }
  async function searchRanks(q: string): Promise<number[]> {
    const { status, body } = await get(
      `/bridge/notes/search?q=${encodeURIComponent(q)}&orderBy=rank&limit=50`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    return body.data.map((r: { rank: number }) => r.rank);
  }
  async function refused(query: string, code: string, field?: string) {
    const { status, body } = await get(`/bridge/notes?${query}`);
    expect(status, query).toBe(400);
    expect(body.code, query).toBe(code);
    if (field !== undefined) expect(body.details?.field).toBe(field);
    const text = JSON.stringify(body).toLowerCase();
    expect(text).not.toContain(table);
    expect(text).not.toMatch(/select |stack| {4}at /);
  }

  beforeAll(async () => {
    await harness.start();
    database = dialect.open();
    const notes = notesResource(table);
    drop = await migrateResource(database.db, notes, run);
    const built = harness.app({ db: database.db, resources: [notes] });
    app = built.app;
    repo = built.bridge.repository('notes') as never;
    alice = await harness.session();
    bob = await harness.session();
    admin = await harness.session('admin');
    for (const row of SEED) {
      // biome-ignore lint/suspicious/noExplicitAny: the seed is checked by the repository
      const created: any = await repo.create({ ...row, owner_id: alice.user.id } as never);
      ids.set(row.rank, created.id);
    }
    await repo.create({ title: 'Apple bob', rank: 7, owner_id: bob.user.id } as never);
  });

  afterAll(async () => {
    await harness.close();
    if (!database) return;
    for (const t of [table, ...drop]) await database.db.schema.dropTable(t).ifExists().execute();
    await database.close();
    dialect.cleanup();
  });

  it('eq, neq and their aliases, colon and bracket forms, and the bare key', async () => {
    expect(await ranks('title:eq=Apple%20pie')).toEqual([1]);
    expect(await ranks('title:equals=Apple%20pie')).toEqual([1]);
    expect(await ranks('title[eq]=Apple%20pie')).toEqual([1]);
    expect(await ranks('title=apple%20pie')).toEqual([]);
    expect(await ranks('done=true')).toEqual([1, 4, 6]);
    expect(await ranks('done:eq=false')).toEqual([2, 3, 5]);
    // NULL is not equal to food: neq keeps it.
    expect(await ranks('tag:neq=food')).toEqual([3, 4, 5]);
    expect(await ranks('tag:notEquals=food')).toEqual([3, 4, 5]);
    expect(await ranks('tag[neq]=food')).toEqual([3, 4, 5]);
  });

  it('contains, ncontains, sw, ew: case-insensitive, non-ASCII included, wildcards literal', async () => {
    expect(await ranks('title:contains=APPLE')).toEqual([1, 6]);
    expect(await ranks('title:contains=ärger')).toEqual([3]);
    expect(await ranks('title:contains=%C3%84RGER%20%C3%9CBER')).toEqual([3]);
    expect(await ranks('title:contains=%C3%A9cole')).toEqual([4]);
    expect(await ranks('title:contains=_')).toEqual([2]);
    expect(await ranks('title:contains=%25')).toEqual([]);
    expect(await ranks('title:contains=%22quoted%22')).toEqual([5]);
    expect(await ranks('title:ncontains=apple')).toEqual([2, 3, 4, 5]);
    expect(await ranks('title[ncontains]=apple')).toEqual([2, 3, 4, 5]);
    expect(await ranks('title:sw=BA')).toEqual([2]);
    expect(await ranks('title:startsWith=%C3%84r')).toEqual([3]);
    expect(await ranks('title[sw]=a')).toEqual([1, 6]);
    expect(await ranks('title:ew=TART')).toEqual([6]);
    expect(await ranks('title:endsWith=%C3%B6l')).toEqual([3]);
    expect(await ranks('title[ew]=e')).toEqual([1, 4]);
  });

  it('gt, gte, lt, lte on integers, numbers, dates (ISO and epoch) and strings (code points)', async () => {
    expect(await ranks('rank:gt=4')).toEqual([5, 6]);
    expect(await ranks('rank:greaterThanOrEquals=4')).toEqual([4, 5, 6]);
    expect(await ranks('rank[lt]=2')).toEqual([1]);
    expect(await ranks('rank:lessThanOrEquals=2')).toEqual([1, 2]);
    expect(await ranks('score:gte=4.5')).toEqual([1, 5, 6]);
    expect(await ranks('score:lt=0')).toEqual([4]);
    expect(await ranks('score:greaterThan=1&score:lessThan=5')).toEqual([1, 3, 6]);
    expect(await ranks('due_at:gte=2026-01-01')).toEqual([1, 2, 5, 6]);
    expect(await ranks('due_at:lt=2026-01-01T00:00:00Z')).toEqual([4]);
    expect(await ranks(`due_at:lte=${Date.parse('2026-01-15T00:00:00Z')}`)).toEqual([1, 4, 6]);
    // Code point order: upper-case ASCII < lower-case ASCII < Ä, É.
    expect(await ranks('title:gt=a')).toEqual([2, 3, 4, 6]);
    expect(await ranks('title:lt=B')).toEqual([1]);
  });

  it('in and nin with commas, arrays, repeated keys and long aliases', async () => {
    expect(await ranks('rank:in=1,3')).toEqual([1, 3]);
    expect(await ranks('rank:inList=1,3')).toEqual([1, 3]);
    expect(await ranks('rank[in][]=1&rank[in][]=3')).toEqual([1, 3]);
    expect(await ranks('rank:in[]=3&rank:in[]=6')).toEqual([3, 6]);
    expect(await ranks('rank[]=2&rank[]=5')).toEqual([2, 5]);
    expect(await ranks('tag:in=de,misc')).toEqual([3, 5]);
    expect(await ranks('tag:nin=food')).toEqual([3, 4, 5]);
    expect(await ranks('tag:notInList=food,de')).toEqual([4, 5]);
    expect(await ranks('tag[nin][]=food&tag[nin][]=misc')).toEqual([3, 4]);
    expect(await ranks('done:in=true')).toEqual([1, 4, 6]);
  });

  it('null and nnull take true/false', async () => {
    expect(await ranks('tag:null=true')).toEqual([4]);
    expect(await ranks('tag:isNull=true')).toEqual([4]);
    expect(await ranks('tag:null=false')).toEqual([1, 2, 3, 5, 6]);
    expect(await ranks('tag:nnull=true')).toEqual([1, 2, 3, 5, 6]);
    expect(await ranks('due_at:isNotNull=true')).toEqual([1, 2, 4, 5, 6]);
    expect(await ranks('score[null]=true')).toEqual([2]);
  });

  it('search over the searchable columns: %, _, quotes, non-ASCII, with filters', async () => {
    expect(await searchRanks('%')).toEqual([1, 2, 5]);
    expect(await searchRanks('_')).toEqual([2, 5]);
    expect(await searchRanks("'")).toEqual([2]);
    expect(await searchRanks('"')).toEqual([5]);
    expect(await searchRanks('\\')).toEqual([4]);
    expect(await searchRanks('c:\\DIR')).toEqual([4]);
    expect(await searchRanks('!')).toEqual([4, 6]);
    expect(await searchRanks('STRASSE')).toEqual([]);
    expect(await searchRanks('straße')).toEqual([3]);
    expect(await searchRanks('überall')).toEqual([3]);
    expect(await searchRanks('APPLE')).toEqual([1, 6]);
    expect(await searchRanks('tart')).toEqual([6]);
    const filtered = await get('/bridge/notes/search?q=apple&done=true&rank:gt=1');
    expect(filtered.body.data.map((r: { rank: number }) => r.rank)).toEqual([6]);
    const everything = await get('/bridge/notes/search?q=&limit=50');
    expect(everything.body.meta.total).toBe(6);
  });

  it('orders by every sortable kind, NULLs last both ways, with sort= and multiple keys', async () => {
    const order = async (q: string) =>
      (await get(`/bridge/notes?limit=50&${q}`)).body.data.map((r: { rank: number }) => r.rank);
    expect(await order('orderBy=title&orderDir=asc')).toEqual([1, 5, 6, 2, 3, 4]);
    expect(await order('orderBy=title&orderDir=desc')).toEqual([4, 3, 2, 6, 5, 1]);
    expect(await order('orderBy=rank&orderDir=desc')).toEqual([6, 5, 4, 3, 2, 1]);
    expect(await order('sort=score:desc,rank:asc')).toEqual([5, 1, 6, 3, 4, 2]);
    expect(await order('sort=score:asc,rank:asc')).toEqual([4, 3, 1, 6, 5, 2]);
    expect(await order('sort=done:asc,rank:desc')).toEqual([5, 3, 2, 6, 4, 1]);
    expect(await order('orderBy=due_at&orderDir=desc')).toEqual([5, 2, 6, 1, 4, 3]);
    expect(await order('sort=tag:asc,rank:asc')).toEqual([3, 1, 2, 6, 5, 4]);
    expect(await order('sort=-rank')).toEqual([6, 5, 4, 3, 2, 1]);
    const byId = await get('/bridge/notes?limit=50&orderBy=id');
    const idsSorted = [...byId.body.data.map((r: { id: string }) => r.id)];
    expect(idsSorted).toEqual([...idsSorted].sort());
    expect((await get('/bridge/notes?orderBy=created_at&orderDir=asc')).status).toBe(200);
  });

  it('pages with meta, past the end, and clamps the limit', async () => {
    const first = await get('/bridge/notes?page=1&limit=4&orderBy=rank');
    expect(first.body.meta).toEqual({ page: 1, limit: 4, total: 6, totalPages: 2, hasMore: true });
    expect(first.body.data.map((r: { rank: number }) => r.rank)).toEqual([1, 2, 3, 4]);
    const second = await get('/bridge/notes?page=2&limit=4&orderBy=rank');
    expect(second.body.meta).toEqual({ page: 2, limit: 4, total: 6, totalPages: 2, hasMore: false });
    const past = await get('/bridge/notes?page=9&limit=4');
    expect(past.body).toMatchObject({ success: true, data: [], meta: { page: 9, total: 6, hasMore: false } });
    const clamped = await get('/bridge/notes?limit=100000');
    expect(clamped.body.meta.limit).toBe(50);
    const fallback = await get('/bridge/notes');
    expect(fallback.body.meta.limit).toBe(10);
  });

  it('projects fields and returns typed values', async () => {
    const { body } = await get('/bridge/notes?fields=title,rank&orderBy=rank&limit=1');
    expect(body.data).toEqual([{ title: 'Apple pie', rank: 1 }]);
    const one = await get(`/bridge/notes/${ids.get(1)}`);
    expect(one.body.data).toMatchObject({
      title: 'Apple pie',
      done: true,
      score: 4.5,
      due_at: '2026-01-01T00:00:00.000Z',
    });
    expect(Object.keys(one.body.data).some((k) => k.endsWith('__ci'))).toBe(false);
  });

  it('refuses bad queries with a code naming the field, never SQL', async () => {
    await refused('nope:eq=1', 'FILTER_FIELD_INVALID', 'nope');
    await refused('nope=1', 'FILTER_FIELD_INVALID', 'nope');
    await refused('body:contains=x', 'FILTER_FIELD_INVALID', 'body');
    await refused('rank:between=1', 'FILTER_OP_INVALID', 'rank:between');
    await refused('done:gt=true', 'FILTER_OP_INVALID', 'done:gt');
    await refused('rank:contains=1', 'FILTER_OP_INVALID', 'rank:contains');
    await refused('rank:eq=abc', 'FILTER_VALUE_INVALID', 'rank:eq');
    await refused('score:gt=1e999', 'FILTER_VALUE_INVALID', 'score:gt');
    await refused('done=yes', 'FILTER_VALUE_INVALID', 'done');
    await refused('due_at:gt=tomorrow', 'FILTER_VALUE_INVALID', 'due_at:gt');
    await refused('tag:null=maybe', 'FILTER_VALUE_INVALID', 'tag:null');
    await refused('orderBy=body', 'ORDER_INVALID', 'body');
    await refused('orderBy=rank&orderDir=up', 'ORDER_INVALID', 'orderDir');
    await refused('sort=meta:asc', 'ORDER_INVALID', 'meta');
    await refused('fields=title,secret', 'FIELDS_INVALID', 'secret');
    await refused('page=0', 'PAGING_INVALID', 'page');
    await refused('limit=-1', 'PAGING_INVALID', 'limit');
    await refused('title[eq][x][y]=1', 'FILTER_KEY_INVALID');
    await refused(`${'a['.repeat(500)}${']'.repeat(500)}=1`, 'FILTER_KEY_INVALID');
    await refused('rank:in=1,,2', 'FILTER_VALUE_INVALID', 'rank:in');
    await refused(
      `rank:in=${Array.from({ length: 101 }, (_, i) => i).join(',')}`,
      'FILTER_LIST_TOO_LONG',
      'rank:in',
    );
    await refused(`rank:in=${Array.from({ length: 10_000 }, (_, i) => i).join(',')}`, 'QUERY_TOO_LARGE');
    const big = await get(`/bridge/notes/search?q=${'x'.repeat(1_000_000)}`);
    expect([big.status, big.body.code]).toEqual([400, 'QUERY_TOO_LARGE']);
    const long = await get(`/bridge/notes/search?q=${'x'.repeat(300)}`);
    expect([long.status, long.body.code]).toEqual([400, 'SEARCH_QUERY_INVALID']);
  });

  it('ignores the client’s non-filter keys', async () => {
    expect(await ranks('useRows=true&entity=notes&_=123&rank:lte=2')).toEqual([1, 2]);
  });

  it('scopes rows by owner: another user’s row is 404, admins see all, guests get 401', async () => {
    expect(await ranks('', bob.sessionId)).toEqual([7]);
    const aliceRow = ids.get(1)!;
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', '{"title":"mine now"}'],
      ['PATCH', '{"title":"mine now"}'],
      ['DELETE', undefined],
    ] as const) {
      const res = await clientCall(app, `/bridge/notes/${aliceRow}`, bob.sessionId, { method, body });
      expect(res.status, method).toBe(404);
      expect((await json(res)).code).toBe('NOT_FOUND');
    }
    const missing = await get('/bridge/notes/00000000-0000-0000-0000-000000000000', bob.sessionId);
    expect(missing.status).toBe(404);
    expect((await get('/bridge/notes?limit=50', admin.sessionId)).body.meta.total).toBe(7);
    const guest = await clientCall(app, '/bridge/notes');
    expect(guest.status).toBe(401);
    // Refused before the body is read: a guest learns nothing about the schema.
    const guestWrite = await clientCall(app, '/bridge/notes', undefined, { method: 'POST', body: '{"x":1}' });
    expect([guestWrite.status, (await json(guestWrite)).code]).toEqual([401, 'SESSION_ID_REQUIRED']);
    const guestPut = await clientCall(app, `/bridge/notes/${aliceRow}`, undefined, {
      method: 'PUT',
      body: '{"x":1}',
    });
    expect(guestPut.status).toBe(401);
    expect((await get(`/bridge/notes/${aliceRow}`)).body.data.title).toBe('Apple pie');
  });

  it('creates (201), updates with PUT and PATCH, deletes; validates bodies', async () => {
    const created = await clientCall(app, '/bridge/notes', bob.sessionId, {
      method: 'POST',
      body: JSON.stringify({
        title: 'Bob’s ünïcode',
        rank: 8,
        due_at: '2026-05-01T10:00:00Z',
        meta: { a: [1] },
      }),
    });
    expect(created.status).toBe(201);
    const row = (await json(created)).data;
    expect(row).toMatchObject({ owner_id: bob.user.id, done: false, body: null, meta: { a: [1] } });
    const put = await clientCall(app, `/bridge/notes/${row.id}`, bob.sessionId, {
      method: 'PUT',
      body: JSON.stringify({ title: 'Renamed', done: true }),
    });
    expect((await json(put)).data).toMatchObject({ title: 'Renamed', done: true, rank: 8 });
    const patch = await clientCall(app, `/bridge/notes/${row.id}`, bob.sessionId, {
      method: 'PATCH',
      body: JSON.stringify({ score: 2.5 }),
    });
    expect((await json(patch)).data).toMatchObject({ title: 'Renamed', score: 2.5 });
    expect(await ranks('title:contains=renamed', bob.sessionId)).toEqual([8]);
    for (const bad of [
      { title: 'x', rank: 1, owner_id: alice.user.id },
      { title: 'x', rank: 'one' },
      { title: 'x'.repeat(121), rank: 1 },
      { title: '', rank: 1 },
      { rank: 1 },
      { title: 'x', rank: 1.5 },
      { title: 'x', rank: 1, due_at: 'soon' },
    ]) {
      const res = await clientCall(app, '/bridge/notes', bob.sessionId, {
        method: 'POST',
        body: JSON.stringify(bad),
      });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect((await json(res)).code).toBe('VALIDATION_FAILED');
    }
    const unknown = await clientCall(app, '/bridge/notes', bob.sessionId, {
      method: 'POST',
      body: JSON.stringify({ title: 'x', rank: 1, colour: 'red' }),
    });
    expect((await json(unknown)).error).toContain('colour');
    const empty = await clientCall(app, `/bridge/notes/${row.id}`, bob.sessionId, {
      method: 'PATCH',
      body: '{}',
    });
    expect(empty.status).toBe(400);
    const del = await clientCall(app, `/bridge/notes/${row.id}`, bob.sessionId, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await get(`/bridge/notes/${row.id}`, bob.sessionId)).status).toBe(404);
  });
}

for (const dialect of CASES) {
  describe.skipIf(!AVAILABLE.get(dialect.name))(`bridge api contract: ${dialect.name}`, () =>
    contract(dialect),
  );
}
