import { LRUCache } from 'lru-cache';
import type { CacheRuntime, GetOrSetOptions, HybridCache, LoaderContext } from '../cache/index.js';
import { AppError } from '../errors.js';
import { hashId, type Logger, silentLogger } from '../log/logger.js';
import { CircuitBreaker } from './breaker.js';
import { authUnavailable, invalidSession, sessionExpired } from './errors.js';
import { FlowlessClient, type RequestFacts, type SessionTransport } from './flowless-client.js';
import { ValidatorCounters, type ValidatorMetrics } from './metrics.js';
import type { ReportedSession } from './normalize.js';
import { secretMatches } from './secret.js';
import { isWellFormedSessionId, MAX_SESSION_ID_LENGTH, sessionKey } from './session-id.js';
import type { Session } from './types.js';

export type { RequestFacts } from './flowless-client.js';

export interface BridgeValidatorOptions {
  /** Base URL of Flowless, e.g. https://flowless.example.com */
  flowlessApiUrl: string;
  /** BRIDGE_VALIDATION_SECRET, sent as X-Bridge-Secret. */
  validationSecret: string;
  /** Per-attempt timeout in ms (FLOWLESS_TIMEOUT_MS). Default 1500. */
  timeout?: number;
  /** Extra attempts while Flowless is unavailable (FLOWLESS_RETRY_ATTEMPTS). Default 2. */
  retryAttempts?: number;
  /** All attempts together, ms (FLOWLESS_DEADLINE_MS). Default 3000. */
  deadlineMs?: number;
  /** BRIDGE_SESSION_TRANSPORT. Default 'body' (JSON body + X-Session-ID header). */
  sessionTransport?: SessionTransport;
  /** BRIDGE_LEGACY_BODY_SECRET: also send `bridge_secret` in the body. Default false. */
  legacyBodySecret?: boolean;
  /** Seconds a validated session is cached (BRIDGE_CACHE_TTL). Default 300. */
  cacheTtl?: number;
  /** Seconds an invalid id is remembered (BRIDGE_NEGATIVE_TTL); 0 turns the negative cache off. Default 30. */
  negativeTtl?: number;
  /** Bound of the negative cache (BRIDGE_NEGATIVE_MAX_ENTRIES). Default 10,000. */
  negativeMaxEntries?: number;
  /** Seconds past cache expiry a session is still accepted while Flowless is unavailable; 0 fails closed. Default 60. */
  staleIfError?: number;
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  /** HybridCache runtime: sessions are shared through Redis and evicted everywhere through its bus. */
  cache: CacheRuntime;
  /** Namespace of the session cache. Default `auth-sessions`. */
  namespace?: string;
  /** L1 bound of the session cache; default the runtime's. */
  maxEntries?: number;
  logger?: Logger;
  /** Called after every confirmation by Flowless (not on cache hits): user sync hooks in here. */
  onValidated?: (session: Session) => void;
  /** Backoff tuning (ms); defaults 100 and 1000. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  maxSessionIdLength?: number;
  /**
   * Milliseconds a session this instance has just validated is answered synchronously by peek(),
   * without the cache's promise round trip. Revocations from other instances reach this layer only
   * when the entry ages out, so keep it well under a second. 0 turns it off. Default 250.
   */
  hotTtlMs?: number;
}

type Rejection = 'invalid' | 'expired';
type Loaded = Session | Rejection;

/** What one validate() call learns from its own loader run (joiners of a load learn nothing). */
interface LoadState {
  ran: boolean;
  verdict: Rejection | undefined;
  /** Flowless could not be asked: a session returned anyway came from the stale-if-error window. */
  unavailable: boolean;
}

const DEFAULTS = {
  timeout: 1500,
  retryAttempts: 2,
  deadlineMs: 3000,
  cacheTtl: 300,
  negativeTtl: 30,
  negativeMaxEntries: 10_000,
  staleIfError: 60,
  breakerThreshold: 5,
  breakerCooldownMs: 5000,
  hotTtlMs: 250,
};

/** Retry-After when neither Flowless nor the breaker suggests one. */
const DEFAULT_RETRY_AFTER_S = 2;

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('CONFIG_INVALID', 'auth: flowlessApiUrl is not a valid URL', { status: 500 });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('CONFIG_INVALID', 'auth: flowlessApiUrl must be http(s)', { status: 500 });
  }
  return raw.replace(/\/+$/, '');
}

function logBreaker(logger: Logger, state: 'open' | 'closed', cooldownMs: number): void {
  if (state === 'open') logger.warn({ cooldownMs }, 'auth: Flowless breaker open, failing fast');
  else logger.info('auth: Flowless breaker closed, Flowless answers again');
}

