import type { Context } from 'hono';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  cleanSessionId,
  type JsonObject,
  lowerCaseHeaders,
  parseJsonObject,
  secretMatches,
} from './request.js';
import { bridgeSuccessBody, mergeDeep } from './responses.js';
import { answerFaults, type StandinRuntime } from './runtime.js';

/** Every place a caller of section 2 puts the session id; the first non-empty one wins. */
function bridgeSessionId(c: Context, body: JsonObject): unknown {
  const candidates = [
    c.req.query('session_id'),
    body.session_id,
    body.sessionId,
    c.req.header('x-session-id'),
  ];
  return candidates.find((v) => typeof v === 'string' && v.trim() !== '');
}

function recordedBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createBridgeRoutes(runtime: StandinRuntime): Hono {
  const routes = new Hono();

  // Overrides apply to every answer of the route's own logic, errors included, so tests can
  // also reproduce Flowless's other error strings ("IP address mismatch", …).
  const answer = (c: Context, status: ContentfulStatusCode, body: Record<string, unknown>) =>
    c.json(runtime.override ? mergeDeep(body, runtime.override) : body, status);

  routes.post('/validate', async (c) => {
    const text = await c.req.text();
    runtime.stats.bridgeCall({
      query: c.req.query(),
      headers: lowerCaseHeaders(c),
      body: recordedBody(text),
    });
    const fault = await answerFaults(c, runtime, 'bridge');
    if (fault) return fault;

    const body = parseJsonObject(text);
    const secret = c.req.header('x-bridge-secret') || body.bridge_secret;
    if (!secretMatches(secret, runtime.bridgeSecret)) {
      runtime.logger.warn('bridge call with a wrong or missing secret');
      return answer(c, 401, {
        success: false,
        error: 'Invalid bridge secret',
        code: 'INVALID_BRIDGE_SECRET',
      });
    }
    const raw = bridgeSessionId(c, body);
    if (raw === undefined)
      return answer(c, 401, { success: false, error: 'Session ID required', code: 'SESSION_ID_REQUIRED' });
    const sessionId = cleanSessionId(raw);
    const found = sessionId ? runtime.store.lookupSession(sessionId, true) : ({ status: 'invalid' } as const);
    if (found.status === 'expired')
      return answer(c, 401, { success: false, error: 'Session expired', code: 'SESSION_EXPIRED' });
    if (found.status === 'invalid')
      return answer(c, 401, { success: false, error: 'Invalid or expired session', code: 'INVALID_SESSION' });
    return answer(c, 200, bridgeSuccessBody(runtime.style, found.user, found.session));
  });

  return routes;
}
