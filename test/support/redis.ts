import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { sleep } from './time.js';

/**
 * Redis for tests and benches: a random prefix per run, deletion of a run's keys by SCAN (never KEYS:
 * the Redis is shared), and a private redis-server on a spare port that is stopped, frozen and
 * restarted by its pid only.
 */

/** Random per run, so suites sharing the one Redis never see each other's keys. */
export function runPrefix(label = 'test'): string {
  return `${label}-${randomBytes(6).toString('hex')}`;
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

/**
 * Deletes every key matching one of the patterns, on a client given or on a connection of its own to
 * a URL. A Redis that is not there (a stopped test server) has nothing to clean: no error.
 */
export async function deleteMatching(target: string | Redis, patterns: string[]): Promise<void> {
  const own = typeof target === 'string';
  const redis = own ? new Redis(target, { maxRetriesPerRequest: 1, lazyConnect: true }) : target;
  if (own) redis.on('error', () => {});
  try {
    if (own) await redis.connect();
    for (const pattern of patterns) {
      const keys = await scanKeys(redis, pattern);
      for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
    }
  } catch {
    // nothing to clean
  } finally {
    if (own) redis.disconnect();
  }
}

/** Deletes the keys of cache-style prefixes (`<prefix>:…`). */
export function deletePrefixes(url: string, prefixes: string[]): Promise<void> {
  return deleteMatching(
    url,
    prefixes.map((prefix) => `${prefix}:*`),
  );
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

  /** On a spare port, started. */
  static async start(): Promise<TestRedisServer> {
    const server = new TestRedisServer(await sparePort());
    await server.start();
    return server;
  }

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
