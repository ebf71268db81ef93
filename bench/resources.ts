/**
 * Resources benchmark: `npx tsx bench/resources.ts` (npm run bench:resources).
 *
 * 10,000 rows; a list with two filters and an ordering, through the Bridge API route (HTTP parsing,
 * query validation, access, SQL, decoding, JSON) versus the same query written directly in Kysely
 * (page + count, as the route runs them), on SQLite and PostgreSQL in the same run. Each iteration runs
 * route, raw and cached in turn so a shared machine's noise hits all alike; figures are medians. The cached variant
 * is the same route on a resource with `cache` (Redis when it answers, else the in-process cache).
 * The last line of output is one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { sql } from 'kysely';
import { authContext, createAuth } from '../src/auth/index.js';
import { createCacheRuntime } from '../src/cache/index.js';
import { createDatabase, createMigrator, type Database, migrateUp } from '../src/db/index.js';
import { createApp } from '../src/http/index.js';
import { silentLogger } from '../src/log/logger.js';
import {
  column,
  createBridgeRoutes,
  defineResource,
  foldCase,
  resourceMigrations,
} from '../src/resources/index.js';

const ROWS = 10_000;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 500);
const POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const QUERY = 'category=c3&rank:gte=2000&orderBy=score&orderDir=desc&limit=20';
const run = Math.random().toString(36).slice(2, 8);

function resource(table: string, cache: boolean) {
  return defineResource({
    name: cache ? 'cached' : 'bench',
    table,
    createdIn: '2026_12_02_0001_create_bench',
    columns: {
      title: column.string(120).filterable().sortable().searchable(),
      category: column.string(32).filterable().sortable(),
      rank: column.integer().filterable().sortable(),
      score: column.number().filterable().sortable(),
      done: column.boolean().filterable(),
    },
    access: { list: 'public', read: 'public', create: 'public', update: 'public', delete: 'public' },
    indexes: { [`${table}_cat_idx`]: ['category', 'rank'] },
    cache,
  });
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function seed(database: Database, table: string): Promise<void> {
  const pg = database.type === 'postgres';
  const now = Date.now();
  for (let start = 0; start < ROWS; start += 500) {
    const values = [];
    for (let i = start; i < Math.min(start + 500, ROWS); i++) {
      const title = `Row ${i} Ünïcode title`;
      values.push({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        title,
        title__ci: foldCase(title),
        category: `c${i % 10}`,
        rank: (i * 7919) % ROWS,
        score: ((i * 104729) % 100_000) / 100,
        done: pg ? i % 2 === 0 : i % 2,
        created_at: now + i,
        updated_at: now + i,
      });
    }
    await database.db.insertInto(table).values(values).execute();
  }
}

async function dialect(name: 'sqlite' | 'postgres', open: () => Database) {
  const database = open();
  const table = `bench_res_${run}`;
  const plain = resource(table, false);
  const cached = resource(table, true);
  const migrator = createMigrator(database.db, resourceMigrations(plain), {
    tableName: `bench_mig_${run}`,
    lockTableName: `bench_mig_${run}_lock`,
  });
  const migrated = await migrateUp(migrator);
  if (!migrated.ok) throw new Error(`migration failed: ${migrated.error}`);
  const runtime = createCacheRuntime({
    redisUrl: REDIS_URL,
    prefix: `bench-res-${run}`,
    logger: silentLogger(),
  });
  const redis = await runtime.whenReady(3000);
  try {
    await seed(database, table);
    if (database.type === 'postgres') await sql`analyze ${sql.table(table)}`.execute(database.db);
    const auth = createAuth({
      flowlessApiUrl: 'http://127.0.0.1:9',
      validationSecret: 'x'.repeat(48),
      cache: runtime,
    });
    const app: Hono = createApp({
      config: { BODY_LIMIT_BYTES: 1_048_576, CORS_ORIGINS: [], DEBUG_ERRORS: false },
      logger: silentLogger(),
      accessLog: false,
    });
    app.use('*', authContext(auth));
    app.route('/', createBridgeRoutes({ db: database.db, resources: [plain, cached], cache: runtime }).app);
    // The same cached resource on an instance without Redis: the in-process cache alone.
    const local = createCacheRuntime({ logger: silentLogger() });
    app.route(
      '/',
      createBridgeRoutes({ db: database.db, resources: [cached], cache: local, basePath: '/l1' }).app,
    );

    const route = async (path: string) => {
      const res = await app.request(path, { headers: { 'Content-Type': 'application/json' } });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      // Read, not parsed: parsing the answer is the client's cost, not the route's.
      await res.arrayBuffer();
    };
    const raw = async () => {
      const [rows, count] = await Promise.all([
        database.db
          .selectFrom(table)
          .where('category', '=', 'c3')
          .where('rank', '>=', 2000)
          .select(plain.columnNames)
          .orderBy('score', 'desc')
          .orderBy('id', 'asc')
          .limit(20)
          .offset(0)
          .execute(),
        database.db
          .selectFrom(table)
          .where('category', '=', 'c3')
          .where('rank', '>=', 2000)
          .select((eb) => eb.fn.countAll().as('total'))
          .executeTakeFirstOrThrow(),
      ]);
      if (rows.length !== 20 || Number(count.total) === 0) throw new Error('raw query returned nothing');
    };
    const timed = async (fn: () => Promise<void>, out: number[]) => {
      const t = performance.now();
      await fn();
      out.push(performance.now() - t);
    };
    const routeTimes: number[] = [];
    const rawTimes: number[] = [];
    const cachedTimes: number[] = [];
    const localTimes: number[] = [];
    const scratch: number[] = [];
    // Warm-up (JIT, statement caches, the first cache fill), then route, raw and cached one after
    // the other in every iteration, so a shared machine's load falls on all three alike.
    for (let i = 0; i < 100; i++) {
      await timed(() => route(`/bridge/bench?${QUERY}`), scratch);
      await timed(raw, scratch);
      await timed(() => route(`/bridge/cached?${QUERY}`), scratch);
      await timed(() => route(`/l1/cached?${QUERY}`), scratch);
    }
    for (let i = 0; i < ITERATIONS; i++) {
      await timed(() => route(`/bridge/bench?${QUERY}`), routeTimes);
      await timed(raw, rawTimes);
      await timed(() => route(`/bridge/cached?${QUERY}`), cachedTimes);
      await timed(() => route(`/l1/cached?${QUERY}`), localTimes);
    }
    await local.close();
    await auth.close();
    const result = {
      dialect: name,
      list_route_p50_ms: Number(median(routeTimes).toFixed(3)),
      list_raw_p50_ms: Number(median(rawTimes).toFixed(3)),
      list_overhead_ratio: Number((median(routeTimes) / median(rawTimes)).toFixed(3)),
      list_overhead_ms: Number((median(routeTimes) - median(rawTimes)).toFixed(3)),
      cached_list_p50_ms: Number(median(cachedTimes).toFixed(3)),
      cache_backend: redis ? 'redis' : 'in-process',
      cached_l1_list_p50_ms: Number(median(localTimes).toFixed(3)),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await runtime.redis?.eval(
      "for _, k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end",
      0,
      `bench-res-${run}:*`,
    );
    await runtime.close();
    for (const t of [table, `bench_mig_${run}`, `bench_mig_${run}_lock`])
      await database.db.schema.dropTable(t).ifExists().execute();
    await database.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'flowfull-bench-res-'));
try {
  const sqlite = await dialect('sqlite', () => createDatabase({ url: `file:${join(dir, 'bench.db')}` }));
  const postgres = await dialect('postgres', () => createDatabase({ url: POSTGRES_URL, poolMax: 4 }));
  const per = { sqlite, postgres };
  console.log(
    JSON.stringify({
      rows: ROWS,
      query: QUERY,
      list_route_p50_ms: Math.max(sqlite.list_route_p50_ms, postgres.list_route_p50_ms),
      list_raw_p50_ms: Math.max(sqlite.list_raw_p50_ms, postgres.list_raw_p50_ms),
      list_overhead_ratio: Math.max(sqlite.list_overhead_ratio, postgres.list_overhead_ratio),
      cached_list_p50_ms: Math.max(sqlite.cached_list_p50_ms, postgres.cached_list_p50_ms),
      cached_l1_list_p50_ms: Math.max(sqlite.cached_l1_list_p50_ms, postgres.cached_l1_list_p50_ms),
      per_dialect: per,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
