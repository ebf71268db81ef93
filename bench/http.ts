/**
 * HTTP shell benchmark: `npx tsx bench/http.ts` (npm run bench:http).
 *
 * Two servers, each in its own child process on 127.0.0.1, driven by autocannon from this process:
 *  - `bare`: a plain Hono app on @hono/node-server answering GET /health with a small JSON body;
 *  - `starter`: the starter itself (loadConfig + createServices + buildApp + listen), NODE_ENV=production
 *    and every middleware it ships with, on the embedded defaults: a SQLite file, the in-process cache,
 *    no Redis, the access log at info level written to its stdout (here /dev/null).
 * Flowless is the stand-in, in this (the driver's) process: a third process as far as the server is
 * concerned. Phases alternate between the servers in every round so drift on a shared machine hits
 * both; figures are medians over the rounds. CPU per request is the server child's own
 * process.cpuUsage() delta over the phase divided by the requests it answered.
 * The last line of output is one JSON object.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { ask as askChild, autocannon, median, round } from './support.js';

const PHASE_SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const ROTATED_SESSIONS = 1000;

type FromChild = { type: 'ready'; port: number } | { type: 'cpu'; micros: number };
const ask = <T extends FromChild['type']>(child: ChildProcess, type: T) =>
  askChild<FromChild, T>(child, type);

// ---- the servers under test (child processes) ---------------------------------------------------

function reportTo(server: Server | undefined, port: number, stop: () => Promise<void>): void {
  process.send!({ type: 'ready', port } satisfies FromChild);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      const u = process.cpuUsage();
      process.send!({ type: 'cpu', micros: u.user + u.system } satisfies FromChild);
    } else if (message.type === 'stop') {
      server?.closeAllConnections();
      void stop().then(() => process.exit(0));
    }
  });
}

async function serveBare(): Promise<void> {
  const app = new Hono();
  app.get('/health', (c) => c.json({ success: true, data: { status: 'ok' } }));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const port = (server.address() as net.AddressInfo).port;
    reportTo(server, port, () => new Promise((resolve) => server.close(() => resolve())));
  });
}

/** The first `count` layers of the shell (production logger to stdout) in front of GET /health. */
async function serveLayers(count: number): Promise<void> {
  const { shellLayers } = await import('../src/http/index.js');
  const { createLogger } = await import('../src/log/logger.js');
  const logger = createLogger({ level: 'info', name: 'flowfull' });
  const config = { BODY_LIMIT_BYTES: 1_048_576, CORS_ORIGINS: [], DEBUG_ERRORS: false };
  const app = new Hono();
  for (const layer of shellLayers({ config, logger }).slice(0, count)) app.use('*', layer.handler);
  app.get('/health', (c) => c.json({ success: true, data: { status: 'ok' } }));
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    const port = (server.address() as net.AddressInfo).port;
    reportTo(server, port, () => new Promise((resolve) => server.close(() => resolve())));
  });
}

async function serveStarter(): Promise<void> {
  const { loadConfig } = await import('../src/config/index.js');
  const { createLogger } = await import('../src/log/logger.js');
  const { buildApp, createServices, migrate } = await import('../src/app/services.js');
  const { listen } = await import('../src/http/index.js');
  const config = loadConfig({ dotenvPath: false });
  const logger = createLogger({ level: config.LOG_LEVEL, name: 'flowfull' });
  const services = await createServices(config, logger);
  await migrate(services);
  const server = await listen(buildApp(services), { port: 0, host: '127.0.0.1' });
  reportTo(server.server as Server, server.port, async () => {
    await server.close(100);
    await services.close();
  });
}

// ---- the driver -----------------------------------------------------------------------------------

interface Phase {
  rps: number;
  cpuUsPerReq: number;
  p99: number;
  failed: number;
}

type Load = { url: string; headers?: Record<string, string> } | { url: string; requests: object[] };

