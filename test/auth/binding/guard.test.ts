import { Writable } from 'node:stream';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import {
  createSessionGuard,
  createValidationModes,
  type ValidationModeOptions,
  type ViolationEvent,
} from '../../../src/auth/binding/index.js';
import type { Session } from '../../../src/auth/types.js';
import { AppError, FlowfullConfigError } from '../../../src/errors.js';
import { createLogger, hashId } from '../../../src/log/logger.js';
import { ManualClock } from '../../../src/resilience/index.js';
import { createMemoryStateStore, type StateStore } from '../../../src/state/index.js';

// The in-memory state store (one instance); the cross-instance cases run on Redis in integration.test.ts.

function captureLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

const SESSION_ID = 'sess_0123456789abcdefghijklmnopqrstuv';

function session(overrides: Partial<Session> = {}): Session {
  return {
    session_id_hash: hashId(SESSION_ID),
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
    ...overrides,
  };
}

function setup(
  options: ValidationModeOptions,
  sess = session(),
  store: StateStore = createMemoryStateStore(),
  clock = new ManualClock(),
) {
  const { logger, lines } = captureLogger();
  const events: ViolationEvent[] = [];
  const calls: string[] = [];
  const guard = createSessionGuard({
    modes: createValidationModes(options),
    store,
    clock,
    validator: {
      invalidate: async (id) => {
        calls.push(`invalidate:${id}`);
      },
      logoutAtFlowless: async (id) => {
        calls.push(`logout:${id}`);
      },
    },
    logger,
    onViolation: (e) => {
      events.push(e);
    },
  });
  const app = new Hono();
  app.get('/', async (c) => {
    try {
      await guard.enforce(c, sess, SESSION_ID);
      return c.text('ok');
    } catch (err) {
      if (err instanceof AppError) return c.json({ error: err.message, code: err.code }, err.status as 401);
      throw err;
    }
  });
  const hit = async (ip: string, headers: Record<string, string> = {}) => {
    const res = await app.request('/', { headers }, { incoming: { socket: { remoteAddress: ip } } });
    return { status: res.status, body: res.status === 200 ? await res.text() : await res.json() };
  };
  return { guard, hit, lines, events, calls, clock };
}

describe('first-seen binding', () => {
  it('binds to the first request and warns on a different IP (STANDARD)', async () => {
    const { hit, guard, lines, events } = setup({ mode: 'STANDARD' });
    expect(await hit('203.0.113.1')).toEqual({ status: 200, body: 'ok' });
    expect(await hit('203.0.113.1')).toEqual({ status: 200, body: 'ok' });
    expect(await hit('198.51.100.2')).toEqual({ status: 200, body: 'ok' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ sessionHash: hashId(SESSION_ID), result: { action: 'warn' } });
    const m = guard.metrics();
    expect(m).toMatchObject({ clean: 2, bindingsCreated: 1, actions: { warn: 1 } });
    expect(m.violations.ip_mismatch.warn).toBe(1);
    const log = lines.join('');
    expect(log).toContain('session_binding_violation');
    expect(log).toContain(hashId(SESSION_ID));
    expect(log).not.toContain(SESSION_ID);
  });

  it('Flowless-reported values win, per attribute; the rest is first-seen', async () => {
    const sess = session({ ip_address: '::ffff:192.0.2.7', user_agent: 'App/2' });
    const { hit } = setup({ mode: 'STRICT' }, sess);
    const first = await hit('198.51.100.2', { 'user-agent': 'App/2', 'x-device-id': 'd1' });
    expect(first).toEqual({ status: 401, body: { error: 'Invalid session', code: 'IP_MISMATCH' } });
    expect((await hit('192.0.2.7', { 'user-agent': 'App/2', 'x-device-id': 'd1' })).status).toBe(200);
    expect((await hit('192.0.2.7', { 'user-agent': 'App/2', 'x-device-id': 'd2' })).body).toEqual({
      error: 'Invalid session',
      code: 'DEVICE_MISMATCH',
    });
    expect((await hit('192.0.2.7', { 'user-agent': 'Evil/1', 'x-device-id': 'd1' })).body).toMatchObject({
      code: 'USER_AGENT_MISMATCH',
    });
  });

  it('reads the device id from the configured header', async () => {
    const { hit } = setup({ mode: 'STRICT', deviceHeader: 'X-App-Device' });
    expect((await hit('192.0.2.7', { 'x-app-device': 'a' })).status).toBe(200);
    expect((await hit('192.0.2.7', { 'x-app-device': 'a', 'x-device-id': 'zzz' })).status).toBe(200);
    expect((await hit('192.0.2.7', { 'x-app-device': 'b' })).body).toMatchObject({ code: 'DEVICE_MISMATCH' });
  });

  it('an allow action counts the violation but neither logs nor calls the hook', async () => {
    const { hit, guard, lines, events } = setup({ mode: 'STANDARD', actions: { ip_mismatch: 'allow' } });
    await hit('192.0.2.1');
    expect(await hit('192.0.2.2')).toEqual({ status: 200, body: 'ok' });
    expect(guard.metrics().violations.ip_mismatch.allow).toBe(1);
    expect(events).toHaveLength(0);
    expect(lines.join('')).not.toContain('session_binding_violation');
  });

  it('does nothing when no check is active', async () => {
    const store = createMemoryStateStore();
    const { hit, guard } = setup({ mode: 'DISABLED' }, session(), store);
    expect((await hit('192.0.2.7')).status).toBe(200);
    expect((await hit('192.0.2.8')).status).toBe(200);
    expect(await store.get(`auth-binding:${hashId(SESSION_ID)}`)).toBeUndefined();
    expect(guard.metrics().clean).toBe(0);
  });
});

