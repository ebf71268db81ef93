import { VALIDATOR_DEFAULTS as V } from '../../auth/defaults.js';
import { GATEWAY_DEFAULTS } from '../../gateway/defaults.js';
import { bool, int, oneOf, optionalHttpUrl, optionalString, str } from '../fields.js';

// Defaults come from the auth module's one list (src/auth/defaults.ts); test/config checks they agree.

export const flowlessShape = {
  /** Base URL of Flowless. Unset in development: the local stand-in is started. Required in production. */
  FLOWLESS_API_URL: optionalHttpUrl(),
  /** Shared with Flowless, at least 32 characters. Unset in development with the stand-in: one is generated. */
  BRIDGE_VALIDATION_SECRET: optionalString(),
  /** Per-attempt timeout of one call to Flowless. */
  FLOWLESS_TIMEOUT_MS: int(V.timeout, { min: 1 }),
  /** Extra attempts after the first, only when Flowless is unavailable. */
  FLOWLESS_RETRY_ATTEMPTS: int(V.retryAttempts, { min: 0, max: 10 }),
  /** All attempts together never exceed this. */
  FLOWLESS_DEADLINE_MS: int(V.deadlineMs, { min: 1 }),
  /** Where the session id travels to Flowless: JSON body + X-Session-ID header, or ?session_id= (old deployments). */
  BRIDGE_SESSION_TRANSPORT: oneOf(['body', 'query'] as const, V.sessionTransport),
  /** Also send the secret as `bridge_secret` in the body (legacy deployments). */
  BRIDGE_LEGACY_BODY_SECRET: bool(V.legacyBodySecret),
  /** Seconds a validated session is cached. */
  BRIDGE_CACHE_TTL: int(V.cacheTtl, { min: 1 }),
  /** Seconds an invalid session id is remembered. */
  BRIDGE_NEGATIVE_TTL: int(V.negativeTtl, { min: 0 }),
  /** Bound on remembered invalid ids per instance. */
  BRIDGE_NEGATIVE_MAX_ENTRIES: int(V.negativeMaxEntries, { min: 1 }),
  /** Bound of the validator's hot layer (sessions answered without a promise for a moment), per instance. */
  BRIDGE_HOT_MAX_ENTRIES: int(V.hotMaxEntries, { min: 1 }),
  /** Seconds a session last confirmed that long ago is still accepted while Flowless is unavailable. 0 fails closed. */
  BRIDGE_STALE_IF_ERROR: int(V.staleIfError, { min: 0 }),
  /** Seconds after which a cached session is served once more and checked again with Flowless in the background. 0 off. */
  BRIDGE_REVALIDATE_AFTER: int(V.revalidateAfter, { min: 0 }),
  /** Consecutive unavailability results that open the breaker in front of Flowless. */
  BRIDGE_BREAKER_THRESHOLD: int(V.breakerThreshold, { min: 1 }),
  BRIDGE_BREAKER_COOLDOWN_MS: int(V.breakerCooldownMs, { min: 1 }),
  /** Serve Flowless's auth routes (login, register, logout, validation, …) under AUTH_GATEWAY_PREFIX, so a client needs Flowfull's URL alone (docs/gateway.md). */
  AUTH_GATEWAY_ENABLED: bool(true),
  /** Path under which the auth gateway answers. */
  AUTH_GATEWAY_PREFIX: str(GATEWAY_DEFAULTS.prefix),
  /** Upsert validated users into the local `users` table. */
  USER_SYNC_ENABLED: bool(false),
  /** Seconds between two syncs of one user. */
  USER_SYNC_INTERVAL: int(V.userSyncIntervalSeconds, { min: 0 }),
  /** Port of the local Flowless stand-in started in development when FLOWLESS_API_URL is unset. */
  FLOWLESS_STANDIN_PORT: int(3002, { min: 0, max: 65535 }),
  /** SQLite file of the local stand-in's users and sessions. Unset: derived from DATABASE_URL (see docs/standin.md). */
  FLOWLESS_STANDIN_DATABASE: optionalString(),
};
