import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import type { CacheRuntime } from '../cache/index.js';
import type { Config } from '../config/index.js';
import { FlowfullConfigError } from '../errors.js';
import { type Logger, silentLogger } from '../log/logger.js';
import type { ComponentReport, ReadinessCheck } from '../wire/readiness.js';
import { DEVICE_HEADER } from './defaults.js';
import { clientHeaders } from './facts.js';
import type { RequestFacts } from './flowless-client.js';
import type { ValidatorMetrics } from './metrics.js';
import {
  extractSessionId,
  type ResolvedExtraction,
  resolveExtraction,
  type SessionExtractionOptions,
} from './session-id.js';
import type { SessionGuard } from './types.js';
import { createUserSync, type UserSync, type UserSyncMetrics, type UserSyncOptions } from './user-sync.js';
import { BridgeValidator, type BridgeValidatorOptions } from './validator.js';

/** Builds the SessionGuard from the validator it may have to call (the `invalidate` action). */
export type GuardFactory<G extends SessionGuard = SessionGuard> = (validator: BridgeValidator) => G;

export interface AuthOptions<G extends SessionGuard = SessionGuard> extends BridgeValidatorOptions {
  /** Where the session id is looked for (AUTH_ALLOW_QUERY_SESSION, AUTH_SESSION_COOKIE). */
  extraction?: SessionExtractionOptions;
  /** Header carrying the client's device id (AUTH_DEVICE_HEADER). @default DEVICE_HEADER */
  deviceHeader?: string;
  /**
   * Run after every successful validation, cached or not (validation modes). A function receives the
   * validator, so a guard that ends sessions is wired here, once, without a cycle.
   */
  guard?: G | GuardFactory<G>;
  /** Mirror validated users into a local table (USER_SYNC_ENABLED). Absent: off. */
  userSync?: Omit<UserSyncOptions, 'logger'>;
  /** Whether Flowless being down fails /health/ready. Default false: every instance shares it. */
  readinessCritical?: boolean;
}

export interface AuthMetrics {
  validator: ValidatorMetrics;
  userSync?: UserSyncMetrics;
}

export interface AuthService<G extends SessionGuard = SessionGuard> {
  readonly validator: BridgeValidator;
  readonly extraction: ResolvedExtraction;
  readonly deviceHeader: string;
  readonly userSync: UserSync | undefined;
  readonly logger: Logger;
  /** The SessionGuard in force, if any. */
  readonly guard: G | undefined;
  /** The session id this request carries (not yet checked for shape); throws AMBIGUOUS_CREDENTIALS for two. */
  sessionIdOf(c: Context): string | undefined;
  /** Client IP, User-Agent and device id, as sent to Flowless. */
  requestFacts(c: Context): RequestFacts;
  metrics(): AuthMetrics;
  /** Flowless reachability for /health/ready. */
  readinessCheck(): ReadinessCheck;
  /** Waits for background user-sync writes. The cache runtime and database belong to the caller. */
  close(): Promise<void>;
}

/** The socket peer; unavailable under app.request() in tests, which is no reason to fail a request. */
function socketIp(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address ?? undefined;
  } catch {
    return undefined;
  }
}

export function createAuth<G extends SessionGuard = SessionGuard>(options: AuthOptions<G>): AuthService<G> {
  const logger = options.logger ?? silentLogger();
  const header = options.deviceHeader ?? DEVICE_HEADER;
  if (typeof header !== 'string' || header.trim() === '') {
    throw new FlowfullConfigError('createAuth: deviceHeader must be a header name (AUTH_DEVICE_HEADER)');
  }
  const deviceHeader = header.toLowerCase();
  const userSync = options.userSync ? createUserSync({ ...options.userSync, logger }) : undefined;
  const onValidated = options.onValidated;
  const extraction = resolveExtraction(options.extraction);
  const validator = new BridgeValidator({
    ...options,
    // One shape check per request, in validate(): the configured alphabet and bounds.
    sessionIdPolicy: extraction,
    logger,
    onValidated: (session) => {
      userSync?.note(session);
      onValidated?.(session);
    },
  });
  const guard = typeof options.guard === 'function' ? options.guard(validator) : options.guard;

  return {
    validator,
    extraction,
    deviceHeader,
    userSync,
    logger,
    guard,
    sessionIdOf: (c) => extractSessionId(c, extraction),
    requestFacts(c) {
      const facts: RequestFacts = {};
      const ip = c.get('clientIp') ?? socketIp(c);
      const { userAgent, deviceId } = clientHeaders(c, deviceHeader);
      if (ip) facts.ip = ip;
      if (userAgent) facts.userAgent = userAgent;
      if (deviceId) facts.deviceId = deviceId;
      return facts;
    },
    metrics() {
      const out: AuthMetrics = { validator: validator.metrics() };
      if (userSync) out.userSync = userSync.metrics();
      return out;
    },
    readinessCheck: () => flowlessReadiness(validator, options.cache, options.readinessCritical ?? false),
    async close() {
      validator.close();
      await userSync?.idle();
    },
  };
}