async function phase(child: ChildProcess, load: Load, seconds = PHASE_SECONDS): Promise<Phase> {
  const before = (await ask(child, 'cpu')).micros;
  const r = await autocannon({ connections: CONNECTIONS, duration: seconds, ...load });
  const after = (await ask(child, 'cpu')).micros;
  return {
    rps: r.requests.average,
    cpuUsPerReq: (after - before) / Math.max(1, r.requests.total),
    p99: r.latency.p99,
    failed: r.non2xx + r.errors + r.timeouts,
  };
}

function startServer(kind: string, env: Record<string, string | undefined>): ChildProcess {
  // BENCH_PROFILE_DIR: a V8 CPU profile of the starter's process, written there when it stops.
  const profile =
    kind === 'starter' && process.env.BENCH_PROFILE_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
      : [];
  const args = [...profile, ...process.execArgv, fileURLToPath(import.meta.url), `--server=${kind}`];
  return spawn(process.execPath, args, {
    env,
    // The starter's access log goes to its stdout: discarded, but written as in production.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function drive(): Promise<void> {
  const { startFlowlessStandin } = await import('../src/standin/index.js');
  const { generateTokenKeyMaterial } = await import('../src/tokens/index.js');
  const secret = randomBytes(32).toString('hex');
  const standin = await startFlowlessStandin({ bridgeSecret: secret, nodeEnv: 'test' });
  const dir = mkdtempSync(join(os.tmpdir(), 'flowfull-bench-http-'));
  const keys = await generateTokenKeyMaterial();
  // Production defaults; only what production requires is set. No REDIS_URL: the embedded default.
  const { REDIS_URL: _redis, LOG_LEVEL: _level, ...inherited } = process.env;
  const starterEnv = {
    ...inherited,
    NODE_ENV: 'production',
    PORT: '0',
    DATABASE_URL: `file:${join(dir, 'bench.db')}`,
    FLOWLESS_API_URL: standin.url,
    BRIDGE_VALIDATION_SECRET: secret,
    PASETO_SECRET_KEY: keys.secretKey,
  };
  const bare = startServer('bare', process.env);
  const starter = startServer('starter', starterEnv);
  try {
    const bareBase = `http://127.0.0.1:${(await ask(bare, 'ready')).port}`;
    const starterBase = `http://127.0.0.1:${(await ask(starter, 'ready')).port}`;

    const user = await standin.createUser({ email: 'bench-http@example.test', name: 'Bench' });
    const sessions: string[] = [];
    for (let i = 0; i < ROTATED_SESSIONS; i++)
      sessions.push((await standin.createSession(user.id)).sessionId);
    // Every session validated once (warm), in small batches.
    for (let i = 0; i < sessions.length; i += 50) {
      const batch = sessions.slice(i, i + 50).map(async (id) => {
        const res = await fetch(`${starterBase}/api/v1/me`, { headers: { 'X-Session-ID': id } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`warm-up of a session answered ${res.status}`);
      });
      await Promise.all(batch);
    }
    const warm = { 'X-Session-ID': sessions[0]! };
    const loads = {
      bare: { child: bare, load: { url: `${bareBase}/health` } },
      health: { child: starter, load: { url: `${starterBase}/health` } },
      me: { child: starter, load: { url: `${starterBase}/api/v1/me`, headers: warm } },
      me1000: {
        child: starter,
        load: {
          url: `${starterBase}/api/v1/me`,
          requests: sessions.map((id) => ({
            method: 'GET',
            path: '/api/v1/me',
            headers: { 'X-Session-ID': id },
          })),
        },
      },
    } satisfies Record<string, { child: ChildProcess; load: Load }>;
    type Name = keyof typeof loads;
    // BENCH_ONLY=bare,health: a subset of the loads (profiling one path).
    const only = process.env.BENCH_ONLY?.split(',');
    const names = (Object.keys(loads) as Name[]).filter((n) => n === 'bare' || !only || only.includes(n));
    for (const name of names) await phase(loads[name].child, loads[name].load, 1); // JIT warm-up

    const results = Object.fromEntries(Object.keys(loads).map((n) => [n, [] as Phase[]])) as Record<
      Name,
      Phase[]
    >;
    for (let i = 0; i < ROUNDS; i++) {
      // Alternate the order each round: bare first, then last.
      const order = i % 2 === 0 ? names : [...names].reverse();
      for (const name of order) results[name].push(await phase(loads[name].child, loads[name].load));
    }
    for (const name of names)
      if (results[name].some((p) => p.failed > 0)) throw new Error(`${name}: non-2xx answers or errors`);

    const rps = (n: Name) => (results[n].length ? median(results[n].map((p) => p.rps)) : Number.NaN);
    const cpu = (n: Name) =>
      round(results[n].length ? median(results[n].map((p) => p.cpuUsPerReq)) : Number.NaN, 1);
    // Per-round ratios against the bare phase of the same round, then the median.
    const ratio = (n: Name) =>
      results[n].length
        ? round(median(results[n].map((p, i) => p.rps / results.bare[i]!.rps)), 3)
        : Number.NaN;
    const machine = `${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, Node ${process.version}`;
    console.log(
      `machine: ${machine}; load average: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ` + `${ROUNDS} rounds x ${PHASE_SECONDS}s, ${CONNECTIONS} connections`,
    );
    for (const name of names)
      console.log(
        `${name.padEnd(7)} req/s / cpu us per req / p99 ms: ${results[name]
          .map((p) => `${Math.round(p.rps)}/${round(p.cpuUsPerReq, 1)}/${p.p99}`)
          .join(', ')}`,
      );
    console.log(
      JSON.stringify({
        bare_rps: Math.round(rps('bare')),
        health_rps: Math.round(rps('health')),
        me_rps: Math.round(rps('me')),
        me_1000_rps: Math.round(rps('me1000')),
        health_vs_bare: ratio('health'),
        me_vs_bare: ratio('me'),
        me_1000_vs_bare: ratio('me1000'),
        bare_cpu_us_per_req: cpu('bare'),
        health_cpu_us_per_req: cpu('health'),
        me_cpu_us_per_req: cpu('me'),
        me_1000_cpu_us_per_req: cpu('me1000'),
        load_average_1m: round(os.loadavg()[0]!, 2),
        machine,
      }),
    );
  } finally {
    await Promise.all([stopServer(bare), stopServer(starter)]);
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `--layers`: CPU per request of GET /health behind the first 0, 1, … 5 layers of the shell, each
 * count in its own child, alternating rounds. No Origin and no body: the path every API call takes.
 */
async function driveLayers(): Promise<void> {
  const counts = [0, 1, 2, 3, 4, 5];
  const children = counts.map((n) => startServer(`layers:${n}`, process.env));
  try {
    const bases = [];
    for (const child of children) bases.push(`http://127.0.0.1:${(await ask(child, 'ready')).port}`);
    const results = counts.map(() => [] as Phase[]);
    for (const [i, child] of children.entries()) await phase(child, { url: `${bases[i]}/health` }, 1);
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? counts : [...counts].reverse();
      for (const i of order) results[i]!.push(await phase(children[i]!, { url: `${bases[i]}/health` }));
    }
    const names = [
      'bare',
      '+ request id & fixed headers',
      '+ access log',
      '+ cors',
      '+ body limit',
      '+ csrf',
    ];
    console.log(
      `load average: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}; ${ROUNDS} rounds x ${PHASE_SECONDS}s`,
    );
    const summary: Record<string, number> = {};
    for (const [i, name] of names.entries()) {
      const cpu = round(median(results[i]!.map((p) => p.cpuUsPerReq)), 1);
      summary[name] = cpu;
      console.log(
        `${name.padEnd(30)} cpu us/req ${cpu}  (req/s ${Math.round(median(results[i]!.map((p) => p.rps)))})`,
      );
    }
    console.log(JSON.stringify({ cpu_us_per_req: summary }));
  } finally {
    await Promise.all(children.map(stopServer));
  }
}

const serverArg = process.argv.find((a) => a.startsWith('--server='));
if (serverArg === '--server=bare') await serveBare();
else if (serverArg === '--server=starter') await serveStarter();
else if (serverArg?.startsWith('--server=layers:')) await serveLayers(Number(serverArg.slice(16)));
else if (process.argv.includes('--layers')) await driveLayers();
else await drive();