function clientSettings(options: BridgeValidatorOptions, o: typeof DEFAULTS) {
  return {
    baseUrl: checkUrl(options.flowlessApiUrl),
    secret: options.validationSecret,
    timeoutMs: o.timeout,
    retryAttempts: o.retryAttempts,
    deadlineMs: o.deadlineMs,
    transport: options.sessionTransport ?? 'body',
    legacyBodySecret: options.legacyBodySecret ?? false,
    ...(options.backoffBaseMs !== undefined ? { backoffBaseMs: options.backoffBaseMs } : {}),
    ...(options.backoffMaxMs !== undefined ? { backoffMaxMs: options.backoffMaxMs } : {}),
  };
}

function rejectionError(reason: Rejection): AppError {
  return reason === 'expired' ? sessionExpired() : invalidSession();
}

/**
 * Validates session ids with Flowless (`POST /auth/bridge/validate`), cache first. A hit costs one
 * hash and one L1 lookup; a miss makes one call per session id however many requests wait for it; an
 * invalid id is remembered briefly; an unreachable Flowless is a 503, never a 401.
 */
export class BridgeValidator {
  private readonly sessions: HybridCache<Session>;
  private readonly negative: LRUCache<string, Rejection> | undefined;
  private readonly inflight = new Map<string, Promise<Loaded>>();
  private readonly hot: HotSessions | undefined;
  /** Bumped by every invalidate(). */
  private generation = 0;
  private readonly breaker: CircuitBreaker;
  private readonly client: FlowlessClient;
  private readonly counters = new ValidatorCounters();
  private readonly expiry = new WeakMap<Session, number>();
  private readonly loadOptions: GetOrSetOptions;
  private readonly logger: Logger;
  private readonly negativeTtl: number;
  private readonly maxIdLength: number;

  // True private fields: the secret stays out of util.inspect() and any accidental dump.
  readonly #secret: string;
  readonly #onValidated: ((session: Session) => void) | undefined;

  constructor(options: BridgeValidatorOptions) {
    if (!options.validationSecret) {
      throw new AppError('CONFIG_INVALID', 'auth: validationSecret is required', { status: 500 });
    }
    this.#secret = options.validationSecret;
    this.#onValidated = options.onValidated;
    const o = { ...DEFAULTS, ...definedOnly(options) };
    this.logger = options.logger ?? silentLogger();
    this.negativeTtl = o.negativeTtl;
    this.maxIdLength = options.maxSessionIdLength ?? MAX_SESSION_ID_LENGTH;
    this.breaker = new CircuitBreaker({
      threshold: o.breakerThreshold,
      cooldownMs: o.breakerCooldownMs,
      onChange: (state) => logBreaker(this.logger, state, o.breakerCooldownMs),
    });
    this.client = new FlowlessClient({
      ...clientSettings(options, o),
      breaker: this.breaker,
      counters: this.counters,
    });
    this.sessions = options.cache.createCache<Session>({
      namespace: options.namespace ?? 'auth-sessions',
      ttl: o.cacheTtl,
      ...(options.maxEntries !== undefined ? { maxEntries: options.maxEntries } : {}),
    });
    // Only this instance's memory: a flood of random ids costs at most this many small entries.
    this.negative =
      o.negativeTtl > 0
        ? new LRUCache<string, Rejection>({ max: o.negativeMaxEntries, ttl: o.negativeTtl * 1000 })
        : undefined;
    this.loadOptions = o.staleIfError > 0 ? { failSafe: { maxStaleSeconds: o.staleIfError } } : {};
    this.hot = o.hotTtlMs > 0 ? new HotSessions(o.hotTtlMs, options.maxEntries ?? 10_000) : undefined;
  }

  /**
   * The session for this id if this instance validated it in the last hotTtlMs, synchronously (no
   * promise: the cheapest possible cache hit); otherwise undefined and the caller uses validate().
   */
  peek(sessionId: string): Session | undefined {
    if (this.hot === undefined || sessionId.length > this.maxIdLength) return undefined;
    return this.peekKey(sessionKey(sessionId));
  }

  /**
   * peek() then validate() with one hash: a Session when answered synchronously, else a Promise.
   * The auth middleware uses it so that a warm request never waits on a promise.
   */
  lookup(sessionId: string, facts?: RequestFacts | (() => RequestFacts)): Session | Promise<Session> {
    if (typeof sessionId !== 'string' || !isWellFormedSessionId(sessionId, this.maxIdLength)) {
      this.counters.malformed++;
      return Promise.reject(invalidSession());
    }
    const key = sessionKey(sessionId);
    return this.peekKey(key) ?? this.validateKeyed(sessionId, key, facts);
  }

