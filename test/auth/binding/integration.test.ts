import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Hono } from 'hono';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BindingGuard,
  clientIpMiddleware,
  clientIpResolverFromConfig,
  createSessionGuard,
  createValidationModes,
  type SessionTerminator,
  type ValidationModeOptions,
} from '../../../src/auth/binding/index.js';
import { requireAuth } from '../../../src/auth/middleware.js';
import {
  type AuthService,
  authContext,
  authOptionsFromConfig,
  createAuth,
} from '../../../src/auth/service.js';
import type { BridgeValidator } from '../../../src/auth/validator.js';
import { type CacheRuntime, createCacheRuntime } from '../../../src/cache/index.js';
import { type Config, parseConfig } from '../../../src/config/index.js';
import { createApp } from '../../../src/http/index.js';
import { createLogger, hashId, type Logger, silentLogger } from '../../../src/log/logger.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../../src/standin/index.js';
import { createRedisStateStore } from '../../../src/state/index.js';
import { SERVICE_URLS, serviceAvailable } from '../../support/services.js';

const SECRET = randomBytes(24).toString('hex');
const PREFIX = `binding-test-${randomUUID().slice(0, 8)}`;

function captureLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), text: () => lines.join('') };
}

interface Instance {
  app: Hono;
  auth: AuthService;
  guard: BindingGuard;
  runtime: CacheRuntime;
  logs: () => string;
  /** A request from `ip` (the socket peer), with the session id and optional headers. */
  hit(ip: string, sessionId: string, headers?: Record<string, string>): Promise<Response>;
}

