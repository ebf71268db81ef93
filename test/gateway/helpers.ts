import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import net from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import { Redis } from 'ioredis';
import { requireAuth } from '../../src/auth/middleware.js';
import { createAuthRoutes } from '../../src/auth/routes.js';
import { type AuthService, authContext, createAuth } from '../../src/auth/service.js';
import { type CacheRuntime, createCacheRuntime } from '../../src/cache/index.js';
import { parseConfig } from '../../src/config/index.js';
import { type AuthGateway, type AuthGatewayOptions, createAuthGateway } from '../../src/gateway/index.js';
import { createApp, ok } from '../../src/http/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { createStandinApp, type StandinApp, type StandinOptions } from '../../src/standin/index.js';
import { SERVICE_URLS } from '../support/services.js';

export const SECRET = randomBytes(24).toString('hex');
export const PASSWORD = 'correct horse battery';

export interface Seen {
  method: string;
  /** The request target exactly as it arrived at the stand-in. */
  target: string;
  headers: Record<string, string>;
}

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

function listenOn(
  fetch: (req: Request, env: unknown) => Response | Promise<Response>,
  port = 0,
): Promise<Listening> {
  const server = createAdaptorServer({ fetch }) as Server;
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Serves a Hono app on a loopback port. */
export function serve(app: Hono, port = 0): Promise<Listening> {
  return listenOn((req, env) => app.fetch(req, env as never), port);
}

/** A loopback port free right now (for a server whose URL another must know before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The stand-in on loopback, with every request it receives recorded (what reached "Flowless"). */
export async function startStandin(options: Partial<StandinOptions> = {}) {
  const standin: StandinApp = createStandinApp({ bridgeSecret: SECRET, nodeEnv: 'test', ...options });
  const seen: Seen[] = [];
  const listening = await listenOn((req, env) => {
    const headers: Record<string, string> = {};
    req.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const target = (env as { incoming?: { url?: string } }).incoming?.url ?? req.url;
    seen.push({ method: req.method, target, headers });
    return standin.app.fetch(req, env as never);
  });
  return {
    ...listening,
    standin,
    seen,
    async close() {
      standin.faults.shutdown();
      await listening.close();
      standin.close();
    },
  };
}

export type TestStandin = Awaited<ReturnType<typeof startStandin>>;

/** Sends bytes as they are (no URL normalisation on the way; send `Connection: close`) and returns the status and raw answer. */
export function rawRequest(
  port: number,
  text: string,
  timeoutMs = 5000,
): Promise<{ status: number; raw: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let raw = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, timeoutMs);
    socket.on('data', (d) => {
      raw += d.toString('latin1');
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ status: Number(raw.slice(9, 12)), raw });
    });
    socket.on('error', reject);
    socket.write(text);
  });
}

export interface FlowfullInstance {
  app: Hono;
  auth: AuthService;
  runtime: CacheRuntime;
  gateway: AuthGateway;
  url: string;
  close(): Promise<void>;
}

/**
 * A Flowfull app as the starter will mount it: the HTTP shell, the auth service on a Redis-backed
 * cache, the revocation hook route, the gateway with its hooks wired to the validator, and a
 * protected data route `GET /api/v1/me`.
 */
export async function startFlowfull(
  upstreamUrl: string,
  options: {
    prefix: string;
    env?: Record<string, string>;
    gateway?: Partial<AuthGatewayOptions>;
    port?: number;
  },
): Promise<FlowfullInstance> {
  const runtime = createCacheRuntime({
    redisUrl: SERVICE_URLS.redis,
    prefix: options.prefix,
    logger: silentLogger(),
  });
  if (!(await runtime.whenReady(5000))) throw new Error('redis not ready');
  const auth = createAuth({
    flowlessApiUrl: upstreamUrl,
    validationSecret: SECRET,
    logger: silentLogger(),
    backoffBaseMs: 20,
    cache: runtime,
  });
  const config = parseConfig({ NODE_ENV: 'test', ...options.env }).config!;
  const app = createApp({ config, logger: silentLogger(), accessLog: false });
  app.use('*', authContext(auth));
  app.route('/', createAuthRoutes(auth));
  const gateway = createAuthGateway({
    upstreamUrl,
    timeoutMs: 2000,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    sessionIdOf: (c) => auth.sessionIdOf(c),
    onSessionEnded: (ids) => auth.validator.invalidate(ids),
    onSessionChanged: async (sessionId) => {
      if (sessionId !== undefined) await auth.validator.invalidate(sessionId);
    },
    ...options.gateway,
  });
  app.route('/', gateway.app);
  app.get('/api/v1/me', requireAuth(), (c) =>
    ok(c, { user_id: c.get('user_id'), email: c.get('session').email }),
  );
  const listening = await serve(app, options.port);
  return {
    app,
    auth,
    runtime,
    gateway,
    url: listening.url,
    async close() {
      await listening.close();
      gateway.close();
      await auth.close();
      await runtime.close();
    },
  };
}

export function redisPrefix(): string {
  return `gateway-test-${randomUUID().slice(0, 8)}`;
}

export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(SERVICE_URLS.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }))
      if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
  } catch {
    // Redis absent: the suites that need it were skipped.
  } finally {
    redis.disconnect();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
export type Json = any;

export async function send(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}
