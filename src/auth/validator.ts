import type { LRUCache } from 'lru-cache';
import type { GetOrSetOptions, HybridCache, LoaderContext } from '../cache/index.js';
import { AppError } from '../errors.js';
import { hashId, type Logger, silentLogger } from '../log/logger.js';
import { createLogThrottle, type LogThrottle } from '../log/throttle.js';
import {
  CircuitBreaker,
  type Clock,
  type MetricPoint,
  type MetricsSource,
  systemClock,
} from '../resilience/index.js';
import { secretMatches } from '../util/secret.js';
import { VALIDATOR_DEFAULTS } from './defaults.js';
import { authUnavailable, invalidSession, rejectionError, sessionExpired } from './errors.js';
import { FlowlessClient, type RequestFacts } from './flowless-client.js';
import { HealthWatch, logBreaker } from './health-watch.js';
import { HotSessions } from './hot-sessions.js';
import { ValidatorCounters, type ValidatorMetrics } from './metrics.js';
import { createNegativeCache, type Rejection } from './negative.js';
import type { ReportedSession } from './normalize.js';
import { RevalidationSchedule } from './revalidation.js';
import { isWellFormedSessionId, type ResolvedExtraction, sessionKey } from './session-id.js';
import type { Session } from './types.js';
import {
  type BridgeValidatorOptions,
  type ResolvedValidatorOptions,
  resolveValidatorOptions,
} from './validator-options.js';

export type { RequestFacts } from './flowless-client.js';
export type { BridgeValidatorOptions } from './validator-options.js';

type Loaded = Session | Rejection;

/** The request facts sent to Flowless, or a function called only when Flowless is actually asked. */
export type FactsSource = RequestFacts | (() => RequestFacts);

function factsOf(facts: FactsSource | undefined): RequestFacts {
  return typeof facts === 'function' ? facts() : (facts ?? {});
}

/** What one validate() call learns from its own loader run (joiners of a load learn nothing). */
interface LoadState {
  ran: boolean;
  verdict: Rejection | undefined;
  /** Flowless could not be asked: a session returned anyway came from the stale-if-error window. */
  unavailable: boolean;
}

/**
 * Validates session ids with Flowless (`POST /auth/bridge/validate`), cache first. A hit costs one
 * hash and one L1 lookup; a miss makes one call per session id however many requests wait for it; an
 * invalid id is remembered briefly; an unreachable Flowless is a 503, never a 401.
 */
export class BridgeValidator implements MetricsSource {
  private readonly sessions: HybridCache<Session>;
  private readonly negative: LRUCache<string, Rejection> | undefined;
  /**
   * One Flowless call per key while the cache's getOrSet does not coalesce by itself (the pass-through
   * cache of CACHE_ENABLED=false); redundant, and cheap, behind a HybridCache.
   */
  private readonly hot: HotSessions | undefined;
  /** Bumped by every invalidate(). */
  private generation = 0;
  private readonly breaker: CircuitBreaker;
  private readonly client: FlowlessClient;
  private readonly counters = new ValidatorCounters();
  private readonly expiry = new WeakMap<Session, number>();
  private readonly loadOptions: GetOrSetOptions;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly negativeTtl: number;
  /** Ids outside it are refused before any lookup: the configured policy, else the protocol's bound. */
  private readonly idPolicy: number | ResolvedExtraction;
  private readonly health = new HealthWatch(
    VALIDATOR_DEFAULTS.healthPollMs,
    () => this.breaker.state === 'closed',
    (timeoutMs) => this.probe(timeoutMs),
  );
  private readonly throttle: LogThrottle;
  /** BRIDGE_REVALIDATE_AFTER; undefined when 0 (off). */
  private readonly revalidation: RevalidationSchedule | undefined;

  // True private fields: the secret stays out of util.inspect() and any accidental dump.
  readonly #secret: string;
  readonly #onValidated: ((session: Session) => void) | undefined;

