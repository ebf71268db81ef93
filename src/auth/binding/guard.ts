import type { Context } from 'hono';
import { LRUCache } from 'lru-cache';
import { AppError, FlowfullConfigError } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { createLogThrottle } from '../../log/throttle.js';
import { type Clock, systemClock } from '../../resilience/index.js';
import { isStateUnavailable, type StateStore } from '../../state/index.js';
import { BINDING_DEFAULTS, HEADER_LIMITS } from '../defaults.js';
import { securityStateUnavailable } from '../errors.js';
import { clientHeaders, clipHeader } from '../facts.js';
import type { Session, SessionGuard } from '../types.js';
import { createActivityTracker } from './activity.js';
import { currentClientIp } from './client-ip.js';
import { normalizeIp, UNKNOWN_IP } from './ip.js';
import { type BindingMetrics, createBindingMetrics } from './metrics.js';
import {
  type ActivityFacts,
  type BindingFacts,
  undecidedPolicy,
  type ValidationModes,
  type ValidationResult,
  VIOLATION_CODES,
  writesTombstones,
} from './modes.js';

/** What the `invalidate` action needs from the BridgeValidator. */
export interface SessionTerminator {
  invalidate(sessionId: string): Promise<unknown>;
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
  /** Where bindings, tombstones and activity windows live: Redis with several instances, memory with one. */
  store: StateStore;
  validator: SessionTerminator;
  logger: Logger;
  /** Called (and awaited) for every warn, deny or invalidate; its errors are logged, not raised. */
  onViolation?: (event: ViolationEvent) => void | Promise<void>;
  /** Key prefix in the store. @default BINDING_DEFAULTS.namespace */
  namespace?: string;
  /** Sessions this instance remembers (tombstones seen, networks noted). @default BINDING_DEFAULTS.localMaxSessions */
  localMaxSessions?: number;
  /**
   * When the store cannot decide a binding: 'refuse' answers 503, 'allow' lets this request go on
   * unbound. @default undecidedPolicy(modes.settings): refuse when any active check denies or invalidates.
   */
  undecided?: 'refuse' | 'allow';
  clock?: Clock;
}

export interface BindingGuard extends SessionGuard {
  metrics(): BindingMetrics;
  /** The store's kind ('redis' or 'memory'), for readiness and logs. */
  readonly storeKind: string;
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

const MAX_RECORD_TTL_S = 400 * 24 * 3600;

function reportedIp(value: string | null): string | null {
  const ip = normalizeIp(value);
  return ip === UNKNOWN_IP ? null : ip;
}

function currentFacts(c: Context, deviceHeader: string): BindingFacts {
  return { ip: currentClientIp(c), ...clientHeaders(c, deviceHeader) };
}

function checkOptions(options: CreateSessionGuardOptions): void {
  const fail = (what: string) => {
    throw new FlowfullConfigError(`createSessionGuard: ${what}`);
  };
  if (typeof options?.modes?.evaluate !== 'function') fail('modes must come from createValidationModes()');
  if (typeof options.store?.claim !== 'function') fail('store must be a StateStore (src/state)');
  if (typeof options.validator?.invalidate !== 'function') fail('validator must have invalidate()');
  const max = options.localMaxSessions;
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 1)) {
    fail(`localMaxSessions must be a whole number >= 1 (got ${String(max)})`);
  }
  if (options.undecided !== undefined && options.undecided !== 'refuse' && options.undecided !== 'allow') {
    fail("undecided must be 'refuse' or 'allow'");
  }
}

/**
 * The SessionGuard of the validation modes. Every authenticated request, cached or not: read the
 * binding from the state store (claiming it from this request when the session is new), refuse a
 * tombstoned session, compare, then allow, warn, deny or invalidate.
 *
 * Failure policy (docs/validation-modes.md): a record that cannot be read may hide a tombstone, so the
 * request is refused with 503 wherever a tombstone can exist (a check whose action is invalidate) or
 * a check denies; in warn-only configurations, which write none, it goes on unbound. A binding that
 * cannot be claimed is never assumed won: per `undecided`, 503, or this request goes on unbound.
 */
