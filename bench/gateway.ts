/**
 * Gateway benchmark: `npx tsx bench/gateway.ts` (npm run bench:gateway).
 *
 * `GET /auth/me` (a signed-in call that Flowless answers itself) sent from this process either directly
 * to the Flowless stand-in or to Flowfull's gateway (the whole HTTP shell: request id, secure headers,
 * CORS, body limit), which forwards it to the same stand-in. The stand-in and Flowfull each run in a
 * child process of their own. Each round times requests one at a time, interleaved between the two
 * targets (gateway_p50_ms, direct_p50_ms, their ratio: the latency one call gains), then loads each
 * target with autocannon (gateway_rps, and the p50 under load). Rounds alternate their order, so a
 * shared machine's drift hits both; figures are medians over the rounds.
 * The last line of output is one JSON object.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createAdaptorServer } from '@hono/node-server';
import { parseConfig } from '../src/config/index.js';
import { createAuthGateway } from '../src/gateway/index.js';
import { createApp } from '../src/http/index.js';
import { silentLogger } from '../src/log/logger.js';
import { startFlowlessStandin } from '../src/standin/index.js';
import { type AutocannonResult, ask, autocannon, median, round } from './support.js';

const PHASE_SECONDS = Number(process.env.BENCH_PHASE_SECONDS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Sequential requests per target per round, timed one by one (autocannon's latencies are whole ms). */
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 400);

type Message =
  | { type: 'ready'; port: number }
  | { type: 'session'; sessionId: string }
  | { type: 'stop' }
  | { type: 'new-session' };

/** Waits for the child's next message of `type` (the child sends them unasked). */
const next = <T extends Message['type']>(child: ChildProcess, type: T) =>
  ask<Message, T>(child, type, { send: false });

// ---- children --------------------------------------------------------------------------------------

async function runStandin(): Promise<void> {
  const standin = await startFlowlessStandin({ bridgeSecret: process.env.BENCH_SECRET!, nodeEnv: 'test' });
  process.send!({ type: 'ready', port: standin.port } satisfies Message);
  process.on('message', async (message: Message) => {
    if (message.type === 'new-session') {
      const user = await standin.createUser({
        email: `bench-${randomBytes(4).toString('hex')}@example.test`,
      });
      const { sessionId } = await standin.createSession(user.id);
      process.send!({ type: 'session', sessionId } satisfies Message);
    } else if (message.type === 'stop') {
      await standin.close();
      process.exit(0);
    }
  });
}

function runGateway(): void {
  const config = parseConfig({ NODE_ENV: 'test' }).config!;
  const app = createApp({ config, logger: silentLogger(), accessLog: false });
  app.route('/', createAuthGateway({ upstreamUrl: process.env.BENCH_FLOWLESS_URL!, timeoutMs: 5000 }).app);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    process.send!({ type: 'ready', port: (server.address() as net.AddressInfo).port } satisfies Message);
  });
  process.on('message', (message: Message) => {
    if (message.type === 'stop') {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    }
  });
}

// ---- driver ----------------------------------------------------------------------------------------

function start(role: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--${role}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

const round2 = (n: number) => round(n, 2);
const round3 = (n: number) => round(n, 3);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function once(url: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`${url}: ${res.statusCode}`)),
        );
      })
      .on('error', reject);
  });
}

/** One request at a time, interleaved between the two targets: the latency the gateway adds to one call. */
async function sequential(
  a: string,
  b: string,
  headers: Record<string, string>,
): Promise<[number[], number[]]> {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    ta.push(await once(a, headers));
    tb.push(await once(b, headers));
  }
  return [ta, tb];
}

async function phase(url: string, headers: Record<string, string>): Promise<AutocannonResult> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: PHASE_SECONDS, headers });
  if (result.non2xx || result.errors || result.timeouts)
    throw new Error(
      `${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts ` +
        JSON.stringify(result.statusCodeStats ?? {}),
    );
  return result;
}