  /** Throws FlowfullConfigError naming the option when an option is wrong (never at the first request). */
  constructor(options: BridgeValidatorOptions) {
    const o: ResolvedValidatorOptions = resolveValidatorOptions(options);
    this.#secret = o.validationSecret;
    this.#onValidated = o.onValidated;
    this.logger = o.logger ?? silentLogger();
    this.throttle = createLogThrottle(this.logger);
    this.clock = o.clock ?? systemClock;
    this.negativeTtl = o.negativeTtl;
    this.idPolicy = o.sessionIdPolicy ?? o.maxSessionIdLength;
    this.revalidation =
      o.revalidateAfter > 0
        ? new RevalidationSchedule(o.revalidateAfter * 1000, this.clock, this.logger)
        : undefined;
    this.breaker = new CircuitBreaker({
      threshold: o.breakerThreshold,
      cooldownMs: o.breakerCooldownMs,
      // Short first: Flowless back after a blip is probed within moments; a long outage rarely.
      initialCooldownMs: Math.min(VALIDATOR_DEFAULTS.breakerInitialCooldownMs, o.breakerCooldownMs),
      clock: this.clock,
      onChange: (state) => {
        logBreaker(this.logger, state, o.breakerCooldownMs);
        if (state === 'open') this.health.start();
        else this.health.stop();
      },
    });
    this.client = new FlowlessClient({
      baseUrl: o.flowlessApiUrl,
      secret: o.validationSecret,
      timeoutMs: o.timeout,
      retryAttempts: o.retryAttempts,
      deadlineMs: o.deadlineMs,
      transport: o.sessionTransport,
      legacyBodySecret: o.legacyBodySecret,
      backoffBaseMs: o.backoffBaseMs,
      backoffMaxMs: o.backoffMaxMs,
      breaker: this.breaker,
      counters: this.counters,
      clock: this.clock,
    });
    this.sessions = o.cache.createCache<Session>({
      namespace: o.namespace,
      ttl: o.cacheTtl,
      ...(o.maxEntries !== undefined ? { maxEntries: o.maxEntries } : {}),
    });
    this.negative = createNegativeCache(o.negativeTtl, o.negativeMaxEntries, this.clock);
    this.loadOptions = o.staleIfError > 0 ? { failSafe: { maxStaleSeconds: o.staleIfError } } : {};
    this.hot = o.hotTtlMs > 0 ? new HotSessions(o.hotTtlMs, o.hotMaxEntries, this.clock) : undefined;
  }

  /**
   * The one entry point: the session for this id, or an AppError: INVALID_SESSION / SESSION_EXPIRED
   * (401), AUTH_UNAVAILABLE (503). A session this instance validated in the last hotTtlMs comes back
   * synchronously (no promise: a warm request never waits on one); anything else as a Promise, so
   * callers simply `await` the result. `facts` may be a function, called only when Flowless is asked.
   */
  validate(sessionId: string, facts?: FactsSource): Session | Promise<Session> {
    if (!this.wellFormed(sessionId)) {
      this.counters.malformed++;
      return Promise.reject(invalidSession());
    }
    const key = sessionKey(sessionId);
    return this.hotSession(key) ?? this.validateKeyed(sessionId, key, facts);
  }

  private wellFormed(sessionId: unknown): sessionId is string {
    return typeof sessionId === 'string' && isWellFormedSessionId(sessionId, this.idPolicy);
  }

  private hotSession(key: string): Session | undefined {
    const session = this.hot?.get(key);
    if (session === undefined || this.expired(session)) return undefined;
    this.counters.validations++;
    this.counters.cacheHits++;
    return session;
  }