/**
 * Up when Flowless answers GET /health. Otherwise degraded while sessions can still be served (this
 * instance holds some, or Redis does), down when not.
 */
function flowlessReadiness(
  validator: BridgeValidator,
  cache: CacheRuntime,
  critical: boolean,
): ReadinessCheck {
  return {
    name: 'flowless',
    critical,
    async check(): Promise<ComponentReport> {
      const started = performance.now();
      const reachable = await validator.probe(1000);
      const latencyMs = Math.round(performance.now() - started);
      const breaker = validator.breakerState;
      if (reachable) return { status: 'up', latencyMs, breaker };
      const cachedSessions = validator.cachedSessions();
      const servable = cachedSessions > 0 || cache.l2Usable();
      return { status: servable ? 'degraded' : 'down', breaker, cachedSessions };
    },
  };
}

/** App-level middleware that hands the service to requireAuth() and friends (no argument needed there). */
export function authContext(auth: AuthService): MiddlewareHandler {
  // Not async: one promise fewer per request (next() already returns one).
  return (c, next) => {
    c.set('auth', auth);
    return next();
  };
}

export interface AuthDependencies {
  cache: CacheRuntime;
  // biome-ignore lint/suspicious/noExplicitAny: the users table is this module's, untyped for the app
  db?: Kysely<any>;
  logger: Logger;
  /** Overrides FLOWLESS_API_URL (the development stand-in's address). */
  flowlessApiUrl?: string;
  /** Overrides BRIDGE_VALIDATION_SECRET (generated for the development stand-in). */
  validationSecret?: string;
}

/** Every FLOWLESS_*, BRIDGE_*, USER_SYNC_* and AUTH_* setting this module reads, as createAuth options. */
export function authOptionsFromConfig(config: Config, deps: AuthDependencies): AuthOptions {
  const flowlessApiUrl = deps.flowlessApiUrl ?? config.FLOWLESS_API_URL;
  const validationSecret = deps.validationSecret ?? config.BRIDGE_VALIDATION_SECRET;
  if (!flowlessApiUrl || !validationSecret) {
    throw new FlowfullConfigError('auth: FLOWLESS_API_URL and BRIDGE_VALIDATION_SECRET are required');
  }
  const options: AuthOptions = {
    flowlessApiUrl,
    validationSecret,
    timeout: config.FLOWLESS_TIMEOUT_MS,
    retryAttempts: config.FLOWLESS_RETRY_ATTEMPTS,
    deadlineMs: config.FLOWLESS_DEADLINE_MS,
    sessionTransport: config.BRIDGE_SESSION_TRANSPORT,
    legacyBodySecret: config.BRIDGE_LEGACY_BODY_SECRET,
    cacheTtl: config.BRIDGE_CACHE_TTL,
    negativeTtl: config.BRIDGE_NEGATIVE_TTL,
    negativeMaxEntries: config.BRIDGE_NEGATIVE_MAX_ENTRIES,
    hotMaxEntries: config.BRIDGE_HOT_MAX_ENTRIES,
    staleIfError: config.BRIDGE_STALE_IF_ERROR,
    revalidateAfter: config.BRIDGE_REVALIDATE_AFTER,
    breakerThreshold: config.BRIDGE_BREAKER_THRESHOLD,
    breakerCooldownMs: config.BRIDGE_BREAKER_COOLDOWN_MS,
    cache: deps.cache,
    logger: deps.logger,
    extraction: {
      allowQuery: config.AUTH_ALLOW_QUERY_SESSION,
      cookieName: config.AUTH_SESSION_COOKIE,
      alphabet: config.AUTH_SESSION_ID_ALPHABET,
      minLength: config.AUTH_SESSION_ID_MIN_LENGTH,
      maxLength: config.AUTH_SESSION_ID_MAX_LENGTH,
    },
    deviceHeader: config.AUTH_DEVICE_HEADER,
  };
  if (config.USER_SYNC_ENABLED) {
    if (!deps.db) {
      throw new FlowfullConfigError('auth: USER_SYNC_ENABLED needs a database (db)');
    }
    options.userSync = { db: deps.db, intervalSeconds: config.USER_SYNC_INTERVAL };
  }
  return options;
}
