/**
 * Auth benchmark: `npx tsx bench/auth.ts` (npm run bench:auth).
 *
 * The server under test runs in a child process (this file with `--server`) listening on 127.0.0.1;
 * autocannon and the Flowless stand-in run in this process. One app serves both routes of the same
 * run: `/bare` (a plain Hono route) and `/auth` (requireAuth, warm cache), so the baseline shares every
 * condition. Then 1,000 connections send their first request at once with one new session (cold storm).
 * Redis is used when it answers on REDIS_URL (default redis://127.0.0.1:6379), else L1 only.
 * The last line of output is one JSON object.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { requireAuth } from '../src/auth/middleware.js';
import { authContext, createAuth } from '../src/auth/service.js';
import { type CacheRuntime, createCacheRuntime } from '../src/cache/index.js';
import { startFlowlessStandin } from '../src/standin/index.js';
import { ask as askChild, autocannon, median, round } from './support.js';

const PHASE_SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 2);
// Short alternating rounds and medians: a shared machine's noise hits both routes alike.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CONNECTIONS = 64;
const STORM = 1000;
const STORM_UPSTREAM_LATENCY_MS = 50;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type FromChild =
  | { type: 'ready'; port: number }
  | { type: 'cpu'; micros: number }
  | { type: 'metrics'; data: unknown };
const ask = <T extends FromChild['type']>(child: ChildProcess, type: T) =>
  askChild<FromChild, T>(child, type);

// ---- the server under test (child process) ------------------------------------------------------

async function serve(): Promise<void> {
  const url = process.env.BENCH_FLOWLESS_URL!;
  const secret = process.env.BENCH_SECRET!;
  const cache = createCacheRuntime(
    process.env.BENCH_REDIS ? { redisUrl: REDIS_URL, prefix: process.env.BENCH_PREFIX } : {},
  );
  await cache.whenReady(3000);
  const auth = createAuth({ flowlessApiUrl: url, validationSecret: secret, cache });
  const app = new Hono();
  app.use('*', authContext(auth));
  app.get('/bare', (c) => c.json({ success: true, data: { ok: true } }));
  app.get('/auth', requireAuth(), (c) => c.json({ success: true, data: { user_id: c.get('user_id') } }));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const address = server.address() as net.AddressInfo;
    process.send!({ type: 'ready', port: address.port } satisfies FromChild);
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ type: 'cpu', micros: u.user + u.system } satisfies FromChild);
    } else if (message.type === 'metrics') {
      process.send!({ type: 'metrics', data: auth.metrics().validator } satisfies FromChild);
    } else if (message.type === 'stop') {
      server.closeAllConnections();
      server.close();
      void dropKeys(cache.redis, process.env.BENCH_PREFIX)
        .then(() => cache.close())
        .then(() => process.exit(0));
    }
  });
}

/** The run's own Redis keys (its random prefix), so nothing is left behind. */
async function dropKeys(redis: CacheRuntime['redis'], prefix: string | undefined): Promise<void> {
  if (redis === undefined || !prefix) return;
  const stream = redis.scanStream({ match: `${prefix}:*`, count: 500 });
  for await (const keys of stream)
    if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
}

// ---- the driver -----------------------------------------------------------------------------------

function redisAnswers(): Promise<boolean> {
  const u = new URL(REDIS_URL);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port) || 6379 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

interface Phase {
  rps: number;
  cpuUsPerReq: number;
  p99: number;
  non2xx: number;
}

async function phase(child: ChildProcess, url: string, headers: Record<string, string>): Promise<Phase> {
  const before = (await ask(child, 'cpu')).micros;
  const r = await autocannon({ url, connections: CONNECTIONS, duration: PHASE_SECONDS, headers });
  const after = (await ask(child, 'cpu')).micros;
  return {
    rps: r.requests.average,
    cpuUsPerReq: (after - before) / Math.max(1, r.requests.total),
    p99: r.latency.p99,
    non2xx: r.non2xx + r.errors + r.timeouts,
  };
}

/** taskset, when present on a machine with two or more CPUs: the server on CPU 1, load and stand-in on CPU 0. */
function pinning(): boolean {
  if (os.cpus().length < 2 || process.env.BENCH_NO_PIN) return false;
  try {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function startServer(env: Record<string, string>): ChildProcess {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--server'];
  const options = {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'] as const,
  };
  return pinned
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], { ...options, stdio: [...options.stdio] })
    : spawn(process.execPath, args, { ...options, stdio: [...options.stdio] });
}

let pinned = false;