  private async validateKeyed(
    sessionId: string,
    key: string,
    facts: FactsSource | undefined,
  ): Promise<Session> {
    this.counters.validations++;
    const remembered =
      this.negative !== undefined && this.negative.size > 0 ? this.negative.get(key) : undefined;
    if (remembered !== undefined) {
      this.counters.negativeHits++;
      throw rejectionError(remembered);
    }
    const load: LoadState = { ran: false, verdict: undefined, unavailable: false };
    const generation = this.generation;
    let session: Session | undefined;
    try {
      session = await this.sessions.getOrSet(
        key,
        (ctx) => {
          load.ran = true;
          return this.load(sessionId, key, facts, ctx, load);
        },
        this.loadOptions,
      );
    } catch (err) {
      if (err instanceof AppError && err.code === 'AUTH_UNAVAILABLE') this.counters.unavailableErrors++;
      throw err;
    }
    if (session === undefined) throw rejectionError(load.verdict ?? this.negative?.get(key) ?? 'invalid');
    if (!load.ran) this.counters.cacheHits++;
    else if (load.unavailable) this.counters.staleServed++;
    if (this.expired(session)) {
      this.remember(key, 'expired');
      this.hot?.delete(key);
      void this.sessions.delete(key);
      throw sessionExpired();
    }
    // An invalidate() while this call was waiting must not be undone by putting the copy back.
    if (generation === this.generation) this.hot?.set(key, session);
    // A cached copy confirmed long ago is served, and checked again in the background: the fallback
    // that sees a logout made at Flowless when no hook told us. `validated_at` travels in the cached value.
    if (!load.ran) {
      this.revalidation?.maybe(key, session.validated_at, () => this.revalidate(sessionId, key, facts));
    }
    return session;
  }

  /** The background check: valid refreshes the copy, a "no" evicts it everywhere, unavailable leaves it. */
  private async revalidate(sessionId: string, key: string, facts?: FactsSource): Promise<void> {
    const generation = this.generation;
    // Unavailable throws (the copy stays: its own TTL and stale-if-error still apply).
    const outcome = await this.fetchSession(sessionId, key, factsOf(facts));
    if (typeof outcome === 'string') {
      // fetchSession remembered the "no" first: this instance refuses at once while the eviction spreads.
      await this.invalidate(sessionId);
    } else if (generation === this.generation) {
      this.hot?.set(key, outcome);
      await this.sessions.set(key, outcome);
    }
  }

  /**
   * Evicts sessions from the cache of every instance (HybridCache delete + bus). Resolves true when the
   * eviction reached Redis (and so every instance), false when it is applied here only so far: it is
   * queued and replayed as soon as Redis is usable again.
   */
  async invalidate(sessionIds: string | string[]): Promise<boolean> {
    const ids = (Array.isArray(sessionIds) ? sessionIds : [sessionIds]).filter(
      (id) => typeof id === 'string' && id !== '',
    );
    if (ids.length === 0) return true;
    const keys = [...new Set(ids.map(sessionKey))];
    this.generation++;
    for (const key of keys) {
      this.hot?.delete(key);
    }
    const propagated = await this.sessions.deleteMany(keys);
    this.counters.invalidated += keys.length;
    return propagated;
  }

  /** Ends the session at Flowless (`POST /auth/logout`). Throws AUTH_UNAVAILABLE when Flowless cannot be reached. */
  async logoutAtFlowless(sessionId: string): Promise<void> {
    if (!this.wellFormed(sessionId)) return;
    const result = await this.client.logout(sessionId);
    if (result.kind === 'ended') {
      this.counters.logoutsOk++;
      return;
    }
    this.counters.logoutsFailed++;
    this.logger.warn(
      { failure: result.failure, session: hashId(sessionId) },
      'auth: logout at Flowless failed',
    );
    throw authUnavailable(this.retryAfter(result.retryAfter));
  }

