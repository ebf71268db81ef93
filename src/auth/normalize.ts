import type { Session } from './types.js';

/** Why a call to Flowless told us nothing about the session. */
export type FailureKind =
  | 'timeout'
  | 'connection'
  | 'http_5xx'
  | 'http_429'
  | 'non_json'
  | 'bad_response'
  | 'protocol'
  | 'bridge_secret'
  | 'breaker_open';

export const FAILURE_KINDS: readonly FailureKind[] = [
  'timeout',
  'connection',
  'http_5xx',
  'http_429',
  'non_json',
  'bad_response',
  'protocol',
  'bridge_secret',
  'breaker_open',
];

/** Failures where asking again may help; the others are configuration or protocol mismatches. */
export const RETRYABLE: ReadonlySet<FailureKind> = new Set([
  'timeout',
  'connection',
  'http_5xx',
  'http_429',
  'non_json',
]);

/** A session as Flowless reported it, before Flowfull adds the id hash and confirmation time. */
export type ReportedSession = Omit<Session, 'session_id_hash' | 'validated_at'>;

export type Verdict =
  | { kind: 'valid'; session: ReportedSession }
  | { kind: 'invalid'; reason: 'invalid' | 'expired' }
  | { kind: 'unavailable'; failure: FailureKind; retryAfter?: number };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function first(...values: unknown[]): string | null {
  for (const value of values) {
    const t = text(value);
    if (t !== null) return t;
  }
  return null;
}

function epochMs(n: number): number {
  return n < 1e12 ? n * 1000 : n;
}

/** ISO-8601 UTC from an ISO string or epoch seconds/milliseconds; null when unreadable. */
export function normalizeInstant(value: unknown): string | null {
  let ms: number;
  if (typeof value === 'number') ms = epochMs(value);
  else if (typeof value === 'string' && value.trim() !== '') {
    const trimmed = value.trim();
    ms = /^\d+$/.test(trimmed) ? epochMs(Number(trimmed)) : Date.parse(trimmed);
  } else return null;
  if (!Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** `Retry-After` in seconds (delta form only; a date form is rare from APIs), clamped to a minute. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined;
  return Math.min(60, Math.max(1, Number(header)));
}

function saysExpired(body: Json): boolean {
  const code = text(body.code);
  const error = text(body.error) ?? text(body.message);
  return code === 'SESSION_EXPIRED' || (error !== null && /^session expired/i.test(error));
}

/**
 * Some Flowless errors on the 401 path are about the call, not the session: a wrong bridge secret, or
 * no session id found where this deployment looks for it. Reading them as "invalid session" would log
 * every user out over a configuration mistake.
 */
function callProblem(body: Json): FailureKind | undefined {
  const code = text(body.code) ?? '';
  const error = text(body.error) ?? text(body.message) ?? '';
  if (code === 'INVALID_BRIDGE_SECRET' || /bridge.?secret/i.test(error)) return 'bridge_secret';
  if (code === 'SESSION_ID_REQUIRED' || /session id required/i.test(error)) return 'protocol';
  return undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * Reads one answer of `POST /auth/bridge/validate` (protocol section 2). Invalid means Flowless said
 * so in JSON; everything else that is not a readable success says nothing about the session.
 */
export function interpretBridgeAnswer(
  status: number,
  body: string,
  retryAfterHeader: string | null,
  nowMs: number,
): Verdict {
  if (status === 429) return withRetry('http_429', retryAfterHeader);
  if (status >= 500) return withRetry('http_5xx', retryAfterHeader);
  const json = parseJson(body);
  // An HTML 404 is a proxy or a wrong FLOWLESS_API_URL, not Flowless's opinion of the session.
  if (!isObject(json))
    return { kind: 'unavailable', failure: status < 300 || isRejection(status) ? 'non_json' : 'protocol' };
  if (isRejection(status)) {
    const problem = callProblem(json);
    if (problem) return { kind: 'unavailable', failure: problem };
    return { kind: 'invalid', reason: saysExpired(json) ? 'expired' : 'invalid' };
  }
  if (status < 200 || status >= 300) return { kind: 'unavailable', failure: 'protocol' };
  return interpretSuccess(json, nowMs);
}

function isRejection(status: number): boolean {
  return status === 401 || status === 403 || status === 404;
}

function withRetry(failure: FailureKind, header: string | null): Verdict {
  const retryAfter = parseRetryAfter(header);
  return retryAfter === undefined
    ? { kind: 'unavailable', failure }
    : { kind: 'unavailable', failure, retryAfter };
}

function interpretSuccess(body: Json, nowMs: number): Verdict {
  const data = isObject(body.data) ? body.data : undefined;
  if (body.success === false || body.valid === false || data?.valid === false) {
    return { kind: 'invalid', reason: saysExpired(body) ? 'expired' : 'invalid' };
  }
  const session = normalizeSession(body, data);
  if (session === undefined) return { kind: 'unavailable', failure: 'bad_response' };
  if (session.expires_at !== null && Date.parse(session.expires_at) <= nowMs) {
    return { kind: 'invalid', reason: 'expired' };
  }
  return { kind: 'valid', session };
}

/**
 * One Session from any of the three success shapes: the seed's flat `session`, current Flowless's
 * `user` + camelCase `session`, and the older `data: {user, session}`. `user_type` beats `userType`.
 */
export function normalizeSession(body: Json, data?: Json): ReportedSession | undefined {
  const user = isObject(body.user) ? body.user : isObject(data?.user) ? data.user : undefined;
  const s = isObject(body.session) ? body.session : isObject(data?.session) ? data.session : {};
  const userId = first(user?.id, user?.user_id, user?.userId, s.user_id, s.userId);
  if (userId === null) return undefined;
  const email = first(user?.email, s.email);
  const name = first(user?.name, s.name);
  const userType = first(user?.user_type, s.user_type, user?.userType, s.userType);
  const record: Record<string, unknown> = user
    ? { ...user }
    : { id: userId, email, name, user_type: userType };
  return {
    user_id: userId,
    email,
    name,
    user_type: userType,
    ip_address: first(s.ip_address, s.ipAddress),
    user_agent: first(s.user_agent, s.userAgent),
    device_id: first(s.device_id, s.deviceId),
    expires_at: normalizeInstant(
      body.expires_at ?? body.expiresAt ?? s.expires_at ?? s.expiresAt ?? data?.expires_at ?? data?.expiresAt,
    ),
    user: record,
  };
}