async function drive(): Promise<void> {
  pinned = pinning();
  const secret = randomBytes(32).toString('hex');
  const standin = await startFlowlessStandin({ bridgeSecret: secret, nodeEnv: 'test' });
  const redis = await redisAnswers();
  const prefix = `bench-auth-${randomBytes(4).toString('hex')}`;
  const child = startServer({
    ...process.env,
    BENCH_FLOWLESS_URL: standin.url,
    BENCH_SECRET: secret,
    BENCH_PREFIX: prefix,
    ...(redis ? { BENCH_REDIS: '1' } : {}),
  });
  try {
    const { port } = await ask(child, 'ready');
    const base = `http://127.0.0.1:${port}`;
    const user = await standin.createUser({ email: `bench-${prefix}@example.test`, name: 'Bench' });
    const { sessionId } = await standin.createSession(user.id);
    const warm = { 'X-Session-ID': sessionId };
    if ((await fetch(`${base}/auth`, { headers: warm })).status !== 200) throw new Error('warm-up failed');

    // Both routes get the same request bytes (the bare route ignores the header). Warm-up first.
    await autocannon({ url: `${base}/bare`, connections: CONNECTIONS, duration: 1, headers: warm });
    await autocannon({ url: `${base}/auth`, connections: CONNECTIONS, duration: 1, headers: warm });
    const bare: Phase[] = [];
    const authed: Phase[] = [];
    // Pairs run back to back, in alternating order, so slow drift cancels out of each pair's ratio.
    for (let i = 0; i < ROUNDS; i++) {
      if (i % 2 === 0) {
        bare.push(await phase(child, `${base}/bare`, warm));
        authed.push(await phase(child, `${base}/auth`, warm));
      } else {
        authed.push(await phase(child, `${base}/auth`, warm));
        bare.push(await phase(child, `${base}/bare`, warm));
      }
    }
    if (authed.some((p) => p.non2xx > 0)) throw new Error('auth phase had non-2xx answers');

    const storm = await coldStorm(standin, base, user.id);
    const validator = (await ask(child, 'metrics')).data;
    const bareRps = median(bare.map((p) => p.rps));
    const authRps = median(authed.map((p) => p.rps));
    const machine = `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    console.log(
      `machine: ${machine}; redis: ${redis}; pinned: ${pinned}; ${ROUNDS} rounds x ${PHASE_SECONDS}s, ${CONNECTIONS} connections`,
    );
    const show = (phases: Phase[]) =>
      phases.map((p) => `${Math.round(p.rps)}/${round(p.cpuUsPerReq, 1)}`).join(', ');
    console.log(`bare (req/s / cpu us per req): ${show(bare)}`);
    console.log(`auth (req/s / cpu us per req): ${show(authed)}`);
    console.log(`storm: ${JSON.stringify(storm)}; validator: ${JSON.stringify(validator)}`);
    console.log(
      JSON.stringify({
        bare_rps: Math.round(bareRps),
        auth_rps: Math.round(authRps),
        // Median of the per-pair ratios: robust to another process taking the CPU for a round.
        auth_ratio: round(median(authed.map((p, i) => p.rps / bare[i]!.rps)), 3),
        auth_cpu_us_per_req: round(median(authed.map((p) => p.cpuUsPerReq)), 1),
        bare_cpu_us_per_req: round(median(bare.map((p) => p.cpuUsPerReq)), 1),
        cold_storm_upstream_calls: storm.upstreamCalls,
        cold_storm_p99_ms: storm.p99,
        cold_storm_non2xx: storm.non2xx,
        redis,
        machine,
      }),
    );
  } finally {
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
    await standin.close();
  }
}

/** 1,000 connections, one request each, all carrying one session nobody has validated yet. */
async function coldStorm(
  standin: Awaited<ReturnType<typeof startFlowlessStandin>>,
  base: string,
  userId: string,
) {
  const { sessionId } = await standin.createSession(userId);
  standin.resetStats();
  // Flowless answers in 50 ms, as over a network: the whole storm lands while the first call is out.
  standin.setFaults({ latencyMs: STORM_UPSTREAM_LATENCY_MS });
  const r = await autocannon({
    url: `${base}/auth`,
    connections: STORM,
    amount: STORM,
    headers: { 'X-Session-ID': sessionId },
    timeout: 10,
  });
  standin.resetFaults();
  return {
    upstreamCalls: standin.stats().bridgeValidateCalls,
    p99: r.latency.p99,
    non2xx: r.non2xx + r.errors + r.timeouts,
  };
}

if (process.argv.includes('--server')) await serve();
else await drive();
