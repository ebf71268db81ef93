import { randomBytes, randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BindingGuard,
  createSessionGuard,
  createValidationModes,
  type ValidationModeOptions,
} from '../../../src/auth/binding/index.js';
import type { Session } from '../../../src/auth/types.js';
import { AppError } from '../../../src/errors.js';
import { hashId, silentLogger } from '../../../src/log/logger.js';
import { ManualClock } from '../../../src/resilience/index.js';
import { createRedisStateStore, STATE_DEFAULTS, type StateStore } from '../../../src/state/index.js';
import { sparePort, TestRedisServer } from '../../cache/helpers.js';
import { SERVICE_URLS, serviceAvailable } from '../../support/services.js';

/**
 * Several instances = several guards, each with its own Redis connection and state store, sharing
 * the keys. Session validation is not part of these races (middleware and HTTP are covered in
 * integration.test.ts), so a round is cheap: `BINDING_RACE_ROUNDS=50` runs fifty races in one go.
 */
const ROUNDS = Number(process.env.BINDING_RACE_ROUNDS ?? 5);

const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

async function connect(url: string): Promise<Redis> {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  clients.push(redis);
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis;
}

function newSession(): { id: string; session: Session } {
  const id = `ses_${randomBytes(24).toString('base64url')}`;
  return {
    id,
    session: {
      session_id_hash: hashId(id),
      user_id: 'u1',
      email: null,
      name: null,
      user_type: null,
      ip_address: null,
      user_agent: null,
      device_id: null,
      expires_at: null,
      user: {},
      validated_at: Date.now(),
    },
  };
}

interface Instance {
  guard: BindingGuard;
  /** The status and code a guarded request from `ip` gets. */
  hit(s: { id: string; session: Session }, ip: string): Promise<{ status: number; code?: string }>;
}

function instance(
  store: StateStore,
  modes: ValidationModeOptions,
  clock = new ManualClock(Date.now()),
): Instance {
  const guard = createSessionGuard({
    modes: createValidationModes(modes),
    store,
    clock,
    logger: silentLogger(),
    validator: { invalidate: async () => {}, logoutAtFlowless: async () => {} },
  });
  const app = new Hono();
  app.get('/', async (c) => {
    const s = JSON.parse(c.req.header('x-test-session')!) as { id: string; session: Session };
    try {
      await guard.enforce(c, s.session, s.id);
      return c.json({});
    } catch (err) {
      if (err instanceof AppError) return c.json({ code: err.code }, err.status as 401);
      throw err;
    }
  });
  return {
    guard,
    async hit(s, ip) {
      const res = await app.request(
        '/',
        { headers: { 'x-test-session': JSON.stringify(s) } },
        { incoming: { socket: { remoteAddress: ip } } },
      );
      const body = (await res.json()) as { code?: string };
      return { status: res.status, ...(body.code ? { code: body.code } : {}) };
    },
  };
}

const A_IP = '203.0.113.1';
const B_IP = '198.51.100.2';

describe.skipIf(!(await serviceAvailable('redis')))('session binding races (Redis state store)', () => {
  const prefix = `race-test-${randomUUID().slice(0, 8)}:`;
  let admin: Redis;
  beforeAll(async () => {
    admin = await connect(SERVICE_URLS.redis);
  });
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  });

  it(`two instances racing to bind a new session end with one binding (${ROUNDS} rounds)`, async () => {
    const options = { prefix, timeoutMs: 1000 };
    const a = instance(createRedisStateStore(await connect(SERVICE_URLS.redis), options), { mode: 'STRICT' });
    const b = instance(createRedisStateStore(await connect(SERVICE_URLS.redis), options), { mode: 'STRICT' });
    let created = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const s = newSession();
      const burst = (inst: Instance, ip: string) =>
        Promise.all(Array.from({ length: 20 }, () => inst.hit(s, ip)));
      const [fromA, fromB] = await Promise.all([burst(a, A_IP), burst(b, B_IP)]);
      const stored = JSON.parse((await admin.get(`${prefix}auth-binding:${s.session.session_id_hash}`))!);
      const [winner, loser] = stored.ip === A_IP ? [fromA, fromB] : [fromB, fromA];
      expect([A_IP, B_IP]).toContain(stored.ip);
      // The loser's address is never accepted: only one binding exists, on both instances.
      expect(winner.every((r) => r.status === 200)).toBe(true);
      expect(loser.every((r) => r.status === 401 && r.code === 'IP_MISMATCH')).toBe(true);
      const now = a.guard.metrics().bindingsCreated + b.guard.metrics().bindingsCreated;
      expect(now - created).toBe(1);
      created = now;
    }
  });
});

