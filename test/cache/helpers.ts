import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import type { CacheRuntime, CacheRuntimeOptions, HybridCache } from '../../src/cache/index.js';
import { createCacheRuntime } from '../../src/cache/index.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Random per test run, so suites sharing the one Redis never see each other's keys. */
export function runPrefix(): string {
  return `test-cache-${randomBytes(6).toString('hex')}`;
}

/** Runtimes created through this are closed (and their Redis keys removed) by closeAll(). */
export class RuntimePool {
  private readonly runtimes: { runtime: CacheRuntime; prefix: string }[] = [];

  create(options: CacheRuntimeOptions): CacheRuntime {
    const runtime = createCacheRuntime(options);
    this.runtimes.push({ runtime, prefix: options.prefix ?? 'flowfull' });
    return runtime;
  }

  async closeAll(cleanupUrl?: string): Promise<void> {
    const prefixes = new Set(this.runtimes.map((r) => r.prefix));
    await Promise.all(this.runtimes.splice(0).map((r) => r.runtime.close()));
    if (cleanupUrl) await deletePrefixes(cleanupUrl, [...prefixes]);
  }
}

export async function deletePrefixes(url: string, prefixes: string[]): Promise<void> {
  const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  admin.on('error', () => {});
  try {
    await admin.connect();
    for (const prefix of prefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await admin.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } catch {
    // a stopped test server has nothing to clean
  } finally {
    admin.disconnect();
  }
}

/** Keys matching a pattern, by SCAN. */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of the test's own on a spare port, stopped, frozen and restarted by its pid only.
 */
export class TestRedisServer {
  private child: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) break;
      if (await this.answers()) return;
      await Promise.race([sleep(50), exited]);
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  freeze(): void {
    this.signal('SIGSTOP');
  }

  thaw(): void {
    this.signal('SIGCONT');
  }

  /** SIGTERM (graceful) or SIGKILL; resolves when the process has exited. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGCONT');
    process.kill(child.pid, signal);
    await exited;
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error('test redis-server is not running');
    process.kill(pid, signal);
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: this.port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(500, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    });
  }
}

/** Wall time of one call, in ms, with its outcome. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export async function waitUntil(what: string, timeoutMs: number, condition: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!condition()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Polls an asynchronous condition (Redis, or work the cache does in the background). */
export async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * Reads key until the cache serves it from its L1: from then on only an invalidation can change what it
 * sees. (An L2 read that crosses an invalidation of its key does not fill L1, so this may take a few reads.)
 */
export async function warmL1<T>(cache: HybridCache<T>, key: string, expected: T): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const before = cache.metrics().lruHits;
    const value = await cache.get(key);
    if (value !== expected) throw new Error(`${key}: expected ${String(expected)}, got ${String(value)}`);
    if (cache.metrics().lruHits === before + 1) return;
    await sleep(5);
  }
  throw new Error(`${key} never reached L1`);
}
