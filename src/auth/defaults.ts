import { BREAKER_DEFAULTS } from '../resilience/defaults.js';

/**
 * Every default of the auth side, stated once. The config schema (src/config/sections/flowless.ts
 * and auth.ts) builds its zod defaults from these objects, and the factories fall back to them, so a
 * default changed here changes everywhere. This file does no work and imports only other modules' defaults.
 */

/** Header carrying the client's device id (AUTH_DEVICE_HEADER). @default 'X-Device-ID' */
export const DEVICE_HEADER = 'X-Device-ID';

/** Longest User-Agent and device id kept from a request (longer ones are clipped, not refused). */
export const HEADER_LIMITS = { userAgent: 1024, deviceId: 256 } as const;

export const VALIDATOR_DEFAULTS = {
  /** Per-attempt timeout of one call to Flowless in ms (FLOWLESS_TIMEOUT_MS). @default 1500 */
  timeout: 1500,
  /** Extra attempts while Flowless is unavailable (FLOWLESS_RETRY_ATTEMPTS). @default 2 */
  retryAttempts: 2,
  /** All attempts and backoff waits together, ms (FLOWLESS_DEADLINE_MS). @default 3000 */
  deadlineMs: 3000,
  /** Seconds a validated session is cached (BRIDGE_CACHE_TTL). @default 300 */
  cacheTtl: 300,
  /** Seconds an invalid id is remembered; 0 turns the negative cache off (BRIDGE_NEGATIVE_TTL). @default 30 */
  negativeTtl: 30,
  /** Bound of the negative cache per instance (BRIDGE_NEGATIVE_MAX_ENTRIES). @default 10000 */
  negativeMaxEntries: 10_000,
  /** Seconds past expiry a cached session is still accepted while Flowless is unavailable (BRIDGE_STALE_IF_ERROR). @default 60 */
  staleIfError: 60,
  /**
   * Seconds after which a cached session is checked again with Flowless in the background while it is
   * still served, so a logout made elsewhere is seen soon; 0 turns it off (BRIDGE_REVALIDATE_AFTER). @default 30
   */
  revalidateAfter: 30,
  /** Consecutive unavailability results that open the breaker (BRIDGE_BREAKER_THRESHOLD). @default 5 */
  breakerThreshold: BREAKER_DEFAULTS.threshold,
  /** How long the breaker stays open before one probe, ms (BRIDGE_BREAKER_COOLDOWN_MS). @default 5000 */
  breakerCooldownMs: BREAKER_DEFAULTS.cooldownMs,
  /**
   * First cooldown of the Flowless breaker in ms; each failed probe doubles it up to breakerCooldownMs.
   * @default 250
   */
  breakerInitialCooldownMs: 250,
  /** While the breaker is open, GET /health is asked this often (ms); an answer ends the cooldown. @default 250 */
  healthPollMs: 250,
  /** Milliseconds a session this instance just validated is answered without a promise. @default 250 */
  hotTtlMs: 250,
  /** Bound of that hot set. @default 10000 */
  hotMaxEntries: 10_000,
  /** Namespace of the session cache. @default 'auth-sessions' */
  namespace: 'auth-sessions',
  /** First backoff ceiling in ms; doubles per retry up to backoffMaxMs. @default 100 */
  backoffBaseMs: 100,
  /** @default 1000 */
  backoffMaxMs: 1000,
  /** Where the session id travels to Flowless (BRIDGE_SESSION_TRANSPORT). @default 'body' */
  sessionTransport: 'body' as 'body' | 'query',
  /** Also send `bridge_secret` in the body (BRIDGE_LEGACY_BODY_SECRET). @default false */
  legacyBodySecret: false,
  /** Retry-After (s) of a 503 when neither Flowless nor the breaker suggests one. @default 2 */
  retryAfterSeconds: 2,
  /** Seconds between two writes of one unchanged user (USER_SYNC_INTERVAL). @default 300 */
  userSyncIntervalSeconds: 300,
  /** Users whose last write user sync remembers. @default 10000 */
  userSyncMaxTracked: 10_000,
};

/** Validation modes (AUTH_*) and the session guard. */
export const BINDING_DEFAULTS = {
  /** AUTH_VALIDATION_MODE. @default 'STANDARD' */
  mode: 'STANDARD' as 'DISABLED' | 'STANDARD' | 'ADVANCED' | 'STRICT',
  /** AUTH_ENABLE_VALIDATION_MODE: false turns every check off. @default true */
  enabled: true,
  /** AUTH_AUTO_INVALIDATE: every deny becomes invalidate. @default false */
  autoInvalidate: false,
  /** AUTH_LOG_VIOLATIONS. @default true */
  logViolations: true,
  /** AUTH_DEVICE_HEADER. @default 'X-Device-ID' */
  deviceHeader: DEVICE_HEADER,
  /** AUTH_IP_PREFIX_V4: 32 compares exact addresses. @default 32 */
  ipPrefixV4: 32,
  /** AUTH_IP_PREFIX_V6: 128 compares exact addresses. @default 128 */
  ipPrefixV6: 128,
  /** AUTH_SUSPICIOUS_MAX_IPS: more distinct networks than this within the window is suspicious. @default 5 */
  suspiciousMaxIps: 5,
  /** AUTH_SUSPICIOUS_WINDOW, seconds. @default 600 */
  suspiciousWindowSeconds: 600,
  /** AUTH_BINDING_TTL: lifetime (s) of a binding and tombstone when Flowless reports no expiry. @default 604800 (7 days) */
  bindingTtlSeconds: 7 * 24 * 3600,
  /** Networks kept per session in the suspicious-activity window. @default 64 */
  maxTrackedNetworks: 64,
  /** Sessions this instance remembers locally (tombstones seen, networks noted recently). @default 50000 */
  localMaxSessions: 50_000,
  /** Key namespace of the guard's state. @default 'auth-binding' */
  namespace: 'auth-binding',
};