describe.skipIf(!(await serviceAvailable('redis')))('a frozen or refusing Redis decides nothing', () => {
  let server: TestRedisServer;
  beforeAll(async () => {
    server = new TestRedisServer(await sparePort());
    await server.start();
    const admin = await connect(server.url);
    // A user that may read but not run scripts: GET answers, the claim (EVAL) is refused.
    await admin.call('ACL', 'SETUSER', 'readonly', 'on', 'nopass', '~*', '&*', '+@all', '-eval', '-evalsha');
  });
  afterAll(() => server.stop('SIGKILL'));
  afterEach(() => server.thaw());

  async function twoInstances(modes: ValidationModeOptions) {
    const clock = new ManualClock(Date.now());
    const options = { timeoutMs: 150, breakerThreshold: 2, clock };
    const a = instance(createRedisStateStore(await connect(server.url), options), modes, clock);
    const b = instance(createRedisStateStore(await connect(server.url), options), modes, clock);
    return { a, b, clock };
  }

  it.each(['STRICT', 'STANDARD'] as const)(
    'frozen (%s): STRICT answers 503, warn-only STANDARD serves unbound; neither holds a binding; after it thaws, one binding',
    async (mode) => {
      const { a, b, clock } = await twoInstances({ mode });
      const s = newSession();
      server.freeze();
      const during = await Promise.all([a.hit(s, A_IP), b.hit(s, B_IP), a.hit(s, A_IP), b.hit(s, B_IP)]);
      if (mode === 'STRICT') {
        expect(during.every((r) => r.status === 503 && r.code === 'SERVICE_UNAVAILABLE')).toBe(true);
      } else {
        // STANDARD only warns and can write no tombstone: an unreadable record hides nothing.
        expect(during.every((r) => r.status === 200)).toBe(true);
      }
      for (const inst of [a, b]) expect(inst.guard.metrics()).toMatchObject({ bindingsCreated: 0 });
      server.thaw();
      clock.advance(STATE_DEFAULTS.breakerCooldownMs);
      const [fromA, fromB] = await Promise.all([a.hit(s, A_IP), b.hit(s, B_IP)]);
      const admin = await connect(server.url);
      const stored = JSON.parse(
        (await admin.get(`${STATE_DEFAULTS.prefix}auth-binding:${s.session.session_id_hash}`))!,
      );
      expect([A_IP, B_IP]).toContain(stored.ip);
      // Both instances now judge by the one stored binding: its address passes on both.
      for (const inst of [a, b]) expect((await inst.hit(s, stored.ip)).status).toBe(200);
      if (mode === 'STRICT') {
        const other = stored.ip === A_IP ? B_IP : A_IP;
        expect((stored.ip === A_IP ? fromB : fromA).status).toBe(401);
        for (const inst of [a, b]) expect((await inst.hit(s, other)).code).toBe('IP_MISMATCH');
      }
    },
  );

  it('a tombstone that cannot be read is a 503, never a pass; once readable, the session stays refused', async () => {
    const { a, b, clock } = await twoInstances({ mode: 'STRICT', autoInvalidate: true });
    const s = newSession();
    expect((await a.hit(s, A_IP)).status).toBe(200);
    expect((await a.hit(s, B_IP)).code).toBe('IP_MISMATCH'); // invalidated: tombstone written
    server.freeze();
    // b has never seen the tombstone: it cannot read it, so it refuses, from the bound address too.
    expect(await b.hit(s, A_IP)).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    // a saw it: it refuses without asking Redis.
    expect(await a.hit(s, A_IP)).toEqual({ status: 401, code: 'SESSION_INVALIDATED' });
    server.thaw();
    clock.advance(STATE_DEFAULTS.breakerCooldownMs);
    expect(await b.hit(s, A_IP)).toEqual({ status: 401, code: 'SESSION_INVALIDATED' });
    expect(b.guard.metrics().stateUnavailable).toBe(1);
  });

  it('a binding that cannot be claimed is never assumed won: 503 in STRICT, unbound in STANDARD', async () => {
    const limited = await connect(server.url.replace('redis://', 'redis://readonly:any@'));
    const store = createRedisStateStore(limited, { prefix: 'undecided:' });
    const strict = instance(store, { mode: 'STRICT' });
    const standard = instance(store, { mode: 'STANDARD' });
    const s = newSession();
    expect(await strict.hit(s, A_IP)).toEqual({ status: 503, code: 'SERVICE_UNAVAILABLE' });
    expect((await standard.hit(s, A_IP)).status).toBe(200);
    expect((await standard.hit(s, B_IP)).status).toBe(200);
    expect(standard.guard.metrics()).toMatchObject({ bindingsCreated: 0, bindingsDeferred: 2, clean: 2 });
    expect(await limited.keys('undecided:*')).toEqual([]);
    // With a store that can claim, the next request binds as usual.
    const full = instance(createRedisStateStore(await connect(server.url), { prefix: 'undecided:' }), {
      mode: 'STANDARD',
    });
    expect((await full.hit(s, B_IP)).status).toBe(200);
    expect(full.guard.metrics().bindingsCreated).toBe(1);
  });
});
