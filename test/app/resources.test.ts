import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { hc } from 'hono/client';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { appMigrations } from '../../src/app/migrations.js';
import type { itemRoutes } from '../../src/app/routes/items.js';
import { buildApp, createServices, migrate, type Services } from '../../src/app/services.js';
import { loadConfig } from '../../src/config/index.js';
import { createDatabase, createMigrator, migrateUp, portable } from '../../src/db/index.js';
import { silentLogger } from '../../src/log/logger.js';
import {
  column,
  createOpenApiDocument,
  defineResource,
  resourceMigrations,
} from '../../src/resources/index.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../src/standin/index.js';
import { generateTokenKeyMaterial } from '../../src/tokens/index.js';
import { BridgeHarness, clientCall, migrateResource } from '../resources/helpers.js';
import { json } from '../support/http.js';

const SECRET = 's'.repeat(48);
let standin: FlowlessStandin;
let services: Services;
let app: Hono;

async function session(email: string) {
  const user = await standin.createUser({ email, password: 'correct-horse-battery', name: email });
  return { user, ...(await standin.createSession(user.id)) };
}

beforeAll(async () => {
  standin = await startFlowlessStandin({ bridgeSecret: SECRET });
  const keys = await generateTokenKeyMaterial();
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-res-app-'));
  const config = loadConfig({
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: `file:${join(dir, 'app.db')}`,
      FLOWLESS_API_URL: standin.url,
      BRIDGE_VALIDATION_SECRET: SECRET,
      AUTH_VALIDATION_MODE: 'DISABLED',
      PASETO_SECRET_KEY: keys.secretKey,
    },
    dotenvPath: false,
  });
  services = await createServices(config, silentLogger());
  await migrate(services);
  app = buildApp(services);
});

afterAll(async () => {
  await services?.close();
  await standin?.close();
});

describe('starter: items as a resource at /bridge/items', () => {
  it('serves the Bridge API with owner scope and public rows, next to /api/v1/items', async () => {
    const alice = await session('res-alice@example.com');
    const bob = await session('res-bob@example.com');
    const post = (s: string, body: object) =>
      clientCall(app, '/bridge/items', s, { method: 'POST', body: JSON.stringify(body) });
    const pub = await json(await post(alice.sessionId, { title: 'Crème brûlée', is_public: true }));
    const priv = await json(await post(alice.sessionId, { title: 'Secret recipe' }));
    expect(pub.data).toMatchObject({ owner_id: alice.user.id, is_public: true, body: null });

    const guest = await json(await clientCall(app, '/bridge/items?title:contains=CRÈME'));
    expect(guest.data.map((i: { title: string }) => i.title)).toEqual(['Crème brûlée']);
    const bobs = await json(await clientCall(app, '/bridge/items/search?q=recipe', bob.sessionId));
    expect(bobs.data).toEqual([]);
    expect((await clientCall(app, `/bridge/items/${priv.data.id}`, bob.sessionId)).status).toBe(404);
    expect((await clientCall(app, `/bridge/items/${pub.data.id}`, bob.sessionId)).status).toBe(200);
    const bobEdit = await clientCall(app, `/bridge/items/${pub.data.id}`, bob.sessionId, {
      method: 'PUT',
      body: JSON.stringify({ title: 'mine' }),
    });
    expect(bobEdit.status).toBe(404);
    const mine = await json(await clientCall(app, '/bridge/items?orderBy=title', alice.sessionId));
    expect(mine.meta.total).toBe(2);

    // The seed's route: the same rows, and now a filter it does not know is refused, not ignored.
    const legacy = await json(await clientCall(app, '/api/v1/items?is_public=false', alice.sessionId));
    expect(legacy.data.map((i: { title: string }) => i.title)).toEqual(['Secret recipe']);
    const unknown = await clientCall(app, '/api/v1/items?colour=red', alice.sessionId);
    expect([unknown.status, (await json(unknown)).code]).toEqual([400, 'FILTER_FIELD_INVALID']);
  });

  it('types /api/v1/items for Hono’s RPC client', async () => {
    const client = hc<ReturnType<typeof itemRoutes>>('http://flowfull.test', {
      fetch: ((input: string | URL | Request, init?: RequestInit) =>
        app.request(input, init)) as typeof fetch,
    });
    const res = await client.api.v1.items.$get({ query: { limit: '5' } });
    const body = await res.json();
    // Optional because `fields=` may project it away.
    expectTypeOf(body.data).items.toHaveProperty('title').toEqualTypeOf<string | undefined>();
    expectTypeOf(body.data).items.toHaveProperty('is_public').toEqualTypeOf<boolean | undefined>();
    expectTypeOf(body.meta.total).toEqualTypeOf<number>();
    expect(body.success).toBe(true);
  });
});

