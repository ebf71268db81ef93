import type { Context, MiddlewareHandler, Next } from 'hono';
import { AppError, FlowfullConfigError } from '../errors.js';
import { isSessionRejection, sessionRequired, userTypeNotAllowed } from './errors.js';
import type { AuthService } from './service.js';
import type { Session } from './types.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The auth service, set once per app by authContext(auth). */
    auth: AuthService;
    /** Set by requireAuth/optionalAuth for a signed-in request. */
    user_id: string;
    /** Read-only: on a cache hit every request of the session shares this object. */
    session: Session;
    /** false once a session is validated; true for an optionalAuth request without one. */
    is_guest: boolean;
    /** The whole user record Flowless reported. */
    user: Record<string, unknown>;
    /** Set by clientIpMiddleware when it runs (trusted-proxy aware); else the socket address is used. */
    clientIp: string;
  }
}

function serviceOf(c: Context): AuthService {
  const auth = c.get('auth');
  if (auth === undefined) {
    throw new AppError('INTERNAL_ERROR', 'Internal server error', {
      cause: new Error('auth: authContext(auth) is not installed on this app'),
    });
  }
  return auth;
}

function signIn(c: Context, session: Session): void {
  c.set('user_id', session.user_id);
  c.set('session', session);
  c.set('user', session.user);
  c.set('is_guest', false);
}

/** A previous auth middleware on this request already validated a session (routePermissions + requireAuth). */
function alreadySignedIn(c: Context): boolean {
  return c.get('is_guest') === false;
}

/** Validates the request's session (cache first), runs the guard, fills the context; throws the 401/503. */
export async function authenticate(c: Context): Promise<Session> {
  if (alreadySignedIn(c)) return c.get('session');
  const auth = serviceOf(c);
  const sessionId = auth.sessionIdOf(c);
  if (sessionId === undefined) throw sessionRequired();
  const session = await auth.validator.validate(sessionId, () => auth.requestFacts(c));
  if (auth.guard !== undefined) await auth.guard.enforce(c, session, sessionId);
  signIn(c, session);
  return session;
}

export interface OptionalAuthOptions {
  /**
   * Flowless unreachable and no usable cached session: `error` (default) answers 503 AUTH_UNAVAILABLE so
   * the client keeps its session and retries; `guest` serves the request as a guest instead.
   */
  unavailable?: 'error' | 'guest';
}

/**
 * Guest when there is no session id, or an invalid, expired or malformed one (as the seed does).
 * A SessionGuard refusal is never downgraded to guest: the guard said deny, so the request gets its 401.
 */
export async function authenticateOptional(
  c: Context,
  options: OptionalAuthOptions = {},
): Promise<Session | undefined> {
  if (c.get('is_guest') !== undefined) return c.get('is_guest') ? undefined : c.get('session');
  const auth = serviceOf(c);
  const sessionId = auth.sessionIdOf(c);
  // An id outside the configured alphabet or bounds is refused by validate() (no Flowless call): a guest.
  if (sessionId === undefined) {
    c.set('is_guest', true);
    return undefined;
  }
  let session: Session;
  try {
    session = await auth.validator.validate(sessionId, () => auth.requestFacts(c));
  } catch (err) {
    const guest =
      isSessionRejection(err) ||
      (options.unavailable === 'guest' && err instanceof AppError && err.code === 'AUTH_UNAVAILABLE');
    if (!guest) throw err;
    c.set('is_guest', true);
    return undefined;
  }
  if (auth.guard !== undefined) await auth.guard.enforce(c, session, sessionId);
  signIn(c, session);
  return session;
}

/** A valid session or 401 (`Session ID required`, `Invalid session`, `Session expired`); 503 when Flowless is down. */
export function requireAuth(): MiddlewareHandler {
  // Not async on purpose: a session validated moments ago is answered without a single await.
  return (c, next) => {
    if (alreadySignedIn(c)) return next();
    const auth = serviceOf(c);
    const sessionId = auth.sessionIdOf(c);
    if (sessionId === undefined) throw sessionRequired();
    // validate() refuses an id outside the configured alphabet or bounds without asking Flowless.
    const found = auth.validator.validate(sessionId, () => auth.requestFacts(c));
    if (found instanceof Promise || auth.guard !== undefined) return finish(c, next, auth, sessionId, found);
    signIn(c, found);
    return next();
  };
}

async function finish(
  c: Context,
  next: Next,
  auth: AuthService,
  sessionId: string,
  found: Session | Promise<Session>,
): Promise<void> {
  const session = await found;
  if (auth.guard !== undefined) await auth.guard.enforce(c, session, sessionId);
  signIn(c, session);
  await next();
}

/** Validates a session when one is sent; otherwise `is_guest` is true and the request goes on. */
export function optionalAuth(options: OptionalAuthOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    await authenticateOptional(c, options);
    await next();
  };
}

export function checkUserTypes(types: readonly string[], what = 'requireUserType'): ReadonlySet<string> {
  if (!Array.isArray(types) || types.length === 0 || types.some((t) => typeof t !== 'string' || t === '')) {
    throw new FlowfullConfigError(`${what}: expected a non-empty array of user types`);
  }
  return new Set(types);
}

/**
 * 403 unless the session's user type is one of `types`. Placed after requireAuth (as in the seed) or
 * alone: without a prior auth middleware it authenticates the request itself.
 */
export function requireUserType(types: string[]): MiddlewareHandler {
  const allowed = checkUserTypes(types);
  return async (c, next) => {
    // After optionalAuth found a guest, this answers why: no id, invalid or expired (negative-cached, so cheap).
    const session = await authenticate(c);
    if (session.user_type === null || !allowed.has(session.user_type)) throw userTypeNotAllowed();
    await next();
  };
}
