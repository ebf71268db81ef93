/**
 * Memory benchmark: `npx tsx bench/memory.ts` (npm run bench:memory).
 *
 * The starter (loadConfig + createServices + buildApp + listen, embedded defaults: SQLite file,
 * in-process cache and memory security state, validation mode STANDARD) runs in a child process
 * started with --expose-gc; the Flowless stand-in runs in this process, so its own store of sessions
 * is not counted. Sessions are created and validated through GET /api/v1/me, cumulatively, up to
 * 1k, 10k, 50k and 100k; after each step the child collects garbage twice and reports heap and RSS.
 * Every in-process structure is bounded by its setting; the bench sets them to one bound
 * (BENCH_BOUND, default 10,000 sessions, the default CACHE_L1_MAX_ENTRIES), so RSS should stop
 * growing past it. The last line of output is one JSON object.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ask as askChild } from './support.js';

const BOUND = Number(process.env.BENCH_BOUND ?? 10_000);
const STEPS = (process.env.BENCH_STEPS ?? '1000,10000,50000,100000').split(',').map(Number);
const CONCURRENCY = 32;
const USERS = 100;

type FromChild =
  | { type: 'ready'; port: number }
  | { type: 'memory'; heapUsed: number; rss: number; external: number; arrayBuffers: number };

const ask = <T extends FromChild['type']>(child: ChildProcess, type: T) =>
  askChild<FromChild, T>(child, type);

// ---- the server under test (child process) ------------------------------------------------------

async function serve(): Promise<void> {
  const { loadConfig } = await import('../src/config/index.js');
  const { createLogger } = await import('../src/log/logger.js');
  const { buildApp, createServices, migrate } = await import('../src/app/services.js');
  const { listen } = await import('../src/http/index.js');
  const config = loadConfig({ dotenvPath: false });
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'flowfull' });
  const services = await createServices(config, logger);
  await migrate(services);
  const server = await listen(buildApp(services), { port: 0, host: '127.0.0.1' });
  process.send!({ type: 'ready', port: server.port } satisfies FromChild);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'memory') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const m = process.memoryUsage();
      process.send!({
        type: 'memory',
        heapUsed: m.heapUsed,
        rss: m.rss,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      } satisfies FromChild);
    } else if (message.type === 'stop') {
      void server
        .close(100)
        .then(() => services.close())
        .then(() => process.exit(0));
    }
  });
}

// ---- the driver -----------------------------------------------------------------------------------

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

async function drive(): Promise<void> {
  const { startFlowlessStandin } = await import('../src/standin/index.js');
  const { generateTokenKeyMaterial } = await import('../src/tokens/index.js');
  const secret = randomBytes(32).toString('hex');
  const standin = await startFlowlessStandin({ bridgeSecret: secret, nodeEnv: 'test' });
  const dir = mkdtempSync(join(os.tmpdir(), 'flowfull-bench-memory-'));
  const keys = await generateTokenKeyMaterial();
  const { REDIS_URL: _redis, LOG_LEVEL: _level, ...inherited } = process.env;
  const env = {
    ...inherited,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    PORT: '0',
    DATABASE_URL: `file:${join(dir, 'bench.db')}`,
    FLOWLESS_API_URL: standin.url,
    BRIDGE_VALIDATION_SECRET: secret,
    PASETO_SECRET_KEY: keys.secretKey,
    // Every in-process bound set from the one figure: a session occupies one entry of each.
    CACHE_L1_MAX_ENTRIES: String(BOUND),
    BRIDGE_HOT_MAX_ENTRIES: String(BOUND),
    BRIDGE_NEGATIVE_MAX_ENTRIES: String(BOUND),
    AUTH_LOCAL_MAX_SESSIONS: String(BOUND),
    // A binding and an activity window per session.
    STATE_MEMORY_MAX_ENTRIES: String(2 * BOUND),
  };
  const child = spawn(
    process.execPath,
    ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), '--server'],
    { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  try {
    const base = `http://127.0.0.1:${(await ask(child, 'ready')).port}`;
    const users: string[] = [];
    for (let i = 0; i < USERS; i++)
      users.push((await standin.createUser({ email: `mem-${i}@example.test`, name: `Mem ${i}` })).id);
    const baseline = await ask(child, 'memory');
    const rows: Array<{ sessions: number; heapMb: number; rssMb: number; heapBytesPerSession: number }> = [];
    let made = 0;
    for (const target of STEPS) {
      // New sessions, each validated once (cold, then cached): the step's sessions are all warm.
      let next = made;
      const worker = async () => {
        while (next < target) {
          const n = next++;
          const { sessionId } = await standin.createSession(users[n % USERS]!);
          const res = await fetch(`${base}/api/v1/me`, { headers: { 'X-Session-ID': sessionId } });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`session ${n} answered ${res.status}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      made = target;
      const m = await ask(child, 'memory');
      const held = Math.min(target, BOUND);
      const row = {
        sessions: target,
        heapMb: mb(m.heapUsed),
        rssMb: mb(m.rss),
        heapBytesPerSession: Math.round((m.heapUsed - baseline.heapUsed) / held),
      };
      rows.push(row);
      console.log(
        `${String(target).padStart(7)} sessions: heap ${row.heapMb} MB, rss ${row.rssMb} MB, ` +
          `heap per held session ${row.heapBytesPerSession} B, rss per held session ${Math.round((m.rss - baseline.rss) / held)} B`,
      );
    }
    const atBound = rows.find((r) => r.sessions >= BOUND) ?? rows[rows.length - 1]!;
    const last = rows[rows.length - 1]!;
    const beforeLast = rows[rows.length - 2] ?? atBound;
    console.log(
      `baseline: heap ${mb(baseline.heapUsed)} MB, rss ${mb(baseline.rss)} MB; bound ${BOUND}; ` +
        `load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    console.log(
      JSON.stringify({
        bound: BOUND,
        heap_bytes_per_session: atBound.heapBytesPerSession,
        rss_mb_at_bound: atBound.rssMb,
        rss_mb_at_5x_bound: beforeLast.rssMb,
        rss_mb_at_10x_bound: last.rssMb,
        rss_growth_last_step: Math.round((last.rssMb / beforeLast.rssMb - 1) * 1000) / 1000,
        node: process.version,
      }),
    );
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await exited;
    }
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--server')) await serve();
else await drive();
