import { createHash, randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { cors } from 'hono/cors';
import { AppError } from '../errors.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { clientIp, readJsonObject, requireSessionId, SESSION_COOKIE } from './request.js';
import type { StandinRuntime } from './runtime.js';
import { hashSessionId, type SessionLookup, type StandinStore } from './store.js';
import type { StandinOptions } from './types.js';

/**
 * The routes `@pubflow/core` calls on Flowless beyond register/login (protocol section 6): refresh,
 * password reset through a development outbox, password change, the 2FA probes; CORS for a browser
 * app calling the stand-in directly; and the revocation hook a Flowless deployment calls on Flowfull
 * when sessions end, so that Flowfull drops them at once instead of when its cache entry ages out.
 */

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;
const RESET_TTL_MS = 60 * 60 * 1000;
/** Bound on remembered session ids and outbox mails: a long-running dev stand-in stays small. */
const MEMORY_BOUND = 10_000;
const HOOK_TIMEOUT_MS = 2000;

export interface RevocationHookTarget {
  /** Flowfull's POST /flowfull/hooks/session-revoked, e.g. http://127.0.0.1:3001/flowfull/hooks/session-revoked */
  url: string;
  /** BRIDGE_VALIDATION_SECRET, sent as X-Bridge-Secret. */
  secret: string;
  timeoutMs?: number;
}

export interface OutboxMail {
  to: string;
  subject: string;
  /** The reset token, and the link built from the client's resetUrl when it sent one. */
  token: string;
  link: string | null;
  created_at: string;
}

type ValidLookup = Extract<SessionLookup, { status: 'valid' }>;

/**
 * Session ids of sessions this process opened, by their hash. The store keeps only hashes (as Flowless
 * does); the revocation hook needs ids, so the stand-in remembers them in memory, never on disk.
 */
class SessionIds {
  private readonly byHash = new Map<string, string>();
  remember(sessionId: string): void {
    this.byHash.set(hashSessionId(sessionId), sessionId);
    if (this.byHash.size > MEMORY_BOUND) this.byHash.delete(this.byHash.keys().next().value!);
  }
  idsOf(hashes: string[]): string[] {
    return hashes.map((h) => this.byHash.get(h)).filter((id): id is string => id !== undefined);
  }
}

function str(body: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const key of keys) if (typeof body[key] === 'string') return body[key] as string;
  return undefined;
}

function checkNewPassword(password: string | undefined): string {
  if (password === undefined) throw new AppError('VALIDATION_FAILED', 'password is required');
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD)
    throw new AppError('VALIDATION_FAILED', `password must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`);
  return password;
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface ClientContract {
  /** Mount at `/auth`, before the register/login routes. */
  authRoutes: Hono;
  /** Mount at `/dev`: GET /dev/outbox. */
  devRoutes: Hono;
  /** On POST /auth/logout, before the logout route: reports the ended session to Flowfull. */
  logoutHook: MiddlewareHandler;
  /** CORS for `corsOrigins`; undefined when none are configured. */
  cors: MiddlewareHandler | undefined;
}

