import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, createServices, migrate, type Services } from '../../src/app/services.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { generateTokenKeyMaterial } from '../../src/tokens/index.js';
import { json } from '../support/http.js';
import { SERVICE_URLS, serviceAvailable } from '../support/services.js';

describe.skipIf(!(await serviceAvailable('redis')))('starter: security state with REDIS_URL', () => {
  let services: Services | undefined;
  const prefix = `state-app-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    const redis = services?.cache.redis;
    const keys = (await redis?.keys(`${prefix}:*`)) ?? [];
    if (keys.length > 0) await redis!.del(...keys);
    await services?.close();
  });

  it('keeps bindings and tombstones in Redis under CACHE_PREFIX, shown in readiness', async () => {
    const keys = await generateTokenKeyMaterial();
    const config = loadConfig({
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: `file:${join(mkdtempSync(join(tmpdir(), 'flowfull-state-')), 'app.db')}`,
        FLOWLESS_API_URL: 'http://127.0.0.1:9',
        BRIDGE_VALIDATION_SECRET: 's'.repeat(48),
        REDIS_URL: SERVICE_URLS.redis,
        CACHE_PREFIX: prefix,
        PASETO_SECRET_KEY: keys.secretKey,
      },
      dotenvPath: false,
    });
    services = await createServices(config, silentLogger());
    await migrate(services); // readiness also waits for pending migrations
    expect(await services.cache.whenReady(5000)).toBe(true);
    expect(services.state.kind).toBe('redis');
    expect(services.guard.storeKind).toBe('redis');
    expect((await services.state.claim('probe', { v: 1 }, 60_000)).won).toBe(true);
    expect(await services.cache.redis!.get(`${prefix}:state:probe`)).toBe('{"v":1}');
    const ready = await json(await buildApp(services).request('/health/ready'));
    expect(ready.data.components['security-state']).toEqual({ status: 'up', store: 'redis' });
  });
});