export function createSessionGuard(options: CreateSessionGuardOptions): BindingGuard {
  checkOptions(options);
  const { modes, validator, logger, onViolation, store } = options;
  const s = modes.settings;
  const clock = options.clock ?? systemClock;
  const namespace = options.namespace ?? BINDING_DEFAULTS.namespace;
  const localMax = options.localMaxSessions ?? BINDING_DEFAULTS.localMaxSessions;
  const undecided = options.undecided ?? undecidedPolicy(s);
  const tombstonesPossible = writesTombstones(s);
  const activity = createActivityTracker({
    store,
    namespace: `${namespace}-activity`,
    windowSeconds: s.suspiciousWindowSeconds,
    maxNetworks: BINDING_DEFAULTS.maxTrackedNetworks,
    localMaxSessions: localMax,
    clock,
  });
  // Tombstones are final: once seen here, refused here without asking the store again.
  const tombstones = new LRUCache<string, true>({ max: localMax });
  const metrics = createBindingMetrics();
  const throttle = createLogThrottle(logger);
  const recordKey = (hash: string) => `${namespace}:${hash}`;

  /** Long enough to outlive the session at Flowless (and so any cached copy of it), in ms. */
  function recordTtlMs(session: Session): number {
    const expires = session.expires_at ? Date.parse(session.expires_at) : Number.NaN;
    if (Number.isNaN(expires)) return s.bindingTtlSeconds * 1000;
    const left = Math.ceil((expires - clock.now()) / 1000) + 60;
    return Math.min(MAX_RECORD_TTL_S, Math.max(60, left)) * 1000;
  }

  function unavailable(err: unknown): AppError {
    metrics.stateUnavailable();
    // Every guarded request says the same while Redis is away: once per interval, with a count.
    throttle.log(
      'warn',
      'state-unavailable',
      { err: (err as Error)?.message, store: store.kind },
      'session guard: state store unavailable',
    );
    return securityStateUnavailable(isStateUnavailable(err) ? err.retryAfterSeconds : 1);
  }

  /** The record, or undefined when this request goes on unbound; throws the 503 of the policy. */
  async function bindingRecord(hash: string, current: BindingFacts, session: Session) {
    let found: BindingRecord | undefined;
    try {
      found = await store.get<BindingRecord>(recordKey(hash));
    } catch (err) {
      // A tombstone that cannot be read is never accepted. Where this configuration cannot write one
      // (no check invalidates) and it only warns, the request goes on unbound, as when a claim fails.
      if (tombstonesPossible || undecided === 'refuse') throw unavailable(err);
      metrics.bindingDeferred();
      return undefined;
    }
    if (found !== undefined) return found;
    const fresh: BindingRecord = { ...current, ip: current.ip ?? UNKNOWN_IP, boundAt: clock.now() };
    try {
      const claim = await store.claim(recordKey(hash), fresh, recordTtlMs(session));
      if (claim.won) metrics.bindingCreated();
      return claim.value;
    } catch (err) {
      if (undecided === 'refuse') throw unavailable(err);
      metrics.bindingDeferred();
      return undefined;
    }
  }

  async function recentActivity(hash: string, current: BindingFacts): Promise<ActivityFacts | undefined> {
    if (!s.checks.suspicious || !current.ip) return undefined;
    try {
      return await activity.note(hash, modes.networkOf(current.ip));
    } catch (err) {
      if (undecided === 'refuse') throw unavailable(err);
      return undefined;
    }
  }

  function refusal(result: ValidationResult): AppError {
    const decisive = result.violations.find((v) => s.actions[v.type] === result.action);
    const code = decisive ? VIOLATION_CODES[decisive.type] : 'INVALID_SESSION';
    return new AppError(code, 'Invalid session');
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
    tombstones.set(hash, true);
    const steps: Array<[string, () => Promise<unknown>]> = [
      [
        'tombstone',
        () => store.put(recordKey(hash), { ...record, revokedAt: clock.now() }, recordTtlMs(session)),
      ],
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

  function revoked(): AppError {
    metrics.revokedRefused();
    return new AppError('SESSION_INVALIDATED', 'Invalid session');
  }

  return {
    storeKind: store.kind,
    metrics: () => metrics.snapshot(),
    async enforce(c, session, sessionId) {
      if (!modes.active) return;
      const hash = session.session_id_hash;
      if (tombstones.has(hash)) throw revoked();
      const current = currentFacts(c, s.deviceHeader);
      const record = await bindingRecord(hash, current, session);
      if (record?.revokedAt !== undefined) {
        tombstones.set(hash, true);
        throw revoked();
      }
      const limits = HEADER_LIMITS;
      // Unbound (undecided, warn-only mode): the request's own values stand in for the first-seen ones.
      const bound = record ?? {
        ip: current.ip ?? UNKNOWN_IP,
        userAgent: current.userAgent,
        deviceId: current.deviceId,
      };
      const binding: BindingFacts = {
        ip: reportedIp(session.ip_address) ?? bound.ip,
        userAgent: clipHeader(session.user_agent, limits.userAgent) ?? bound.userAgent,
        deviceId: clipHeader(session.device_id, limits.deviceId) ?? bound.deviceId,
      };
      const recent = await recentActivity(hash, current);
      const result = modes.evaluate(binding, current, recent);
      if (result.violations.length === 0) return metrics.allowed();
      if (result.action === 'allow') return metrics.violations(result);
      await report({ sessionHash: hash, userId: session.user_id, result, binding, current });
      if (result.action === 'warn') return;
      if (result.action === 'invalidate')
        await endSession(hash, record ?? { ...bound, boundAt: clock.now() }, sessionId, session);
      throw refusal(result);
    },
  };
}
