import { Hono } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { AppError } from '../errors.js';
import { readJsonObject } from '../wire/body.js';
import { ok } from '../wire/envelope.js';
import { requireAuth } from './middleware.js';
import type { AuthService } from './service.js';
import { isWellFormedSessionId } from './session-id.js';

/** Most ids one hook call may revoke: a bound on the work one request can cause. */
export const MAX_REVOKED_PER_CALL = 1000;

function revokedIds(body: Record<string, unknown>, maxLength: number): string[] {
  const raw: unknown[] = [];
  if (body.session_id !== undefined) raw.push(body.session_id);
  if (body.session_ids !== undefined) {
    if (!Array.isArray(body.session_ids)) {
      throw new AppError('VALIDATION_FAILED', 'session_ids must be an array of session ids');
    }
    raw.push(...body.session_ids);
  }
  if (raw.length === 0) throw new AppError('VALIDATION_FAILED', 'session_id or session_ids is required');
  if (raw.length > MAX_REVOKED_PER_CALL) {
    throw new AppError('VALIDATION_FAILED', `At most ${MAX_REVOKED_PER_CALL} session ids per call`);
  }
  if (raw.some((id) => typeof id !== 'string' || !isWellFormedSessionId(id, maxLength))) {
    throw new AppError('VALIDATION_FAILED', 'Every session id must be a non-empty string of visible ASCII');
  }
  return raw as string[];
}

/**
 * POST /flowfull/hooks/session-revoked (Flowless or an operator; X-Bridge-Secret) and
 * POST /api/v1/auth/logout (requireAuth). Mount at `/` after authContext(auth).
 */
export function createAuthRoutes(auth: AuthService): Hono {
  const routes = new Hono();

  routes.post('/flowfull/hooks/session-revoked', async (c) => {
    if (!auth.validator.isBridgeSecret(c.req.header('x-bridge-secret'))) {
      auth.logger.warn(
        { path: '/flowfull/hooks/session-revoked' },
        'auth: revocation hook with a wrong or missing secret',
      );
      throw new AppError('INVALID_BRIDGE_SECRET', 'Invalid bridge secret');
    }
    const ids = revokedIds(await readJsonObject(c), auth.extraction.maxLength);
    const propagated = await auth.validator.invalidate(ids);
    auth.logger.info({ count: ids.length, propagated }, 'auth: sessions revoked by hook');
    // 202: applied on this instance and queued for the others (replayed when Redis is back), not yet done.
    return ok(c, { revoked: ids.length, propagated }, propagated ? {} : { status: 202 });
  });

  routes.post('/api/v1/auth/logout', requireAuth(), async (c) => {
    const sessionId = auth.sessionIdOf(c)!;
    // Flowless first: evicting before it has ended the session would let a concurrent request re-cache it.
    let failure: unknown;
    try {
      await auth.validator.logoutAtFlowless(sessionId);
    } catch (err) {
      failure = err;
    }
    await auth.validator.invalidate(sessionId);
    if (getCookie(c, auth.extraction.cookieName) !== undefined) {
      deleteCookie(c, auth.extraction.cookieName, { path: '/' });
    }
    if (failure !== undefined) throw failure;
    return ok(c, { logged_out: true });
  });

  return routes;
}
