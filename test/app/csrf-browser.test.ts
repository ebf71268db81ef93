import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { type BrowserContext, chromium, type Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createServices, migrate, type Services } from '../../src/app/services.js';
import { loadConfig } from '../../src/config/index.js';
import { listen, type RunningServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../src/standin/index.js';
import { generateTokenKeyMaterial } from '../../src/tokens/index.js';

/**
 * A real browser against the real starter: the API on http://localhost:<port> holds a session cookie;
 * an attacker page on http://127.0.0.1:<other port> (another site) auto-submits a form to it. The
 * browser sends the cookie (SameSite=None), and Flowfull must refuse; the API's own page, posting JSON
 * with fetch, must succeed.
 */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) {
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is required under CI=true (.ci/run installs it)`);
  console.warn(`\n!!! ${CHROMIUM} not found: the CSRF browser test is SKIPPED !!!\n`);
}

const SECRET = 'csrf-browser-bridge-secret-0123456789abcdef';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How the browser sent a request: whether the session cookie went along, from which origin, as what. */
async function sent(response: Response) {
  const headers = await response.request().allHeaders();
  return {
    contentType: headers['content-type'] ?? null,
    origin: headers.origin ?? null,
    withCookie: (headers.cookie ?? '').includes('session_id='),
  };
}

const isItemPost = (r: Response) => r.url().endsWith('/api/v1/items') && r.request().method() === 'POST';

/** The attacker: a plain page that posts a JSON-looking text/plain form to the API as soon as it loads. */
function attackerServer(target: string): Promise<http.Server> {
  const page = `<!doctype html><html><body>
<form id="f" method="POST" action="${target}/api/v1/items" enctype="text/plain">
  <input name='{"title":"csrf","is_public":true,"x":"' value='"}'>
</form>
<script>document.getElementById('f').submit();</script>
</body></html>`;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The API's own page: a same-origin JSON fetch, as a real front end served beside the API would do. */
function ownPage(app: Hono): void {
  app.get('/test-page', (c) =>
    c.html(`<!doctype html><html><body><script>
window.result = fetch('/api/v1/items', {
  method: 'POST',
  credentials: 'same-origin',
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ title: 'legit' }),
}).then(async (r) => ({ status: r.status, body: await r.json() }));
</script></body></html>`),
  );
}

describe.skipIf(!available)(
  'CSRF in a real browser (headless Chromium)',
  () => {
    let standin: FlowlessStandin;
    let services: Services;
    let api: RunningServer;
    let attacker: http.Server;
    let context: BrowserContext;
    let apiOrigin: string;
    let attackerOrigin: string;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'flowfull-csrf-'));
      standin = await startFlowlessStandin({ bridgeSecret: SECRET });
      const keys = await generateTokenKeyMaterial();
      const config = loadConfig({
        env: {
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          DATABASE_URL: `file:${join(dir, 'app.db')}`,
          FLOWLESS_API_URL: standin.url,
          BRIDGE_VALIDATION_SECRET: SECRET,
          AUTH_VALIDATION_MODE: 'DISABLED',
          PASETO_SECRET_KEY: keys.secretKey,
        },
        dotenvPath: false,
      });
      services = await createServices(config, silentLogger());
      await migrate(services);
      const app = buildApp(services);
      ownPage(app);
      api = await listen(app, { port: 0, host: '127.0.0.1' });
      // Chromium keeps Secure cookies on http://localhost (a secure context), so the API lives there.
      apiOrigin = `http://localhost:${api.port}`;
      attacker = await attackerServer(apiOrigin);
      attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;

      const user = await standin.createUser({ email: 'victim@example.com', name: 'Victim' });
      const { sessionId } = await standin.createSession(user.id);
      context = await chromium.launchPersistentContext(join(dir, 'profile'), {
        executablePath: CHROMIUM,
        headless: true,
        // localhost resolves to the loopback address the API listens on, without trying ::1 first.
        args: [...ARGS, '--host-resolver-rules=MAP localhost 127.0.0.1'],
      });
      // SameSite=None: the browser sends the cookie on a cross-site POST, so only Flowfull stands in the way.
      await context.addCookies([
        {
          name: 'session_id',
          value: sessionId,
          domain: 'localhost',
          path: '/',
          sameSite: 'None',
          secure: true,
        },
      ]);
    }, 60_000);

    afterAll(async () => {
      await context?.close();
      await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
      await api?.close(1000);
      await services?.close();
      await standin?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    async function itemTitles(): Promise<string[]> {
      const rows = await services.database.db.selectFrom('items').select('title').execute();
      return rows.map((r) => r.title as string);
    }

    it('refuses a cross-site form post that carries the session cookie', async () => {
      const page = await context.newPage();
      const answered = page.waitForResponse(isItemPost);
      await page.goto(`${attackerOrigin}/`);
      const response = await answered;
      expect(response.status()).toBe(403);
      expect(await response.json()).toMatchObject({ success: false, code: 'CSRF_REJECTED' });
      // The browser really sent the cookie: the refusal is Flowfull's, not the browser's.
      const request = await sent(response);
      expect(request).toMatchObject({ withCookie: true, origin: attackerOrigin });
      expect(request.contentType).toMatch(/^text\/plain/);
      expect(await itemTitles()).not.toContain('csrf');
      await page.close();
    });

    it("lets the API's own page post JSON with the same cookie", async () => {
      const page = await context.newPage();
      const answered = page.waitForResponse(isItemPost);
      await page.goto(`${apiOrigin}/test-page`);
      // Runs in the page: its global holds the fetch's promise.
      const result = await page.evaluate(
        () => (globalThis as unknown as { result: Promise<{ status: number; body: unknown }> }).result,
      );
      expect(result).toMatchObject({ status: 201, body: { success: true, data: { title: 'legit' } } });
      expect(await sent(await answered)).toMatchObject({ withCookie: true, contentType: 'application/json' });
      expect(await itemTitles()).toEqual(['legit']);
      await page.close();
    });
  },
  120_000,
);