  private peekKey(key: string): Session | undefined {
    const session = this.hot?.get(key);
    if (session === undefined || this.expired(session)) return undefined;
    this.counters.validations++;
    this.counters.cacheHits++;
    return session;
  }

  /** The session for this id, or an AppError: INVALID_SESSION / SESSION_EXPIRED (401), AUTH_UNAVAILABLE (503). */
  validate(sessionId: string, requestFacts?: RequestFacts): Promise<Session> {
    return this.validateWith(sessionId, requestFacts);
  }

  /** As validate(); the request facts may be a function, called only when Flowless is actually asked. */
  validateWith(sessionId: string, facts?: RequestFacts | (() => RequestFacts)): Promise<Session> {
    if (typeof sessionId !== 'string' || !isWellFormedSessionId(sessionId, this.maxIdLength)) {
      this.counters.malformed++;
      return Promise.reject(invalidSession());
    }
    return this.validateKeyed(sessionId, sessionKey(sessionId), facts);
  }

  private async validateKeyed(
    sessionId: string,
    key: string,
    facts: RequestFacts | (() => RequestFacts) | undefined,
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
    return session;
  }

  /** Evicts sessions from the cache of every instance (HybridCache delete + bus). */
  async invalidate(sessionIds: string | string[]): Promise<void> {
    const ids = (Array.isArray(sessionIds) ? sessionIds : [sessionIds]).filter(
      (id) => typeof id === 'string' && id !== '',
    );
    if (ids.length === 0) return;
    const keys = [...new Set(ids.map(sessionKey))];
    this.generation++;
    for (const key of keys) {
      this.inflight.delete(key);
      this.hot?.delete(key);
    }
    await this.sessions.deleteMany(keys);
    this.counters.invalidated += keys.length;
  }

  /** Ends the session at Flowless (`POST /auth/logout`). Throws AUTH_UNAVAILABLE when Flowless cannot be reached. */
  async logoutAtFlowless(sessionId: string): Promise<void> {
    if (typeof sessionId !== 'string' || !isWellFormedSessionId(sessionId, this.maxIdLength)) return;
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

  /** Sessions in this instance's L1 (readiness: what can still be served while Flowless is down). */
  cachedSessions(): number {
    return this.sessions.metrics().l1Entries;
  }

  /** One GET /health, for readiness. */
  probe(timeoutMs = 1000): Promise<boolean> {
    return this.client.probe(timeoutMs);
  }

  get breakerState() {
    return this.breaker.state;
  }

  /** The cache loader: one Flowless call per key (also when the cache is a pass-through), then the verdict. */
  private async load(
    sessionId: string,
    key: string,
    facts: RequestFacts | (() => RequestFacts) | undefined,
    ctx: LoaderContext<Session>,
    load: LoadState,
  ) {
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.fetchSession(sessionId, key, typeof facts === 'function' ? facts() : (facts ?? {}));
      this.inflight.set(key, pending);
      const settled = pending;
      void settled.then(
        () => this.inflight.get(key) === settled && this.inflight.delete(key),
        () => this.inflight.get(key) === settled && this.inflight.delete(key),
      );
    }
    let outcome: Loaded;
    try {
      outcome = await pending;
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
    const level = verdict.failure === 'breaker_open' ? 'debug' : 'warn';
    this.logger[level]({ failure: verdict.failure, session: key }, 'auth: Flowless unavailable');
    throw authUnavailable(this.retryAfter(verdict.retryAfter));
  }

  private complete(reported: ReportedSession, key: string): Session {
    return { session_id_hash: key, ...reported, validated_at: Date.now() };
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
    return fromFlowless ?? DEFAULT_RETRY_AFTER_S;
  }

  /** Past the Flowless `expires_at` (parsed once per cached object). */
  private expired(session: Session): boolean {
    let at = this.expiry.get(session);
    if (at === undefined) {
      at = session.expires_at === null ? Number.POSITIVE_INFINITY : Date.parse(session.expires_at);
      if (Number.isNaN(at)) at = Number.POSITIVE_INFINITY;
      this.expiry.set(session, at);
    }
    return at <= Date.now();
  }
}

/**
 * Sessions validated moments ago, answered without a promise. Insertion-ordered Map: a refreshed
 * entry moves to the end, and beyond the bound the oldest go first.
 */
class HotSessions {
  private readonly entries = new Map<string, { session: Session; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  get(key: string): Session | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > Date.now()) return entry.session;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, session: Session): void {
    this.entries.delete(key);
    this.entries.set(key, { session, until: Date.now() + this.ttlMs });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