describe.skipIf(!(await serviceAvailable('redis')))(
  'validation modes through the auth middleware (stand-in over HTTP, Redis)',
  () => {
    let standin: FlowlessStandin;
    let config: Config;
    const runtimes: CacheRuntime[] = [];

    beforeAll(async () => {
      standin = await startFlowlessStandin({ bridgeSecret: SECRET, responseStyle: 'seed' });
      config = parseConfig({
        NODE_ENV: 'test',
        FLOWLESS_API_URL: standin.url,
        BRIDGE_VALIDATION_SECRET: SECRET,
        TRUST_PROXY: 'loopback',
      }).config!;
    });

    afterAll(async () => {
      await Promise.all(runtimes.map((r) => r.close()));
      await standin?.close();
      const redis = new Redis(SERVICE_URLS.redis);
      const stream = redis.scanStream({ match: `${PREFIX}*`, count: 500 });
      for await (const keys of stream) if ((keys as string[]).length) await redis.del(...(keys as string[]));
      await redis.quit();
    });

    /** One Flowfull instance: its own cache runtime on the shared Redis, its own auth service and guard. */
    async function instance(
      modes: ValidationModeOptions,
      terminator?: (validator: BridgeValidator) => SessionTerminator,
    ): Promise<Instance> {
      const runtime = createCacheRuntime({
        redisUrl: SERVICE_URLS.redis,
        prefix: PREFIX,
        logger: silentLogger(),
      });
      runtimes.push(runtime);
      expect(await runtime.whenReady(5000)).toBe(true);
      const { logger, text } = captureLogger();
      // Each instance its own state store on its runtime's connection; they share Redis keys under PREFIX.
      const store = createRedisStateStore(runtime.redis!, { prefix: `${PREFIX}:state:`, timeoutMs: 2000 });
      const auth = createAuth({
        ...authOptionsFromConfig(config, { cache: runtime, logger }),
        guard: (validator) =>
          createSessionGuard({
            modes: createValidationModes(modes),
            store,
            validator: terminator ? terminator(validator) : validator,
            logger,
          }),
      });
      const guard = auth.guard!;
      const app = createApp({ config, logger, accessLog: false });
      app.use('*', clientIpMiddleware(clientIpResolverFromConfig(config)));
      app.use('*', authContext(auth));
      app.get('/me', requireAuth(), (c) => c.json({ success: true, data: { user_id: c.get('user_id') } }));
      const hit = async (ip: string, sessionId: string, headers: Record<string, string> = {}) =>
        app.request(
          '/me',
          { headers: { 'x-session-id': sessionId, ...headers } },
          { incoming: { socket: { remoteAddress: ip } } },
        );
      return { app, auth, guard, runtime, logs: text, hit };
    }

    async function newSession(binding: { ipAddress?: string; userAgent?: string; deviceId?: string } = {}) {
      const user = await standin.createUser({ email: `${randomUUID()}@example.test` });
      const { sessionId } = await standin.createSession(user.id, binding);
      return sessionId;
    }

    const refused = (code: string) => ({ success: false, error: 'Invalid session', code });

    it('enforces on the cached path, and a forwarding header from an untrusted peer changes nothing', async () => {
      const a = await instance({ mode: 'STRICT' });
      const sid = await newSession({ ipAddress: '203.0.113.5', userAgent: 'App/1', deviceId: 'd1' });
      const good = { 'user-agent': 'App/1', 'x-device-id': 'd1' };
      standin.resetStats();
      expect((await a.hit('203.0.113.5', sid, good)).status).toBe(200);
      const stolen = await a.hit('198.51.100.9', sid, { ...good, 'x-forwarded-for': '203.0.113.5' });
      expect(stolen.status).toBe(401);
      expect(await stolen.json()).toEqual(refused('IP_MISMATCH'));
      const viaProxy = await a.hit('127.0.0.1', sid, { ...good, 'x-forwarded-for': '203.0.113.5' });
      expect(viaProxy.status).toBe(200);
      expect(await (await a.hit('203.0.113.5', sid, { ...good, 'x-device-id': 'd2' })).json()).toEqual(
        refused('DEVICE_MISMATCH'),
      );
      expect(await (await a.hit('203.0.113.5', sid, { 'x-device-id': 'd1' })).json()).toEqual(
        refused('USER_AGENT_MISMATCH'),
      );
      // One Flowless call: every later request, refused ones included, was served from the cache.
      expect(standin.stats().bridgeValidateCalls).toBe(1);
      expect(a.guard.metrics().actions.deny).toBe(3);
    });

    it('STANDARD warns: the request goes on, the log names the session by its hash only', async () => {
      const a = await instance({ mode: 'STANDARD' });
      const sid = await newSession({ ipAddress: '203.0.113.5' });
      expect((await a.hit('203.0.113.5', sid)).status).toBe(200);
      expect((await a.hit('198.51.100.9', sid)).status).toBe(200);
      expect(a.guard.metrics().violations.ip_mismatch.warn).toBe(1);
      const logs = a.logs();
      expect(logs).toContain('session_binding_violation');
      expect(logs).toContain(hashId(sid));
      expect(logs).not.toContain(sid);
      expect(logs).not.toContain(SECRET);
    });

    it('invalidate: refused, evicted, logged out at Flowless, and refused on a second instance', async () => {
      const a = await instance({ mode: 'STRICT', autoInvalidate: true });
      const b = await instance({ mode: 'STRICT', autoInvalidate: true });
      const sid = await newSession({ ipAddress: '203.0.113.5' });
      expect((await a.hit('203.0.113.5', sid)).status).toBe(200);
      expect((await b.hit('203.0.113.5', sid)).status).toBe(200);
      standin.resetStats();
      expect(await (await a.hit('198.51.100.9', sid)).json()).toEqual(refused('IP_MISMATCH'));
      expect(standin.stats().logoutCalls).toBe(1);
      for (const ip of ['203.0.113.5', '198.51.100.9']) {
        const res = await b.hit(ip, sid);
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: string }).error).toBe('Invalid session');
      }
    });

    it('invalidate while Flowless logout fails: the tombstone still refuses the session everywhere', async () => {
      const noLogout = (validator: BridgeValidator): SessionTerminator => ({
        invalidate: (id) => validator.invalidate(id),
        logoutAtFlowless: async () => {
          throw new Error('Flowless logout unavailable');
        },
      });
      const a = await instance({ mode: 'STRICT', autoInvalidate: true }, noLogout);
      const b = await instance({ mode: 'STRICT', autoInvalidate: true }, noLogout);
      const sid = await newSession();
      expect((await a.hit('203.0.113.5', sid)).status).toBe(200);
      expect(await (await b.hit('198.51.100.9', sid)).json()).toEqual(refused('IP_MISMATCH'));
      // Flowless still says the session is valid; the shared tombstone refuses it on both instances,
      // from the original address as well as from a new one (no re-binding).
      for (const inst of [a, b]) {
        for (const ip of ['203.0.113.5', '192.0.2.77']) {
          expect(await (await inst.hit(ip, sid)).json()).toEqual(refused('SESSION_INVALIDATED'));
        }
      }
      expect(b.guard.metrics().invalidationFailures).toBe(1);
    });

    it('two instances racing to bind a new session end with exactly one binding', async () => {
      const a = await instance({ mode: 'STRICT' });
      const b = await instance({ mode: 'STRICT' });
      const sid = await newSession();
      const burst = (inst: Instance, ip: string) =>
        Array.from({ length: 20 }, () => inst.hit(ip, sid).then((r) => r.status));
      const [fromA, fromB] = await Promise.all([
        Promise.all(burst(a, '203.0.113.1')),
        Promise.all(burst(b, '198.51.100.2')),
      ]);
      const aWon = fromA.every((s) => s === 200) && fromB.every((s) => s === 401);
      const bWon = fromB.every((s) => s === 200) && fromA.every((s) => s === 401);
      expect(aWon !== bWon).toBe(true);
      expect(a.guard.metrics().bindingsCreated + b.guard.metrics().bindingsCreated).toBe(1);
      const winner = aWon ? '203.0.113.1' : '198.51.100.2';
      for (const inst of [a, b]) expect((await inst.hit(winner, sid)).status).toBe(200);
    });

    it('suspicious_activity counts networks across instances', async () => {
      const modes: ValidationModeOptions = {
        mode: 'ADVANCED',
        ipValidation: false,
        userAgentValidation: false,
        deviceValidation: false,
        suspiciousMaxIps: 2,
        actions: { suspicious_activity: 'deny' },
      };
      const a = await instance(modes);
      const b = await instance(modes);
      const sid = await newSession();
      expect((await a.hit('192.0.2.1', sid)).status).toBe(200);
      expect((await b.hit('198.51.100.1', sid)).status).toBe(200);
      expect((await a.hit('192.0.2.1', sid)).status).toBe(200);
      expect(await (await a.hit('203.0.113.1', sid)).json()).toEqual(refused('SUSPICIOUS_ACTIVITY'));
      expect(a.guard.metrics().violations.suspicious_activity.deny).toBe(1);
    });
  },
);
