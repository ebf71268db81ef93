import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { VIOLATION_CODES } from '../../src/auth/binding/index.js';
import {
  AppError,
  type AppErrorCode,
  ERROR_STATUS,
  ERRORS,
  type ErrorCode,
  FlowfullConfigError,
  isErrorCode,
} from '../../src/errors.js';
import { createApp } from '../../src/http/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { TOKEN_ERROR_STATUS } from '../../src/tokens/index.js';
import { json } from '../support/http.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CODES = Object.keys(ERRORS) as ErrorCode[];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every literal code src/ throws or answers with: AppError, tokenError, `code: '…'` (config errors, bodies). */
function codesUsedInSource(): Map<string, string> {
  const pattern = /(?:new AppError\(\s*|tokenError\(\s*|\bcode: )'([A-Z][A-Z0-9_]+)'/g;
  const found = new Map<string, string>();
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern))
      found.set(match[1]!, file.slice(ROOT.length));
  }
  return found;
}

/** The rows of docs/errors.md's tables: code, status, public message. */
function documentedCodes(): Map<string, { status: number; message: string }> {
  const rows = new Map<string, { status: number; message: string }>();
  const text = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  for (const match of text.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (\d{3}) \| ([^|]+) \|/gm)) {
    if (rows.has(match[1]!)) throw new Error(`docs/errors.md lists ${match[1]} twice`);
    rows.set(match[1]!, { status: Number(match[2]), message: match[3]!.trim() });
  }
  return rows;
}

describe('the error catalogue', () => {
  it('gives every code an HTTP error status and a public message', () => {
    for (const code of CODES) {
      const entry: { status: number; message: string; config?: true } = ERRORS[code];
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.message.length).toBeGreaterThan(0);
      // Configuration codes never describe themselves to a client.
      if (entry.config)
        expect(entry).toEqual({ status: 500, message: 'Internal server error', config: true });
      expect(ERROR_STATUS[code]).toBe(entry.status);
    }
  });

  it('holds every code src/ uses, the violation codes and the token codes included', () => {
    const used = codesUsedInSource();
    expect(used.size).toBeGreaterThan(30);
    const unknown = [...used]
      .filter(([code]) => !isErrorCode(code))
      .map(([code, file]) => `${code} (${file})`);
    expect(unknown).toEqual([]);
    for (const code of Object.values(VIOLATION_CODES)) expect(ERRORS).toHaveProperty(code);
    const tokenCodes = CODES.filter((c) => c.startsWith('TOKEN_'));
    expect(Object.keys(TOKEN_ERROR_STATUS).sort()).toEqual(tokenCodes.sort());
    for (const code of tokenCodes)
      expect(TOKEN_ERROR_STATUS[code as keyof typeof TOKEN_ERROR_STATUS]).toBe(ERRORS[code].status);
  });

  it('docs/errors.md lists exactly the catalogue, with the same statuses and messages', () => {
    const documented = documentedCodes();
    expect([...documented.keys()].sort()).toEqual([...CODES].sort());
    for (const code of CODES) {
      expect({ code, ...documented.get(code) }).toEqual({
        code,
        status: ERRORS[code].status,
        message: ERRORS[code].message,
      });
    }
  });

  it('TypeScript rejects a code outside the catalogue (checked by npm run typecheck)', () => {
    const typeOnly = () => [
      // @ts-expect-error NOT_A_CODE is not in ERRORS
      new AppError('NOT_A_CODE'),
      // @ts-expect-error nor with a message
      new AppError('NOT_A_CODE', 'message'),
      // @ts-expect-error a configuration code is a FlowfullConfigError, never an AppError
      new AppError('DATABASE_URL_INVALID', 'message'),
      // @ts-expect-error FlowfullConfigError takes configuration codes only
      new FlowfullConfigError('message', { code: 'NOT_FOUND' }),
    ];
    const code: AppErrorCode = 'SESSION_EXPIRED';
    expect(typeof typeOnly).toBe('function');
    expect(new AppError(code).status).toBe(401);
  });
});

describe('AppError', () => {
  it('takes status and public message from the catalogue; a message of its own replaces the latter', () => {
    const plain = new AppError('SESSION_EXPIRED');
    expect(plain).toMatchObject({ status: 401, message: 'Session expired', code: 'SESSION_EXPIRED' });
    const own = new AppError('NOT_FOUND', 'Organization not found', { details: { id: 'o1' } });
    expect(own.toEnvelope()).toEqual({
      success: false,
      error: 'Organization not found',
      code: 'NOT_FOUND',
      details: { id: 'o1' },
    });
    expect(own.name).toBe('AppError');
  });

  it('is a Hono HTTPException: a plain Hono app answers it with its status and the envelope', async () => {
    const app = new Hono();
    app.get('/expired', () => {
      throw new AppError('SESSION_EXPIRED', undefined, { cause: new Error('secret detail') });
    });
    app.get('/busy', () => {
      throw new AppError('AUTH_UNAVAILABLE', undefined, { retryAfter: 2.2 });
    });
    expect(new AppError('FORBIDDEN')).toBeInstanceOf(HTTPException);

    const expired = await app.request('/expired');
    expect(expired.status).toBe(401);
    expect(expired.headers.get('content-type')).toContain('application/json');
    const text = await expired.text();
    expect(JSON.parse(text)).toEqual({ success: false, error: 'Session expired', code: 'SESSION_EXPIRED' });
    expect(text).not.toContain('secret detail');

    const busy = await app.request('/busy');
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('3');
    expect((await json(busy)).code).toBe('AUTH_UNAVAILABLE');
  });
});

describe('configuration errors in a request', () => {
  it('an escaped FlowfullConfigError is a bare 500, its text kept from the client', async () => {
    const app = createApp({
      config: { BODY_LIMIT_BYTES: 1024, CORS_ORIGINS: [], DEBUG_ERRORS: false },
      logger: silentLogger(),
    });
    app.get('/late', () => {
      throw new FlowfullConfigError('DATABASE_URL (postgres:) has no host', { code: 'DATABASE_URL_INVALID' });
    });
    const res = await app.request('/late');
    expect(res.status).toBe(500);
    expect(await json(res)).toEqual({
      success: false,
      error: 'Internal server error',
      code: 'INTERNAL_ERROR',
    });
  });

  it('FlowfullConfigError is a TypeError with a configuration code (CONFIG_INVALID by default)', () => {
    const err = new FlowfullConfigError('cache: ttl must be a positive number of seconds');
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(ERRORS[err.code].config).toBe(true);
  });

  it('createApp refuses unusable options at construction', () => {
    const build = (BODY_LIMIT_BYTES: number) =>
      createApp({
        config: { BODY_LIMIT_BYTES, CORS_ORIGINS: [], DEBUG_ERRORS: false },
        logger: silentLogger(),
      });
    expect(() => build(0)).toThrow(FlowfullConfigError);
    expect(() => build(1.5)).toThrow(/BODY_LIMIT_BYTES/);
  });
});
