import { randomBytes, randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { type AuthService, authContext, createAuth } from '../../src/auth/index.js';
import { type CacheRuntime, createCacheRuntime } from '../../src/cache/index.js';
import { parseConfig } from '../../src/config/index.js';
import { createMigrator, migrateUp } from '../../src/db/index.js';
import { createApp } from '../../src/http/index.js';
import { silentLogger } from '../../src/log/logger.js';
import {
  type BridgeRoutes,
  type BridgeRoutesOptions,
  column,
  createBridgeRoutes,
  defineResource,
  type Resource,
  resourceMigrations,
} from '../../src/resources/index.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../src/standin/index.js';

export const SECRET = randomBytes(24).toString('hex');
export const testConfig = parseConfig({ NODE_ENV: 'test' }).config!;

/** The resource of the contract suite: every column kind, under a table name of its own. */
export function notesResource(table: string, extra: { cache?: boolean } = {}) {
  return defineResource({
    name: 'notes',
    table,
    createdIn: '2026_12_02_0001_create_notes',
    columns: {
      owner_id: column.string(64),
      title: column.string(120).min(1).filterable().sortable().searchable(),
      body: column.text().max(2000).nullable().searchable(),
      tag: column.string(32).nullable().filterable().sortable(),
      rank: column.integer().filterable().sortable(),
      score: column.number().nullable().filterable().sortable(),
      done: column.boolean().default(false).filterable().sortable(),
      due_at: column.date().nullable().filterable().sortable(),
      meta: column.json().nullable(),
    },
    owner: 'owner_id',
    maxLimit: 50,
    defaultLimit: 10,
    cache: extra.cache,
  });
}
export type Notes = ReturnType<typeof notesResource>;

// biome-ignore lint/suspicious/noExplicitAny: any table layout
export async function migrateResource(db: Kysely<any>, resource: Resource, run: string) {
  const migrator = createMigrator(db, resourceMigrations(resource), {
    tableName: `rmig_${run}`,
    lockTableName: `rmig_${run}_lock`,
  });
  const result = await migrateUp(migrator);
  if (!result.ok) throw new Error(`migration failed: ${result.error}`);
  return [`rmig_${run}`, `rmig_${run}_lock`];
}

/** A Flowless stand-in and, per "instance", an auth service and the HTTP shell with Bridge routes. */
export class BridgeHarness {
  standin!: FlowlessStandin;
  readonly runtimes: CacheRuntime[] = [];
  readonly auths: AuthService[] = [];

  async start(): Promise<this> {
    this.standin = await startFlowlessStandin({ bridgeSecret: SECRET });
    return this;
  }

  runtime(redisUrl?: string, prefix = `res-${randomUUID().slice(0, 8)}`): CacheRuntime {
    const runtime = createCacheRuntime({ ...(redisUrl ? { redisUrl } : {}), prefix, logger: silentLogger() });
    this.runtimes.push(runtime);
    return runtime;
  }

  app(options: Omit<BridgeRoutesOptions, 'cache'> & { cache?: CacheRuntime }): {
    app: Hono;
    bridge: BridgeRoutes;
  } {
    const cache = options.cache ?? this.runtime();
    const auth = createAuth({
      flowlessApiUrl: this.standin.url,
      validationSecret: SECRET,
      logger: silentLogger(),
      cache,
    });
    this.auths.push(auth);
    const app = createApp({ config: testConfig, logger: silentLogger(), accessLog: false });
    app.use('*', authContext(auth));
    const bridge = createBridgeRoutes({ ...options, cache: options.cache });
    app.route('/', bridge.app);
    return { app, bridge };
  }

  async session(userType = 'user') {
    const user = await this.standin.createUser({
      email: `${randomUUID()}@example.test`,
      password: 'correct-horse-battery',
      name: 'Ada',
      userType,
    });
    const { sessionId } = await this.standin.createSession(user.id);
    return { user, sessionId };
  }

  async close(): Promise<void> {
    await Promise.all(this.auths.map((a) => a.close()));
    await Promise.all(this.runtimes.map((r) => r.close()));
    await this.standin?.close();
  }
}

/** A request as `@pubflow/core`'s ApiClient sends it: JSON content type always, X-Session-ID when signed in. */
export function clientCall(app: Hono, path: string, sessionId?: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json');
  if (sessionId) headers.set('X-Session-ID', sessionId);
  return app.request(path, { ...init, headers });
}
