import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Hono } from 'hono';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayRoutes } from '../../src/app/openapi.js';
import { buildApp, createServices, migrate, type Services } from '../../src/app/services.js';
import { loadConfig } from '../../src/config/index.js';
import { ERROR_STATUS } from '../../src/errors.js';
import { listen, type RunningServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { openApiPath } from '../../src/resources/index.js';
import { type FlowlessStandin, startFlowlessStandin } from '../../src/standin/index.js';
import { generateTokenKeyMaterial } from '../../src/tokens/index.js';
import { json } from '../support/http.js';

// Strong enough for production's entropy check (the production case below loads a production config).
const SECRET = 'gH7kP2xQ9mZ4vB8nR3tY6wL1cF5jD0sA-Ue_Ko';
const CHROMIUM = '/usr/bin/chromium';

let standin: FlowlessStandin;
let services: Services;
let app: Hono;

async function starter(nodeEnv: 'test' | 'production', extra: Record<string, string> = {}) {
  const keys = await generateTokenKeyMaterial();
  const dir = mkdtempSync(join(tmpdir(), 'flowfull-openapi-'));
  const config = loadConfig({
    env: {
      NODE_ENV: nodeEnv,
      LOG_LEVEL: 'silent',
      DATABASE_URL: `file:${join(dir, 'app.db')}`,
      FLOWLESS_API_URL: standin.url,
      BRIDGE_VALIDATION_SECRET: SECRET,
      AUTH_VALIDATION_MODE: 'DISABLED',
      PASETO_SECRET_KEY: keys.secretKey,
      ...(nodeEnv === 'production' ? { CORS_ORIGINS: 'https://app.example.com' } : {}),
      ...extra,
    },
    dotenvPath: false,
  });
  const s = await createServices(config, silentLogger());
  await migrate(s);
  return s;
}

beforeAll(async () => {
  standin = await startFlowlessStandin({ bridgeSecret: SECRET });
  services = await starter('test');
  app = buildApp(services);
});

afterAll(async () => {
  await services?.close();
  await standin?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: the document is checked by the validator
async function documentOf(target: Hono): Promise<any> {
  const res = await target.request('/openapi.json');
  expect(res.status).toBe(200);
  return json(res);
}

/** Every (method, path) the Hono router serves, middleware (`ALL`) aside. */
function servedRoutes(target: Hono): string[] {
  const routes = target.routes
    .filter((r) => r.method !== 'ALL')
    .map((r) => `${r.method} ${openApiPath(r.path)}`);
  return [...new Set(routes)].sort();
}

/**
 * The auth gateway serves its whole prefix with one ALL route, which servedRoutes() leaves out: the
 * client-facing routes it forwards are documented on purpose, and accounted for here, only when the
 * app really mounts that ALL route under the prefix and no route of its own has the same path.
 */
function gatewayServed(target: Hono, prefix: string): string[] {
  const all = target.routes.filter((r) => r.method === 'ALL').map((r) => r.path);
  if (!all.includes(`${prefix}/*`)) return [];
  const own = new Set(servedRoutes(target));
  const forwarded = gatewayRoutes(prefix).map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`);
  expect(forwarded.filter((r) => own.has(r))).toEqual([]);
  return forwarded;
}

/** What the document must list: the router's own routes, and the ones the gateway forwards. */
function expectedRoutes(target: Hono): string[] {
  return [...servedRoutes(target), ...gatewayServed(target, '/auth')].sort();
}

function documentedRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI 3.1 document', () => {
  it('validates against the OpenAPI 3.1 schema', async () => {
    const doc = await documentOf(app);
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists exactly the routes the app serves, and those the auth gateway forwards', async () => {
    const doc = await documentOf(app);
    expect(documentedRoutes(doc)).toEqual(expectedRoutes(app));
    for (const route of [
      'POST /auth/login',
      'GET /auth/validation',
      'GET /auth/password-reset/validate/{token}',
    ]) {
      expect(documentedRoutes(doc)).toContain(route);
    }
    const me = doc.paths['/api/v1/me'].get.responses['200'].content['application/json'].schema;
    expect(me.required).toEqual(['success', 'data', 'user_context']);
    const login = doc.paths['/auth/login'].post;
    expect(login.tags).toEqual(['auth (gateway)']);
    // Flowless's answer passes through as it is: described without the envelope.
    expect(login.responses['200'].content['application/json'].schema.required).toContain('session_id');
    expect(documentedRoutes(doc)).toContain('GET /bridge/items/search');
    expect(documentedRoutes(doc)).toContain('PATCH /bridge/items/{id}');
  });

  it('carries the error envelope with every error code, and the resources’ schemas', async () => {
    const doc = await documentOf(app);
    expect(doc.components.schemas.Error.properties.code.enum).toEqual(Object.keys(ERROR_STATUS));
    expect(doc.components.schemas.Items.properties.title).toEqual({
      type: 'string',
      maxLength: 200,
      minLength: 1,
    });
    expect(doc.components.schemas.ItemsCreate.required).toEqual(['title']);
    expect(doc.components.schemas.ItemsCreate.additionalProperties).toBe(false);
    const list = doc.paths['/bridge/items'].get;
    expect(list.responses['200'].content['application/json'].schema.required).toEqual([
      'success',
      'data',
      'meta',
    ]);
    expect(list.parameters.find((p: { name: string }) => p.name === 'filters').description).toContain(
      'greaterThanOrEquals',
    );
    expect(list.responses['400'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
  });

  it('serves no /docs page in production, and still the document', async () => {
    const prod = await starter('production');
    try {
      const prodApp = buildApp(prod);
      expect((await prodApp.request('/docs')).status).toBe(404);
      const doc = await documentOf(prodApp);
      expect(documentedRoutes(doc)).toEqual(expectedRoutes(prodApp));
    } finally {
      await prod.close();
    }
  });

  it('describes no gateway route when the gateway is off', async () => {
    const off = await starter('test', { AUTH_GATEWAY_ENABLED: 'false' });
    try {
      const offApp = buildApp(off);
      const doc = await documentOf(offApp);
      expect(gatewayServed(offApp, '/auth')).toEqual([]);
      expect(documentedRoutes(doc)).toEqual(servedRoutes(offApp));
      expect(Object.keys(doc.paths).some((p) => p.startsWith('/auth/'))).toBe(false);
    } finally {
      await off.close();
    }
  });
});

describe.skipIf(!existsSync(CHROMIUM))('/docs in headless Chromium', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await listen(app, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close(1000);
  });

  it('renders the reference from local assets and shows the resources', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'flowfull-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const external: string[] = [];
      page.on('request', (r) => {
        if (!r.url().startsWith(`http://127.0.0.1:${server.port}/`)) external.push(r.url());
      });
      await page.goto(`http://127.0.0.1:${server.port}/docs`);
      await page.getByText('/bridge/items/search').first().waitFor({ timeout: 20_000 });
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a reader sees
      const text = await page.locator('body').innerText();
      for (const expected of [
        'Flowfull starter API',
        'items',
        '/bridge/items',
        '/bridge/items/{id}',
        '/api/v1/me',
      ])
        expect(text).toContain(expected);
      const shot = await page.screenshot({ path: join(profile, 'docs.png'), fullPage: false });
      expect(shot.length).toBeGreaterThan(1000);
      expect(external).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
