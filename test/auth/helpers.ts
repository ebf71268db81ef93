import { randomBytes, randomUUID } from 'node:crypto';
import type { Hono } from 'hono';
import { createAuthRoutes } from '../../src/auth/routes.js';
import { type AuthOptions, type AuthService, authContext, createAuth } from '../../src/auth/service.js';
import { type CacheRuntime, createCacheRuntime } from '../../src/cache/index.js';
import { parseConfig } from '../../src/config/index.js';
import { createApp } from '../../src/http/index.js';
import { type Logger, silentLogger } from '../../src/log/logger.js';
import type { Clock } from '../../src/resilience/index.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../src/standin/index.js';
import { deleteMatching } from '../support/redis.js';
import { SERVICE_URLS } from '../support/services.js';

// Shared with every suite and bench: test/support.
export { json as body } from '../support/http.js';
export { eventually, sleep } from '../support/time.js';

export const SECRET = randomBytes(24).toString('hex');

export const testConfig = parseConfig({ NODE_ENV: 'test' }).config!;

/**
 * One stand-in, any number of Flowfull "instances" (cache runtime + auth service + app) sharing one
 * Redis under a prefix of their own; close() stops everything and deletes the prefix's keys.
 */
export class Harness {
  readonly prefix = `auth-test-${randomUUID().slice(0, 8)}`;
  readonly runtimes: CacheRuntime[] = [];
  readonly services: AuthService[] = [];
  standin!: FlowlessStandin;

  async start(): Promise<this> {
    this.standin = await startFlowlessStandin({ bridgeSecret: SECRET });
    return this;
  }

  async runtime(options: { redis?: boolean; clock?: Clock } = {}): Promise<CacheRuntime> {
    const runtime = createCacheRuntime({
      ...(options.redis === false ? {} : { redisUrl: SERVICE_URLS.redis }),
      ...(options.clock ? { clock: options.clock } : {}),
      prefix: this.prefix,
      logger: silentLogger(),
    });
    this.runtimes.push(runtime);
    if (options.redis !== false && !(await runtime.whenReady(5000))) throw new Error('redis not ready');
    return runtime;
  }

  /** An auth service on a fresh cache runtime (Redis unless told otherwise). */
  async auth(
    options: Partial<AuthOptions> & { redis?: boolean; logger?: Logger } = {},
  ): Promise<AuthService> {
    const { redis, ...rest } = options;
    // The validator and its cache read the same clock: a test moves both at once.
    const cache =
      rest.cache ??
      (await this.runtime({ redis: redis !== false, ...(rest.clock ? { clock: rest.clock } : {}) }));
    const auth = createAuth({
      flowlessApiUrl: this.standin.url,
      validationSecret: SECRET,
      logger: silentLogger(),
      backoffBaseMs: 20,
      ...rest,
      cache,
    });
    this.services.push(auth);
    return auth;
  }

  /** The HTTP shell with the auth service, its routes, and `setup` for the test's own routes. */
  app(auth: AuthService, setup?: (app: Hono) => void, logger: Logger = silentLogger()): Hono {
    const app = createApp({
      config: testConfig,
      logger,
      accessLog: true,
      readiness: [auth.readinessCheck()],
    });
    app.use('*', authContext(auth));
    app.route('/', createAuthRoutes(auth));
    setup?.(app);
    return app;
  }

  async newUser(userType = 'user') {
    return this.standin.createUser({ email: `${randomUUID()}@example.test`, name: 'Ada', userType });
  }

  async newSession(userType = 'user', binding?: Parameters<FlowlessStandin['createSession']>[1]) {
    const user = await this.newUser(userType);
    const { sessionId, expiresAt } = await this.standin.createSession(user.id, binding);
    return { user, sessionId, expiresAt };
  }

  async close(): Promise<void> {
    await Promise.all(this.services.map((s) => s.close()));
    await Promise.all(this.runtimes.map((r) => r.close()));
    await this.standin?.close();
    // Redis absent: the suites that need it were skipped, and there is nothing to clean.
    await deleteMatching(SERVICE_URLS.redis, [`${this.prefix}*`]);
  }
}
