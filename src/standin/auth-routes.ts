import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { AppError } from '../errors.js';
import { type LoginInput, parseLogin, parseRegister } from './input.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './passwords.js';
import { clientIp, readJsonObject, requireSessionId, SESSION_COOKIE, secretMatches } from './request.js';
import { sessionView } from './responses.js';
import { answerFaults, type StandinRuntime } from './runtime.js';
import type { SessionLookup } from './store.js';
import type { StandinUser } from './types.js';

type ValidLookup = Extract<SessionLookup, { status: 'valid' }>;

function requireValidSession(c: Context, runtime: StandinRuntime): ValidLookup {
  const found = runtime.store.lookupSession(requireSessionId(c), true);
  if (found.status === 'expired') throw new AppError('SESSION_EXPIRED', 'Session expired');
  if (found.status === 'invalid') throw new AppError('INVALID_SESSION', 'Invalid session');
  return found;
}

/** Opens a session bound to what this request shows: socket address, User-Agent, X-Device-ID. */
function openSession(c: Context, runtime: StandinRuntime, userId: string, deviceId?: unknown) {
  const session = runtime.store.createSession(userId, runtime.sessionTtlSeconds, {
    ipAddress: clientIp(c),
    userAgent: c.req.header('user-agent') ?? null,
    deviceId: c.req.header('x-device-id') ?? (typeof deviceId === 'string' ? deviceId : null),
  });
  setCookie(c, SESSION_COOKIE, session.sessionId, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    maxAge: runtime.sessionTtlSeconds,
  });
  return session;
}

async function checkCredentials(runtime: StandinRuntime, input: LoginInput): Promise<StandinUser> {
  const found = input.email
    ? runtime.store.findUserByLogin('email', input.email)
    : runtime.store.findUserByLogin('user_name', input.userName!);
  let ok = false;
  if (found?.passwordHash) ok = await verifyPassword(input.password, found.passwordHash);
  else await burnPasswordCheck(input.password);
  if (!found || !ok) throw new AppError('INVALID_CREDENTIALS', 'Invalid credentials');
  if (!found.user.is_verified) throw new AppError('EMAIL_NOT_VERIFIED', 'Email not verified');
  return found.user;
}

/**
 * Register and login answer the same shape. The protocol has register's session under `data` and
 * login's at the top level; both places carry it here, for both routes, so a client (or a curl
 * walk-through) reads `session_id` from the same place whichever call opened the session.
 */
function sessionAnswer(user: StandinUser, session: { sessionId: string; expiresAt: Date }) {
  const expiresAt = session.expiresAt.toISOString();
  const fields = {
    user,
    session_id: session.sessionId,
    sessionId: session.sessionId,
    expires_at: expiresAt,
    expiresAt,
  };
  return { success: true, ...fields, data: fields };
}

export function createAuthRoutes(runtime: StandinRuntime): Hono {
  const routes = new Hono();

  const register = (style: 'camel' | 'snake') => async (c: Context) => {
    const body = await readJsonObject(c);
    const input = parseRegister(body, style);
    const user = runtime.store.createUser({
      email: input.email,
      name: input.name,
      lastName: input.lastName ?? null,
      userName: input.userName ?? null,
      userType: input.userType ?? 'user',
      verified: true,
      passwordHash: await hashPassword(input.password),
    });
    const session = openSession(c, runtime, user.id, body.device_id);
    runtime.logger.info({ userId: user.id }, 'user registered');
    return c.json(sessionAnswer(user, session), 201);
  };
  routes.post('/register', register('camel'));
  routes.post('/register/public', register('snake'));

  routes.post('/login', async (c) => {
    const body = await readJsonObject(c);
    const user = await checkCredentials(runtime, parseLogin(body));
    const session = openSession(c, runtime, user.id, body.device_id);
    runtime.logger.info({ userId: user.id }, 'user logged in');
    return c.json(sessionAnswer(user, session));
  });

  routes.post('/logout', async (c) => {
    runtime.stats.logoutCall();
    const fault = await answerFaults(c, runtime, 'logout');
    if (fault) return fault;
    // A backend proves itself with the bridge secret; a wrong one is a misconfiguration worth a 401.
    const secret = c.req.header('x-bridge-secret');
    if (secret !== undefined && !secretMatches(secret, runtime.bridgeSecret))
      throw new AppError('INVALID_BRIDGE_SECRET', 'Invalid bridge secret');
    const revoked = runtime.store.revokeSession(requireSessionId(c));
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    runtime.logger.info({ revoked, byBackend: secret !== undefined }, 'logout');
    return c.json({ success: true });
  });

  const me = (c: Context) => c.json({ success: true, data: { user: requireValidSession(c, runtime).user } });
  routes.get('/me', me);
  routes.get('/user/me', me);

  routes.get('/validation', (c) => {
    const { user, session } = requireValidSession(c, runtime);
    // `@pubflow/core` reads the expiry at the top level, in either spelling (protocol section 6).
    const expiresAt = session.expiresAt.toISOString();
    return c.json({ success: true, user, session: sessionView(session), expires_at: expiresAt, expiresAt });
  });

  return routes;
}