  /** Constant-time check of a presented X-Bridge-Secret (revocation hook). */
  isBridgeSecret(given: string | undefined): boolean {
    return secretMatches(given, this.#secret);
  }

  /** What a log line or JSON dump of the validator shows: never the secret. */
  toJSON(): Record<string, unknown> {
    return { flowless: 'BridgeValidator', breaker: this.breaker.state };
  }

  metrics(): ValidatorMetrics {
    return this.counters.snapshot(this.breaker.state, this.negative?.size ?? 0);
  }

  /** MetricsSource: the same figures as metrics(), in the shape /metrics reads from every component. */
  collectMetrics(): MetricPoint[] {
    return this.counters.points(this.breaker.state, this.breaker.opened, this.negative?.size ?? 0);
  }

  /** Sessions in this instance's L1 (readiness: what can still be served while Flowless is down). */
  cachedSessions(): number {
    return this.sessions.metrics().l1Entries;
  }

  /**
   * One GET /health, for readiness. An answer while the breaker is open ends its cooldown: readiness and
   * the breaker agree, and the next request is the probe that closes it.
   */
  async probe(timeoutMs = 1000): Promise<boolean> {
    const up = await this.client.probe(timeoutMs);
    if (up) this.breaker.endCooldown();
    return up;
  }

  /** Stops the background health check. The cache runtime belongs to the caller. */
  close(): void {
    this.health.close();
  }

  get breakerState() {
    return this.breaker.state;
  }

  /** The cache loader: one Flowless call, then the verdict. */
  private async load(
    sessionId: string,
    key: string,
    facts: FactsSource | undefined,
    ctx: LoaderContext<Session>,
    load: LoadState,
  ) {
    let outcome: Loaded;
    try {
      // The cache's getOrSet coalesces concurrent loads of a key (pass-through included): one call per key.
      outcome = await this.fetchSession(sessionId, key, factsOf(facts));
    } catch (err) {
      load.unavailable = true;
      throw err;
    }
    if (typeof outcome !== 'string') return outcome;
    load.verdict = outcome;
    // A throw would make the cache serve its stale copy (fail-safe): a definitive "no" replaces it instead.
    if (ctx.stale !== undefined) return ctx.absent(Math.max(this.negativeTtl, 1));
    throw rejectionError(outcome);
  }

  private async fetchSession(sessionId: string, key: string, facts: RequestFacts): Promise<Loaded> {
    const verdict = await this.client.validate(sessionId, facts);
    if (verdict.kind === 'valid') {
      this.counters.valid++;
      const session = this.complete(verdict.session, key);
      this.notify(session);
      return session;
    }
    if (verdict.kind === 'invalid') {
      if (verdict.reason === 'expired') this.counters.expired++;
      else this.counters.invalid++;
      this.remember(key, verdict.reason);
      return verdict.reason;
    }
    this.counters.unavailable++;
    // While the breaker is open every load fails the same way; the breaker logs once for all of them.
    // Otherwise once per interval and kind of failure, with a count: an outage is not a line per session.
    if (verdict.failure === 'breaker_open') {
      this.logger.debug({ failure: verdict.failure, session: key }, 'auth: Flowless unavailable');
    } else {
      this.throttle.log('warn', verdict.failure, { failure: verdict.failure }, 'auth: Flowless unavailable');
    }
    throw authUnavailable(this.retryAfter(verdict.retryAfter));
  }

  private complete(reported: ReportedSession, key: string): Session {
    return { session_id_hash: key, ...reported, validated_at: this.clock.now() };
  }

  private notify(session: Session): void {
    if (this.#onValidated === undefined) return;
    try {
      this.#onValidated(session);
    } catch (err) {
      this.logger.error({ err: (err as Error)?.name }, 'auth: onValidated hook failed');
    }
  }

  private remember(key: string, reason: Rejection): void {
    this.negative?.set(key, reason);
  }

  private retryAfter(fromFlowless: number | undefined): number {
    const breakerWait = this.breaker.retryAfterSeconds();
    if (breakerWait > 0) return breakerWait;
    return fromFlowless ?? VALIDATOR_DEFAULTS.retryAfterSeconds;
  }

  /** Past the Flowless `expires_at` (parsed once per cached object). */
  private expired(session: Session): boolean {
    let at = this.expiry.get(session);
    if (at === undefined) {
      at = session.expires_at === null ? Number.POSITIVE_INFINITY : Date.parse(session.expires_at);
      if (Number.isNaN(at)) at = Number.POSITIVE_INFINITY;
      this.expiry.set(session, at);
    }
    return at <= this.clock.now();
  }
}
