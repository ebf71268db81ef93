import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../src/auth/binding/modes.js';
import { BINDING_DEFAULTS, DEVICE_HEADER, VALIDATOR_DEFAULTS } from '../../src/auth/defaults.js';
import { parseConfig } from '../../src/config/index.js';
import { BREAKER_DEFAULTS } from '../../src/resilience/index.js';
import { STATE_DEFAULTS } from '../../src/state/defaults.js';

/** The schema's defaults (an environment with nothing set) against the auth module's one list. */
const config = parseConfig({ NODE_ENV: 'test' }).config!;

describe('one source of defaults (src/auth/defaults.ts)', () => {
  it('the FLOWLESS_* / BRIDGE_* / USER_SYNC_* schema defaults are VALIDATOR_DEFAULTS', () => {
    expect({
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
      userSyncIntervalSeconds: config.USER_SYNC_INTERVAL,
    }).toEqual({
      timeout: VALIDATOR_DEFAULTS.timeout,
      retryAttempts: VALIDATOR_DEFAULTS.retryAttempts,
      deadlineMs: VALIDATOR_DEFAULTS.deadlineMs,
      sessionTransport: VALIDATOR_DEFAULTS.sessionTransport,
      legacyBodySecret: VALIDATOR_DEFAULTS.legacyBodySecret,
      cacheTtl: VALIDATOR_DEFAULTS.cacheTtl,
      negativeTtl: VALIDATOR_DEFAULTS.negativeTtl,
      negativeMaxEntries: VALIDATOR_DEFAULTS.negativeMaxEntries,
      hotMaxEntries: VALIDATOR_DEFAULTS.hotMaxEntries,
      staleIfError: VALIDATOR_DEFAULTS.staleIfError,
      revalidateAfter: VALIDATOR_DEFAULTS.revalidateAfter,
      breakerThreshold: VALIDATOR_DEFAULTS.breakerThreshold,
      breakerCooldownMs: VALIDATOR_DEFAULTS.breakerCooldownMs,
      userSyncIntervalSeconds: VALIDATOR_DEFAULTS.userSyncIntervalSeconds,
    });
  });

  it('the AUTH_* schema defaults are BINDING_DEFAULTS, and so are the modes resolved from nothing', () => {
    const fromSchema = {
      mode: config.AUTH_VALIDATION_MODE,
      enabled: config.AUTH_ENABLE_VALIDATION_MODE,
      autoInvalidate: config.AUTH_AUTO_INVALIDATE,
      logViolations: config.AUTH_LOG_VIOLATIONS,
      deviceHeader: config.AUTH_DEVICE_HEADER,
      ipPrefixV4: config.AUTH_IP_PREFIX_V4,
      ipPrefixV6: config.AUTH_IP_PREFIX_V6,
      suspiciousMaxIps: config.AUTH_SUSPICIOUS_MAX_IPS,
      suspiciousWindowSeconds: config.AUTH_SUSPICIOUS_WINDOW,
      bindingTtlSeconds: config.AUTH_BINDING_TTL,
      localMaxSessions: config.AUTH_LOCAL_MAX_SESSIONS,
    };
    const { maxTrackedNetworks, namespace, ...configurable } = BINDING_DEFAULTS;
    expect(fromSchema).toEqual(configurable);
    const resolved = resolveSettings({});
    expect(resolved).toMatchObject({
      mode: BINDING_DEFAULTS.mode,
      logViolations: BINDING_DEFAULTS.logViolations,
      deviceHeader: DEVICE_HEADER,
      prefixes: { v4: BINDING_DEFAULTS.ipPrefixV4, v6: BINDING_DEFAULTS.ipPrefixV6 },
      suspiciousMaxIps: BINDING_DEFAULTS.suspiciousMaxIps,
      suspiciousWindowSeconds: BINDING_DEFAULTS.suspiciousWindowSeconds,
      bindingTtlSeconds: BINDING_DEFAULTS.bindingTtlSeconds,
    });
    expect([maxTrackedNetworks, namespace]).toEqual([64, 'auth-binding']);
    expect(BINDING_DEFAULTS.localMaxSessions).toBe(50_000);
  });

  it("STATE_MEMORY_MAX_ENTRIES defaults to the state store's bound", () => {
    expect(config.STATE_MEMORY_MAX_ENTRIES).toBe(STATE_DEFAULTS.maxEntries);
  });

  it("the Flowless breaker's defaults are the resilience kit's", () => {
    expect(VALIDATOR_DEFAULTS.breakerThreshold).toBe(BREAKER_DEFAULTS.threshold);
    expect(VALIDATOR_DEFAULTS.breakerCooldownMs).toBe(BREAKER_DEFAULTS.cooldownMs);
  });
});
