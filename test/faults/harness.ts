import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Hono } from 'hono';
import { buildApp, createServices, migrate, type Services } from '../../src/app/services.js';
import { loadConfig } from '../../src/config/index.js';
import { generateTokenKeyMaterial } from '../../src/tokens/index.js';
import { captureLogger } from '../support/log-capture.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
export const SECRET = 'f'.repeat(48);

/** The stand-in in its own process, driven over IPC, stopped by its pid. */
export class StandinProcess {
  url = '';
  private child: ChildProcess | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', TSX, join(HERE, 'standin-process.ts')], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, STANDIN_SECRET: SECRET, NODE_ENV: 'test' },
    });
    this.child = child;
    this.url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('stand-in process did not start')), 60_000);
      child.once('exit', (code) => reject(new Error(`stand-in process exited (${code})`)));
      child.on('message', (message: { ready?: string; id?: number; result?: unknown; error?: string }) => {
        if (message.ready !== undefined) {
          clearTimeout(timer);
          resolve(message.ready);
          return;
        }
        const pending = this.waiting.get(message.id!);
        this.waiting.delete(message.id!);
        if (message.error !== undefined) pending?.reject(new Error(message.error));
        else pending?.resolve(message.result);
      });
    });
  }

  call<T>(op: 'session' | 'revoke' | 'faults' | 'stats' | 'resetStats', args?: unknown): Promise<T> {
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child!.send({ id, op, args });
    });
  }

  session(): Promise<string> {
    return this.call<string>('session');
  }

  async bridgeCalls(): Promise<number> {
    return (await this.call<{ bridgeValidateCalls: number }>('stats')).bridgeValidateCalls;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => process.kill(child.pid!, 'SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

export interface Instance {
  services: Services;
  app: Hono;
  lines: () => string[];
}

/** Two (or more) Flowfull instances of the starter on one Redis, one database file, one stand-in. */
export async function instances(
  count: number,
  options: { redisUrl: string; flowlessUrl: string; env?: Record<string, string> },
): Promise<Instance[]> {
  const keys = await generateTokenKeyMaterial();
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-faults-'));
  const prefix = `faults-${Math.random().toString(36).slice(2, 8)}`;
  const out: Instance[] = [];
  for (let i = 0; i < count; i++) {
    const config = loadConfig({
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DATABASE_URL: `file:${join(dir, 'app.db')}`,
        FLOWLESS_API_URL: options.flowlessUrl,
        BRIDGE_VALIDATION_SECRET: SECRET,
        REDIS_URL: options.redisUrl,
        CACHE_PREFIX: prefix,
        CACHE_L2_TIMEOUT_MS: '50',
        PASETO_SECRET_KEY: keys.secretKey,
        AUTH_VALIDATION_MODE: 'DISABLED',
        ...options.env,
      },
      dotenvPath: false,
    });
    const { logger, lines } = captureLogger('warn');
    const services = await createServices(config, logger);
    if (i === 0) await migrate(services);
    if (!(await services.cache.whenReady(5000))) throw new Error('Redis not ready');
    out.push({ services, app: buildApp(services), lines });
  }
  return out;
}

export function me(app: Hono, sessionId: string): Promise<Response> {
  return Promise.resolve(app.request('/api/v1/me', { headers: { 'X-Session-ID': sessionId } }));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Bounded load: `concurrency` workers send GET /api/v1/me round-robin over the apps and sessions until
 * stop() is called, `maxRequests` were sent, or `maxMs` passed. Resolves the count of each status.
 */
export function load(
  apps: Hono[],
  sessions: string[],
  bounds: { concurrency: number; maxRequests: number; maxMs: number },
) {
  const statuses = new Map<number, number>();
  let sent = 0;
  let stopped = false;
  const end = Date.now() + bounds.maxMs;
  const worker = async () => {
    while (!stopped && sent < bounds.maxRequests && Date.now() < end) {
      const n = sent++;
      const res = await me(apps[n % apps.length]!, sessions[Math.floor(n / apps.length) % sessions.length]!);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      await res.arrayBuffer();
      await sleep(2);
    }
  };
  const done = Promise.all(Array.from({ length: bounds.concurrency }, worker)).then(() => statuses);
  return {
    done,
    stop: () => {
      stopped = true;
      return done;
    },
  };
}
