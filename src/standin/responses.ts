import { randomBytes } from 'node:crypto';
import type { SessionRecord } from './store.js';
import type { ResponseStyle, StandinUser } from './types.js';

/** The session as the stand-in's own routes show it (`/auth/validation`). */
export function sessionView(session: SessionRecord) {
  return {
    id: session.id,
    user_id: session.userId,
    created_at: session.createdAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    ip_address: session.ipAddress,
    user_agent: session.userAgent,
    device_id: session.deviceId,
  };
}

function seedBody(user: StandinUser, session: SessionRecord) {
  return {
    success: true,
    session: {
      user_id: user.id,
      email: user.email,
      name: user.name,
      user_type: user.user_type,
      ip_address: session.ipAddress,
      user_agent: session.userAgent,
      device_id: session.deviceId,
    },
  };
}

function currentBody(user: StandinUser, session: SessionRecord) {
  return {
    success: true,
    user,
    // camelCase inside `session` is what current Flowless sends (protocol section 2).
    session: {
      id: session.id,
      userId: user.id,
      expiresAt: session.expiresAt.toISOString(),
      ipAddress: session.ipAddress,
      userAgent: session.userAgent,
      lastUsedAt: session.lastUsedAt.toISOString(),
      two_factor_verified: false,
    },
    expires_at: session.expiresAt.toISOString(),
    cached: false,
    cacheSource: 'database',
    timestamp: new Date().toISOString(),
  };
}

function olderBody(user: StandinUser, session: SessionRecord) {
  return {
    success: true,
    data: {
      valid: true,
      // Opaque to Flowfull: only its presence and prefix matter to callers of this style.
      trust_token: 'v4.public.' + randomBytes(48).toString('base64url'),
      user,
      session: {
        id: session.id,
        expires_at: session.expiresAt.toISOString(),
        created_at: session.createdAt.toISOString(),
      },
    },
  };
}

export function bridgeSuccessBody(
  style: ResponseStyle,
  user: StandinUser,
  session: SessionRecord,
): Record<string, unknown> {
  if (style === 'seed') return seedBody(user, session);
  if (style === 'older') return olderBody(user, session);
  return currentBody(user, session);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else in `extra` replaces what was there. */
export function mergeDeep(base: Record<string, unknown>, extra: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? mergeDeep(current, value) : value;
  }
  return out;
}

const FAULT_ANSWERS: Record<number, [code: string, message: string]> = {
  429: ['RATE_LIMITED', 'Too many requests'],
  500: ['INTERNAL_ERROR', 'Internal server error'],
  502: ['BAD_GATEWAY', 'Bad gateway'],
  503: ['SERVICE_UNAVAILABLE', 'Service unavailable'],
  504: ['GATEWAY_TIMEOUT', 'Gateway timeout'],
};

export function faultBody(status: number) {
  const [code, error] = FAULT_ANSWERS[status] ?? ['FAULT', `Fault with status ${status}`];
  return { success: false, error, code };
}

/** What a proxy in front of a dead upstream tends to send: 200, HTML. */
export const NON_JSON_BODY =
  '<!doctype html><html><head><title>Maintenance</title></head><body><h1>Down for maintenance</h1></body></html>';
