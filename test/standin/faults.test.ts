import { describe, expect, it } from 'vitest';
import { bridge, call, SECRET, userWithSession, useStandins } from './helpers.js';

/** The error fetch (undici) raises when nothing listens, found under cause. */
async function connectionError(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? (err as Error).name;
  }
}

describe('stand-in: faults', () => {
  const start = useStandins();

  it('latencyMs delays bridge answers, then they answer normally', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    s.setFaults({ latencyMs: 300 });
    const t0 = performance.now();
    const res = await bridge(s, { body: { session_id: sessionId } });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(200);
    // Other routes are not slowed down.
    const health = await call(s.url, 'GET', '/health');
    expect(health.status).toBe(200);
  });

  it.each([500, 502, 503, 504, 429])(
    'status %i answers that status with a JSON error body',
    async (status) => {
      const s = await start();
      const { sessionId } = await userWithSession(s);
      s.setFaults({ status });
      for (let i = 0; i < 3; i++) {
        const res = await bridge(s, { body: { session_id: sessionId } });
        expect(res.status).toBe(status);
        expect(res.body).toMatchObject({
          success: false,
          error: expect.any(String),
          code: expect.any(String),
        });
      }
      const res = await bridge(s, { body: { session_id: sessionId } });
      if (status === 429 || status === 503) expect(res.headers.get('retry-after')).toBe('1');
      s.resetFaults();
      expect((await bridge(s, { body: { session_id: sessionId } })).status).toBe(200);
    },
  );

  it('failNext limits the status fault to the next N calls', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    s.setFaults({ status: 503, failNext: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await bridge(s, { body: { session_id: sessionId } })).status);
    expect(statuses).toEqual([503, 503, 200, 200]);
    expect(s.stats().bridgeValidateCalls).toBe(4);
  });

  it('nonJson answers 200 with an HTML body', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    s.setFaults({ nonJson: true });
    const res = await bridge(s, { body: { session_id: sessionId } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.body).toBeUndefined();
    expect(res.text).toMatch(/<html/);
  });

  it('faults also apply to /auth/logout unless routes excludes it', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    s.setFaults({ status: 502 });
    const faulted = await call(s.url, 'POST', '/auth/logout', { headers: { 'X-Session-ID': sessionId } });
    expect(faulted.status).toBe(502);
    s.setFaults({ routes: ['bridge'] });
    const ok = await call(s.url, 'POST', '/auth/logout', { headers: { 'X-Session-ID': sessionId } });
    expect(ok.status).toBe(200);
    expect((await bridge(s, { body: { session_id: sessionId } })).status).toBe(502);
    expect(s.stats().logoutCalls).toBe(2);
  });

  it('hang never answers: the client times out; resetFaults lets later calls through', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    s.setFaults({ hang: true });
    const err = await connectionError(
      bridge(s, { body: { session_id: sessionId }, signal: AbortSignal.timeout(300) }),
    );
    expect(err).toBe('TimeoutError');
    expect(s.stats().bridgeValidateCalls).toBe(1);
    s.resetFaults();
    expect((await bridge(s, { body: { session_id: sessionId } })).status).toBe(200);
  });

  it('a hung call still waiting is answered once hang is cleared', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    s.setFaults({ hang: true });
    const pending = bridge(s, { body: { session_id: sessionId } });
    await waitFor(() => s.stats().bridgeValidateCalls === 1);
    s.setFaults({ hang: false });
    expect((await pending).status).toBe(200);
  });

  it('close() completes while calls hang, and the hung clients see the connection drop', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    s.setFaults({ hang: true });
    const pending = connectionError(bridge(s, { body: { session_id: sessionId } }));
    await waitFor(() => s.stats().bridgeValidateCalls === 1);
    await s.close();
    expect(await pending).toBeDefined();
  });

  it('refuse stops listening (ECONNREFUSED) and recovers on the same port', async () => {
    const s = await start();
    const { sessionId } = await userWithSession(s);
    // A pooled keep-alive connection exists before the outage: it must not keep working.
    expect((await bridge(s, { body: { session_id: sessionId } })).status).toBe(200);
    s.setFaults({ refuse: true });
    expect(await connectionError(bridge(s, { body: { session_id: sessionId } }))).toBe('ECONNREFUSED');
    expect(await connectionError(call(s.url, 'GET', '/health'))).toBe('ECONNREFUSED');
    s.setFaults({ refuse: false });
    const back = await bridge(s, { body: { session_id: sessionId } });
    expect(back.status).toBe(200);
    expect(new URL(s.url).port).toBe(String(s.port));

    s.setFaults({ refuse: true });
    expect(await connectionError(call(s.url, 'GET', '/health'))).toBe('ECONNREFUSED');
    s.resetFaults();
    expect((await call(s.url, 'GET', '/health')).status).toBe(200);
  });

  it('close() works while refusing', async () => {
    const s = await start();
    s.setFaults({ refuse: true });
    await s.close();
    await s.close();
  });

  it('can start with faults set', async () => {
    const s = await start({ faults: { status: 500, failNext: 1 } });
    const { sessionId } = await userWithSession(s);
    expect((await bridge(s, { body: { session_id: sessionId } })).status).toBe(500);
    expect((await bridge(s, { body: { session_id: sessionId } })).status).toBe(200);
  });

  it('rejects nonsensical fault values', async () => {
    const s = await start();
    expect(() => s.setFaults({ status: 99 })).toThrow(/status/);
    expect(() => s.setFaults({ latencyMs: -1 })).toThrow(/latencyMs/);
    expect(() => s.setFaults({ failNext: 1.5 })).toThrow(/failNext/);
  });

  it('faults do not touch the secret check order: a faulted bridge answers the fault even with a wrong secret', async () => {
    const s = await start();
    s.setFaults({ status: 503 });
    const res = await bridge(s, { body: { session_id: 'ses_x' }, headers: { 'x-bridge-secret': 'wrong' } });
    expect(res.status).toBe(503);
    s.resetFaults();
    const ok = await bridge(s, { body: { session_id: 'ses_x' }, headers: { 'x-bridge-secret': SECRET } });
    expect(ok.status).toBe(401);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