/** Builds the routes; wraps the runtime's store so that every opened session's id is remembered for the hook. */
export function createClientContract(
  runtime: StandinRuntime,
  options: Pick<StandinOptions, 'corsOrigins' | 'revocationHook' | 'twoFactorOffered'>,
): ClientContract {
  const ids = new SessionIds();
  const store: StandinStore = runtime.store;
  const createSession = store.createSession.bind(store);
  // Replaced on the store itself, so that every route opening a session (register and login too) goes
  // through it. Remembered once settled: the same code serves a store that answers with promises.
  store.createSession = (userId, ttl, binding) => {
    const opened = createSession(userId, ttl, binding);
    void Promise.resolve(opened).then((o) => ids.remember(o.sessionId));
    return opened;
  };
  const outbox: OutboxMail[] = [];
  const resets = new Map<string, { userId: string; email: string; expiresAt: number }>();
  const hook = options.revocationHook;

  async function reportEnded(sessionIds: string[], reason: string, userId?: string): Promise<void> {
    if (hook === undefined || sessionIds.length === 0) return;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bridge-secret': hook.secret },
        body: JSON.stringify({ session_ids: sessionIds, reason, ...(userId ? { user_id: userId } : {}) }),
        signal: AbortSignal.timeout(hook.timeoutMs ?? HOOK_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      if (!res.ok) runtime.logger.warn({ status: res.status, reason }, 'revocation hook refused');
    } catch (err) {
      // Flowfull down: the sessions are still ended here; Flowfull's cache lets them go by its TTL.
      runtime.logger.warn({ errName: (err as Error)?.name, reason }, 'revocation hook unreachable');
    }
  }

  async function validSession(c: Context): Promise<{ id: string; found: ValidLookup }> {
    const id = requireSessionId(c);
    const found = await runtime.store.lookupSession(id, true);
    if (found.status === 'expired') throw new AppError('SESSION_EXPIRED', 'Session expired');
    if (found.status === 'invalid') throw new AppError('INVALID_SESSION', 'Invalid session');
    return { id, found };
  }

  async function endUserSessions(userId: string, reason: string, keep?: string): Promise<void> {
    const hashes = await runtime.store.revokeUserSessions(userId, keep);
    await reportEnded(ids.idsOf(hashes), reason, userId);
  }

  const routes = new Hono();

  const refresh = async (c: Context) => {
    const { id, found } = await validSession(c);
    const opened = await runtime.store.createSession(found.user.id, runtime.sessionTtlSeconds, {
      ipAddress: clientIp(c) ?? found.session.ipAddress,
      userAgent: c.req.header('user-agent') ?? found.session.userAgent,
      deviceId: c.req.header('x-device-id') ?? found.session.deviceId,
    });
    await runtime.store.revokeSession(id);
    setCookie(c, SESSION_COOKIE, opened.sessionId, {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      maxAge: runtime.sessionTtlSeconds,
    });
    await reportEnded([id], 'refresh', found.user.id);
    const expiresAt = opened.expiresAt.toISOString();
    return c.json({
      success: true,
      user: found.user,
      session_id: opened.sessionId,
      sessionId: opened.sessionId,
      expires_at: expiresAt,
      expiresAt,
    });
  };
  routes.post('/refresh', refresh);
  routes.post('/refresh-session', refresh);

  routes.post('/password-reset/request', async (c) => {
    const body = await readJsonObject(c);
    const email = str(body, 'email')?.trim().toLowerCase();
    if (!email) throw new AppError('VALIDATION_FAILED', 'email is required');
    const found = await runtime.store.findUserByLogin('email', email);
    if (found) {
      const token = randomBytes(32).toString('base64url');
      resets.set(tokenHash(token), { userId: found.user.id, email, expiresAt: Date.now() + RESET_TTL_MS });
      const base = str(body, 'resetUrl', 'reset_url');
      const link = base ? `${base}${base.includes('?') ? '&' : '?'}token=${token}` : null;
      outbox.push({
        to: email,
        subject: 'Reset your password',
        token,
        link,
        created_at: new Date().toISOString(),
      });
      if (outbox.length > MEMORY_BOUND) outbox.shift();
    }
    // The same answer whether or not the address is registered: no account enumeration.
    return c.json({ success: true, message: 'If the address is registered, a reset link has been sent' });
  });

  const liveReset = (token: string | undefined) => {
    const entry = token ? resets.get(tokenHash(token)) : undefined;
    if (entry === undefined || entry.expiresAt <= Date.now())
      throw new AppError('INVALID_RESET_TOKEN', 'Invalid or expired reset token');
    return entry;
  };
  const validate = async (c: Context) => {
    const token =
      c.req.param('token') ??
      c.req.query('token') ??
      (c.req.method === 'POST' ? str(await readJsonObject(c), 'token') : undefined);
    return c.json({ success: true, data: { valid: true, email: liveReset(token).email } });
  };
  routes.get('/password-reset/validate/:token', validate);
  routes.get('/password-reset/validate', validate);
  routes.post('/password-reset/validate', validate);

  const reset = async (c: Context) => {
    const body = await readJsonObject(c);
    const token = str(body, 'token');
    const entry = liveReset(token);
    const password = checkNewPassword(str(body, 'password', 'new_password', 'newPassword'));
    // Single use: gone before the slow hash, so two concurrent resets cannot both use it.
    resets.delete(tokenHash(token!));
    await runtime.store.setPassword(entry.userId, await hashPassword(password));
    await endUserSessions(entry.userId, 'password_reset');
    return c.json({ success: true, message: 'Password has been reset', data: { user_id: entry.userId } });
  };
  routes.post('/password-reset/reset', reset);
  routes.post('/password-reset/complete', reset);

  routes.post('/password-change/self', async (c) => {
    const { id, found } = await validSession(c);
    const body = await readJsonObject(c);
    const current = str(body, 'current_password', 'currentPassword', 'old_password', 'oldPassword') ?? '';
    const next = checkNewPassword(str(body, 'new_password', 'newPassword', 'password'));
    const stored = await runtime.store.findUserByLogin('email', found.user.email);
    if (!stored?.passwordHash || !(await verifyPassword(current, stored.passwordHash)))
      throw new AppError('INVALID_PASSWORD', 'Current password is incorrect');
    await runtime.store.setPassword(found.user.id, await hashPassword(next));
    // The caller keeps its session; every other session of the user ends.
    await endUserSessions(found.user.id, 'password_change', id);
    return c.json({ success: true, message: 'Password changed', data: { user_id: found.user.id } });
  });

  routes.get('/two_factor/system', (c) => {
    const enabled = options.twoFactorOffered ?? false;
    return c.json({ success: true, enabled, data: { enabled, methods: enabled ? ['email'] : [] } });
  });
  routes.get('/two_factor/methods', async (c) => {
    await validSession(c);
    return c.json({ success: true, data: { methods: [] } });
  });

  const devRoutes = new Hono();
  devRoutes.get('/outbox', (c) => {
    const to = c.req.query('to')?.toLowerCase();
    return c.json({ success: true, data: to ? outbox.filter((m) => m.to === to) : outbox });
  });

  const logoutHook: MiddlewareHandler = async (c, next) => {
    let id: string | undefined;
    try {
      id = requireSessionId(c);
    } catch {
      id = undefined;
    }
    await next();
    if (id !== undefined && c.res.status >= 200 && c.res.status < 300) await reportEnded([id], 'logout');
  };

  const origins = options.corsOrigins ?? [];
  const corsMiddleware =
    origins.length === 0
      ? undefined
      : cors({
          origin: (origin) => (origins.includes(origin) ? origin : null),
          credentials: true,
          allowHeaders: [
            'Content-Type',
            'Accept',
            'Authorization',
            'X-Session-ID',
            'X-Device-ID',
            'X-Request-ID',
          ],
          allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
          maxAge: 600,
        });

  return { authRoutes: routes, devRoutes, logoutHook, cors: corsMiddleware };
}