describe('the in-memory state store (single instance, no REDIS_URL)', () => {
  it('keeps bindings and tombstones in this instance', async () => {
    const store = createMemoryStateStore();
    const { hit } = setup({ mode: 'STRICT', autoInvalidate: true }, session(), store);
    expect((await hit('192.0.2.7')).status).toBe(200);
    expect(await store.get(`auth-binding:${hashId(SESSION_ID)}`)).toMatchObject({ ip: '192.0.2.7' });
    expect((await hit('192.0.2.8')).body).toMatchObject({ code: 'IP_MISMATCH' });
    expect((await hit('192.0.2.7')).body).toMatchObject({ code: 'SESSION_INVALIDATED' });
    // A second guard on the same store (the tombstone is not only in the first guard's memory).
    const other = setup({ mode: 'STRICT' }, session(), store);
    expect((await other.hit('192.0.2.7')).body).toMatchObject({ code: 'SESSION_INVALIDATED' });
  });

  it('is bounded by maxEntries (an option), least recently used first', async () => {
    const store = createMemoryStateStore({ maxEntries: 2 });
    await store.claim('a', 1, 60_000);
    await store.claim('b', 2, 60_000);
    expect(await store.get('a')).toBe(1);
    await store.claim('c', 3, 60_000);
    expect([await store.get('a'), await store.get('b'), await store.get('c')]).toEqual([1, undefined, 3]);
    expect(() => createMemoryStateStore({ maxEntries: 0 })).toThrow(FlowfullConfigError);
    expect(() => createMemoryStateStore({ maxEntries: 0 })).toThrow(/maxEntries/);
  });

  it('first claim wins; entries expire on the injected clock', async () => {
    const clock = new ManualClock();
    const store = createMemoryStateStore({ clock });
    expect(await store.claim('k', 'first', 1000)).toEqual({ value: 'first', won: true });
    expect(await store.claim('k', 'second', 1000)).toEqual({ value: 'first', won: false });
    clock.advance(1000);
    expect(await store.get('k')).toBe('first');
    clock.advance(1);
    expect(await store.get('k')).toBeUndefined();
    expect((await store.claim('k', 'third', 1000)).won).toBe(true);
  });

  it('binds again from the binding TTL once it has passed (injected clock, no sleep)', async () => {
    const clock = new ManualClock();
    const { hit } = setup(
      { mode: 'STRICT', bindingTtlSeconds: 60 },
      session(),
      createMemoryStateStore({ clock }),
      clock,
    );
    expect((await hit('192.0.2.7')).status).toBe(200);
    expect((await hit('192.0.2.8')).body).toMatchObject({ code: 'IP_MISMATCH' });
    clock.advance(60_001);
    expect((await hit('192.0.2.8')).status).toBe(200);
  });
});

