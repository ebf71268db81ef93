import net from 'node:net';

/**
 * Real services for tests. URLs come from the environment with this machine's defaults.
 * Outside CI a service that does not answer skips its suites with a loud line; with CI=true it fails.
 */
export const SERVICE_URLS = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
} as const;

export type ServiceName = keyof typeof SERVICE_URLS;

const DEFAULT_PORTS: Record<ServiceName, number> = { postgres: 5432, mysql: 3306, redis: 6379 };

function reachable(url: string, fallbackPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname || '127.0.0.1', port: Number(u.port) || fallbackPort });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const cache = new Map<ServiceName, Promise<boolean>>();

/**
 * True when the service answers. When it does not: throws under CI=true, else prints a loud
 * line and returns false (use with `describe.skipIf(!(await serviceAvailable('redis')))`).
 */
export async function serviceAvailable(name: ServiceName): Promise<boolean> {
  let p = cache.get(name);
  if (!p) {
    p = reachable(SERVICE_URLS[name], DEFAULT_PORTS[name]);
    cache.set(name, p);
  }
  const ok = await p;
  if (!ok) {
    const line = `!!! ${name} is not reachable at ${SERVICE_URLS[name]}: its test suites are SKIPPED !!!`;
    if (process.env.CI === 'true') throw new Error(`${name} is required under CI=true but is not reachable`);
    console.warn(`\n${'!'.repeat(line.length)}\n${line}\n${'!'.repeat(line.length)}\n`);
  }
  return ok;
}