async function drive(): Promise<void> {
  const secret = randomBytes(32).toString('hex');
  const standin = start('standin', { BENCH_SECRET: secret });
  const standinPort = (await next(standin, 'ready')).port;
  const direct = `http://127.0.0.1:${standinPort}`;
  const gatewayChild = start('gateway', { BENCH_FLOWLESS_URL: direct });
  const gateway = `http://127.0.0.1:${(await next(gatewayChild, 'ready')).port}`;
  try {
    standin.send({ type: 'new-session' } satisfies Message);
    const { sessionId } = await next(standin, 'session');
    const headers = { 'X-Session-ID': sessionId, 'Content-Type': 'application/json' };
    const check = await fetch(`${gateway}/auth/me`, { headers });
    if (check.status !== 200) throw new Error(`warm-up through the gateway answered ${check.status}`);
    await autocannon({ url: `${direct}/auth/me`, connections: CONNECTIONS, duration: 1, headers });
    await autocannon({ url: `${gateway}/auth/me`, connections: CONNECTIONS, duration: 1, headers });

    const d: AutocannonResult[] = [];
    const g: AutocannonResult[] = [];
    const dSeq: number[] = [];
    const gSeq: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Alternating order, so slow drift cancels out of each pair.
      const [first, second] = i % 2 === 0 ? [direct, gateway] : [gateway, direct];
      const [s1, s2] = await sequential(`${first}/auth/me`, `${second}/auth/me`, headers);
      (first === direct ? dSeq : gSeq).push(median(s1));
      (first === direct ? gSeq : dSeq).push(median(s2));
      const r1 = await phase(`${first}/auth/me`, headers);
      const r2 = await phase(`${second}/auth/me`, headers);
      (first === direct ? d : g).push(r1);
      (first === direct ? g : d).push(r2);
      console.log(
        `round ${i + 1}: one at a time p50 direct ${dSeq.at(-1)!.toFixed(3)} ms, gateway ${gSeq.at(-1)!.toFixed(3)} ms | ` +
          `${CONNECTIONS} connections: direct p50 ${d.at(-1)!.latency.p50} ms ${Math.round(d.at(-1)!.requests.average)} rps, ` +
          `gateway p50 ${g.at(-1)!.latency.p50} ms ${Math.round(g.at(-1)!.requests.average)} rps`,
      );
    }
    const directP50 = median(dSeq);
    const gatewayP50 = median(gSeq);
    const directLoaded = median(d.map((r) => r.latency.p50));
    const gatewayLoaded = median(g.map((r) => r.latency.p50));
    console.log(
      JSON.stringify({
        bench: 'gateway',
        route: 'GET /auth/me',
        rounds: ROUNDS,
        sequential_per_round: SEQUENTIAL,
        connections: CONNECTIONS,
        phase_seconds: PHASE_SECONDS,
        cpus: os.cpus().length,
        loadavg_1m: round2(os.loadavg()[0]!),
        gateway_added_ms: round3(gatewayP50 - directP50),
        direct_rps: Math.round(median(d.map((r) => r.requests.average))),
        loaded_direct_p50_ms: directLoaded,
        loaded_gateway_p50_ms: gatewayLoaded,
        loaded_overhead_ratio: round2(gatewayLoaded / Math.max(directLoaded, 1)),
        gateway_p50_ms: round3(gatewayP50),
        direct_p50_ms: round3(directP50),
        gateway_overhead_ratio: round2(gatewayP50 / directP50),
        gateway_rps: Math.round(median(g.map((r) => r.requests.average))),
      }),
    );
  } finally {
    agent.destroy();
    gatewayChild.send({ type: 'stop' } satisfies Message);
    standin.send({ type: 'stop' } satisfies Message);
  }
}

const role = process.argv[2];
if (role === '--standin') await runStandin();
else if (role === '--gateway') runGateway();
else await drive();