describe('invalidate', () => {
  it('ends the session, and it stays refused even from the original values', async () => {
    const a = setup({ mode: 'STRICT', autoInvalidate: true });
    expect((await a.hit('192.0.2.7')).status).toBe(200);
    expect(await a.hit('198.51.100.66')).toEqual({
      status: 401,
      body: { error: 'Invalid session', code: 'IP_MISMATCH' },
    });
    expect(a.calls).toEqual([`invalidate:${SESSION_ID}`, `logout:${SESSION_ID}`]);
    expect(await a.hit('198.51.100.66')).toEqual({
      status: 401,
      body: { error: 'Invalid session', code: 'SESSION_INVALIDATED' },
    });
    expect((await a.hit('192.0.2.7')).body).toMatchObject({ code: 'SESSION_INVALIDATED' });
    expect(a.guard.metrics()).toMatchObject({ actions: { invalidate: 1 }, revokedRefused: 2 });
  });

  it('still refuses when Flowless logout fails, and counts the failure', async () => {
    const { logger } = captureLogger();
    const guard = createSessionGuard({
      modes: createValidationModes({ mode: 'STRICT', autoInvalidate: true }),
      store: createMemoryStateStore(),
      validator: {
        invalidate: async () => {},
        logoutAtFlowless: async () => {
          throw new Error('down');
        },
      },
      logger,
    });
    const app = new Hono();
    app.get('/', async (c) => {
      await guard.enforce(c, session(), SESSION_ID);
      return c.text('ok');
    });
    app.onError((err, c) => c.json({ code: (err as AppError).code }, 401));
    const env = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });
    expect((await app.request('/', {}, env('192.0.2.1'))).status).toBe(200);
    expect(await (await app.request('/', {}, env('192.0.2.2'))).json()).toEqual({ code: 'IP_MISMATCH' });
    expect(guard.metrics().invalidationFailures).toBe(1);
  });
});

describe('suspicious_activity through the guard', () => {
  it('counts distinct networks in the window and applies its action', async () => {
    const { hit, guard } = setup({
      mode: 'STANDARD',
      ipValidation: false,
      suspiciousActivityValidation: true,
      suspiciousMaxIps: 3,
      ipPrefixV4: 24,
      actions: { suspicious_activity: 'deny' },
    });
    for (const ip of ['192.0.2.1', '198.51.100.1', '198.51.100.200', '203.0.113.1', '192.0.2.9']) {
      expect((await hit(ip)).status).toBe(200);
    }
    expect(await hit('100.64.0.1')).toEqual({
      status: 401,
      body: { error: 'Invalid session', code: 'SUSPICIOUS_ACTIVITY' },
    });
    expect(guard.metrics().violations.suspicious_activity.deny).toBe(1);
  });

  it('the window forgets networks older than it and keeps the newest maxMembers', async () => {
    const store = createMemoryStateStore();
    const w = { windowMs: 60_000, maxMembers: 3 };
    expect(await store.noteMember('s', 'a', { nowMs: 0, ...w })).toBe(1);
    expect(await store.noteMember('s', 'a', { nowMs: 1000, ...w })).toBe(1);
    expect(await store.noteMember('s', 'b', { nowMs: 30_000, ...w })).toBe(2);
    expect(await store.noteMember('s', 'c', { nowMs: 61_000, ...w })).toBe(2); // a left the window
    expect(await store.noteMember('s', 'd', { nowMs: 62_000, ...w })).toBe(3);
    expect(await store.noteMember('s', 'e', { nowMs: 63_000, ...w })).toBe(3); // b dropped by the bound
  });

  it('a network noted a moment ago costs no store write; the window moves with the clock', async () => {
    const clock = new ManualClock();
    const { hit } = setup(
      {
        mode: 'STANDARD',
        ipValidation: false,
        suspiciousActivityValidation: true,
        suspiciousMaxIps: 1,
        suspiciousWindowSeconds: 60,
        actions: { suspicious_activity: 'deny' },
      },
      session(),
      createMemoryStateStore({ clock }),
      clock,
    );
    expect((await hit('192.0.2.1')).status).toBe(200);
    expect((await hit('198.51.100.1')).body).toMatchObject({ code: 'SUSPICIOUS_ACTIVITY' });
    clock.advance(60_000);
    expect((await hit('198.51.100.1')).status).toBe(200);
  });
});

describe('options', () => {
  it('a wrong option throws FlowfullConfigError at construction, naming it', () => {
    const base = {
      modes: createValidationModes({ mode: 'STRICT' }),
      store: createMemoryStateStore(),
      validator: { invalidate: async () => {}, logoutAtFlowless: async () => {} },
      logger: createLogger({ level: 'silent' }),
    };
    expect(() => createSessionGuard({ ...base, localMaxSessions: -1 })).toThrow(/localMaxSessions/);
    expect(() => createSessionGuard({ ...base, store: undefined as unknown as StateStore })).toThrow(
      FlowfullConfigError,
    );
    expect(() => createSessionGuard({ ...base, undecided: 'maybe' as 'allow' })).toThrow(/undecided/);
  });
});
