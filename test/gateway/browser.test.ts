import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../support/services.js';
import {
  dropPrefix,
  type FlowfullInstance,
  freePort,
  type Listening,
  PASSWORD,
  redisPrefix,
  serve,
  startFlowfull,
  startStandin,
  type TestStandin,
} from './helpers.js';

/**
 * A real browser, the way a Pubflow web app runs: a page on http://localhost:<app> (an origin in
 * CORS_ORIGINS) talks to Flowfull on http://localhost:<api> alone (same site, another origin),
 * signing in through the gateway with cookies and `credentials: 'include'`. A page on
 * http://127.0.0.1:<other> (not allowed) is refused by the browser before Flowless hears of it.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is required under CI=true (.ci/run installs it)`);
  console.warn(`\n!!! ${CHROMIUM} not found: the gateway browser test is SKIPPED !!!\n`);
}
const redisUp = await serviceAvailable('redis');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Servers listen on IPv4 loopback only.
  '--host-resolver-rules=MAP localhost 127.0.0.1',
];

function pageServer(): Promise<Listening> {
  const app = new Hono();
  app.get('/', (c) => c.html('<!doctype html><html><head><title>app</title></head><body>app</body></html>'));
  return serve(app);
}

/** What `@pubflow/core` does in a browser: JSON content type on every call, credentials included. */
async function clientCalls(
  api: string,
  steps: Array<{ method: string; path: string; body?: unknown }>,
): Promise<Array<{ status: number; body: unknown } | { failed: string }>> {
  const out: Array<{ status: number; body: unknown } | { failed: string }> = [];
  for (const step of steps) {
    try {
      const res = await fetch(api + step.path, {
        method: step.method,
        credentials: 'include',
        headers: { 'Content-Type': 'application/json' },
        body: step.body === undefined ? undefined : JSON.stringify(step.body),
      });
      out.push({ status: res.status, body: await res.json().catch(() => null) });
    } catch (err) {
      out.push({ failed: String(err) });
    }
  }
  return out;
}

describe.skipIf(!available || !redisUp)('gateway in a real browser', () => {
  const prefix = redisPrefix();
  const email = `browser-${Date.now()}@example.test`;
  let standin: TestStandin;
  let flowfull: FlowfullInstance;
  let allowedPage: Listening;
  let otherPage: Listening;
  let context: BrowserContext;
  let dir: string;

  beforeAll(async () => {
    allowedPage = await pageServer();
    otherPage = await pageServer();
    standin = await startStandin();
    await standin.standin.controls.createUser({ email, password: PASSWORD });
    const apiPort = await freePort();
    flowfull = await startFlowfull(standin.url, {
      prefix,
      port: apiPort,
      env: { CORS_ORIGINS: `http://localhost:${allowedPage.port}` },
    });
    dir = mkdtempSync(join(tmpdir(), 'flowfull-gateway-browser-'));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
    });
  });

  afterAll(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await flowfull?.close();
    await standin?.close();
    await allowedPage?.close();
    await otherPage?.close();
    await dropPrefix(prefix);
  });

  const api = () => `http://localhost:${new URL(flowfull.url).port}`;

  it('an allowed origin signs in with cookies, reads a protected route, logs out, and is refused after', async () => {
    const page = await context.newPage();
    await page.goto(`http://localhost:${allowedPage.port}/`);
    const results = await page.evaluate(
      ([base, steps, fn]) => new Function(`return (${fn})`)()(base, steps),
      [
        api(),
        [
          { method: 'POST', path: '/auth/login', body: { email, password: PASSWORD } },
          { method: 'GET', path: '/api/v1/me' },
          { method: 'GET', path: '/auth/validation' },
          { method: 'POST', path: '/auth/logout' },
          { method: 'GET', path: '/api/v1/me' },
        ],
        clientCalls.toString(),
      ] as const,
    );
    const [login, me, check, logout, after] = results as Array<{
      status: number;
      body: Record<string, unknown>;
    }>;
    expect(login!.status).toBe(200);
    expect(me!.status).toBe(200);
    expect((me!.body.data as { email: string }).email).toBe(email);
    expect(check!.status).toBe(200);
    expect(logout!.status).toBe(200);
    expect(after!.status).toBe(401);
    // The cookie sat on Flowfull's origin, host-only, and the logout cleared it.
    const cookies = await context.cookies(api());
    expect(cookies.find((c) => c.name === 'session_id')).toBeUndefined();
    // And the session itself is over, whatever carries it.
    const sessionId = login!.body.session_id as string;
    const res = await fetch(`${flowfull.url}/api/v1/me`, { headers: { 'x-session-id': sessionId } });
    expect(res.status).toBe(401);
    await page.close();
  });

  it('another origin is refused by CORS and its login never reaches Flowless', async () => {
    const before = standin.seen.filter((s) => s.target === '/auth/login').length;
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${otherPage.port}/`);
    const results = await page.evaluate(
      ([base, steps, fn]) => new Function(`return (${fn})`)()(base, steps),
      [
        api(),
        [{ method: 'POST', path: '/auth/login', body: { email, password: PASSWORD } }],
        clientCalls.toString(),
      ] as const,
    );
    expect(results[0]).toHaveProperty('failed');
    expect(standin.seen.filter((s) => s.target === '/auth/login').length).toBe(before);
    await page.close();
  });
});