describe('starter: the items table from before resources gains its search columns', () => {
  it('runs the new migration over old rows and finds them case-insensitively', async () => {
    const database = createDatabase({ url: ':memory:', type: 'libsql' });
    try {
      // The create migration as it shipped before items became a resource.
      const old = {
        '2026_11_27_0300_create_items': {
          // biome-ignore lint/suspicious/noExplicitAny: a migration
          async up(db: any) {
            const t = portable(db);
            await t
              .createTable('items')
              .addColumn('id', t.id, (c) => c.primaryKey())
              .addColumn('owner_id', t.string(64))
              .addColumn('title', t.string(200), (c) => c.notNull())
              .addColumn('body', t.text)
              .addColumn('is_public', t.boolean, (c) => c.notNull())
              .addColumn('created_at', t.date, (c) => c.notNull())
              .addColumn('updated_at', t.date, (c) => c.notNull())
              .execute();
          },
        },
      };
      expect((await migrateUp(createMigrator(database.db, old))).ok).toBe(true);
      await database.db
        .insertInto('items')
        .values({
          id: 'old-1',
          owner_id: 'u1',
          title: 'ÉTÉ Notes',
          body: 'Hello',
          is_public: 1,
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      const result = await migrateUp(createMigrator(database.db, appMigrations));
      expect(result.ok).toBe(true);
      expect(result.done).toContain('2026_12_02_0001_items_search_columns');
      expect(result.done).not.toContain('2026_11_27_0300_create_items');
      const row = await database.db
        .selectFrom('items')
        .select(['title__ci', 'body__ci'])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ title__ci: 'été notes', body__ci: 'hello' });
    } finally {
      await database.close();
    }
  });
});

describe('README: add your own resource', () => {
  // The definition exactly as README.md shows it.
  const notes = defineResource({
    name: 'notes',
    createdIn: '2026_12_10_0001_create_notes',
    columns: {
      owner_id: column.string(64),
      title: column.string(120).filterable().sortable().searchable(),
      done: column.boolean().default(false).filterable(),
    },
    owner: 'owner_id',
  });

  it('migrates, serves, validates and documents it', async () => {
    const harness = await new BridgeHarness().start();
    const database = createDatabase({ url: ':memory:', type: 'libsql' });
    try {
      expect(Object.keys(resourceMigrations(notes))).toEqual(['2026_12_10_0001_create_notes']);
      await migrateResource(database.db, notes, 'readme');
      const { app: notesApp } = harness.app({ db: database.db, resources: [notes] });
      const { sessionId } = await harness.session();
      const created = await clientCall(notesApp, '/bridge/notes', sessionId, {
        method: 'POST',
        body: JSON.stringify({ title: 'Buy milk' }),
      });
      expect(created.status).toBe(201);
      const list = await json(await clientCall(notesApp, '/bridge/notes?done=false&title:sw=buy', sessionId));
      expect(list.data.map((n: { title: string }) => n.title)).toEqual(['Buy milk']);
      const doc = createOpenApiDocument({ resources: [notes] }) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths)).toEqual(['/bridge/notes', '/bridge/notes/search', '/bridge/notes/{id}']);
    } finally {
      await harness.close();
      await database.close();
    }
  });
});
