import type { Context } from 'hono';
import { AppError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import type { Session, SessionGuard } from '../types.js';
import { createActivityTracker } from './activity.js';
import { currentClientIp } from './client-ip.js';
import { normalizeIp, UNKNOWN_IP } from './ip.js';
import { type BindingMetrics, createBindingMetrics } from './metrics.js';
import { type BindingFacts, type ValidationModes, type ValidationResult, VIOLATION_CODES } from './modes.js';
import { type BindingCacheRuntime, bindingStore } from './store.js';

/** What the `invalidate` action needs from the BridgeValidator. */
export interface SessionTerminator {
  invalidate(sessionId: string): Promise<void>;
  logoutAtFlowless(sessionId: string): Promise<void>;
}

export interface ViolationEvent {
  /** hashId(session id): never the id itself. */
  sessionHash: string;
  userId: string;
  result: ValidationResult;
  binding: BindingFacts;
  current: BindingFacts;
}

export interface CreateSessionGuardOptions {
  modes: ValidationModes;
  cache: BindingCacheRuntime;
  validator: SessionTerminator;
  logger: Logger;
  /** Called (and awaited) for every warn, deny or invalidate; its errors are logged, not raised. */
  onViolation?: (event: ViolationEvent) => void | Promise<void>;
  /** Cache namespace prefix, default `auth-binding`. */
  namespace?: string;
  /** Clock (epoch ms), for tests. */
  now?: () => number;
}

export interface BindingGuard extends SessionGuard {
  metrics(): BindingMetrics;
}

/** The shared per-session record: the first values seen, and the tombstone once invalidated. */
interface BindingRecord {
  ip: string;
  userAgent: string | null;
  deviceId: string | null;
  boundAt: number;
  /** Epoch ms of the invalidation: the session is refused from then on, on every instance. */
  revokedAt?: number;
}

const MAX_USER_AGENT = 1024;
const MAX_DEVICE_ID = 256;
const MAX_RECORD_TTL = 400 * 24 * 3600;

function cleanHeader(value: string | undefined, max: number): string | null {
  const v = value?.trim();
  return v ? v.slice(0, max) : null;
}

function reportedIp(value: string | null): string | null {
  const ip = normalizeIp(value);
  return ip === UNKNOWN_IP ? null : ip;
}

function currentFacts(c: Context, deviceHeader: string): BindingFacts {
  return {
    ip: currentClientIp(c),
    userAgent: cleanHeader(c.req.header('user-agent'), MAX_USER_AGENT),
    deviceId: cleanHeader(c.req.header(deviceHeader), MAX_DEVICE_ID),
  };
}

/**
 * The SessionGuard of the validation modes. Every authenticated request, cached or not: read
 * the shared binding (creating it from this request when the session is new), refuse a
 * tombstoned session, compare, then allow, warn, deny or invalidate.
 */
export function createSessionGuard(options: CreateSessionGuardOptions): BindingGuard {
  const { modes, validator, logger, onViolation } = options;
  const s = modes.settings;
  const now = options.now ?? Date.now;
  const namespace = options.namespace ?? 'auth-binding';
  const bindings = bindingStore<BindingRecord>(options.cache, namespace, s.bindingTtlSeconds, logger);
  const activity = createActivityTracker({
    cache: options.cache,
    namespace: `${namespace}-activity`,
    windowSeconds: s.suspiciousWindowSeconds,
    logger,
    now,
  });
  const metrics = createBindingMetrics();

  /** Long enough to outlive the session at Flowless (and so any cached copy of it). */
  function recordTtl(session: Session): number {
    const expires = session.expires_at ? Date.parse(session.expires_at) : Number.NaN;
    if (Number.isNaN(expires)) return s.bindingTtlSeconds;
    const left = Math.ceil((expires - now()) / 1000) + 60;
    return Math.min(MAX_RECORD_TTL, Math.max(60, left));
  }

  async function bindingRecord(hash: string, current: BindingFacts, session: Session) {
    const found = await bindings.get(hash);
    if (found) return found;
    const fresh: BindingRecord = { ...current, ip: current.ip ?? 'unknown', boundAt: now() };
    const stored = await bindings.setIfAbsent(hash, fresh, { ttl: recordTtl(session) });
    if (stored === fresh) metrics.bindingCreated();
    return stored;
  }

  function refusal(result: ValidationResult): AppError {
    const decisive = result.violations.find((v) => s.actions[v.type] === result.action);
    const code = decisive ? VIOLATION_CODES[decisive.type] : 'INVALID_SESSION';
    return new AppError(code, 'Invalid session', { status: 401 });
  }

  async function report(event: ViolationEvent): Promise<void> {
    const { result, sessionHash, userId, current } = event;
    metrics.violations(result);
    if (s.logViolations) {
      logger.warn(
        {
          event: 'session_binding_violation',
          session: sessionHash,
          user_id: userId,
          violations: result.violations.map((v) => v.type),
          action: result.action,
          mode: s.mode,
          ip: current.ip,
        },
        'session binding violation',
      );
    }
    if (!onViolation) return;
    try {
      await onViolation(event);
    } catch (err) {
      logger.error({ err, session: sessionHash }, 'onViolation hook failed');
    }
  }

  /** Tombstone first, so no instance re-binds the session while the rest is in flight. */
  async function endSession(hash: string, record: BindingRecord, sessionId: string, session: Session) {
    await bindings.set(hash, { ...record, revokedAt: now() }, { ttl: recordTtl(session) });
    const steps: Array<[string, () => Promise<void>]> = [
      ['evict', () => validator.invalidate(sessionId)],
      ['logout', () => validator.logoutAtFlowless(sessionId)],
    ];
    for (const [step, run] of steps) {
      try {
        await run();
      } catch (err) {
        metrics.invalidationFailed();
        logger.error({ err, session: hash, step }, 'ending a session after a binding violation failed');
      }
    }
  }

  return {
    metrics: () => metrics.snapshot(),
    async enforce(c, session, sessionId) {
      if (!modes.active) return;
      const hash = session.session_id_hash;
      const current = currentFacts(c, s.deviceHeader);
      const record = await bindingRecord(hash, current, session);
      if (record.revokedAt !== undefined) {
        metrics.revokedRefused();
        throw new AppError('SESSION_INVALIDATED', 'Invalid session', { status: 401 });
      }
      const binding: BindingFacts = {
        ip: reportedIp(session.ip_address) ?? record.ip,
        userAgent: cleanHeader(session.user_agent ?? undefined, MAX_USER_AGENT) ?? record.userAgent,
        deviceId: cleanHeader(session.device_id ?? undefined, MAX_DEVICE_ID) ?? record.deviceId,
      };
      const recent =
        s.checks.suspicious && current.ip
          ? await activity.note(hash, modes.networkOf(current.ip))
          : undefined;
      const result = modes.evaluate(binding, current, recent);
      if (result.violations.length === 0) return metrics.allowed();
      if (result.action === 'allow') return metrics.violations(result);
      await report({ sessionHash: hash, userId: session.user_id, result, binding, current });
      if (result.action === 'warn') return;
      if (result.action === 'invalidate') await endSession(hash, record, sessionId, session);
      throw refusal(result);
    },
  };
}
