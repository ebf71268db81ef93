import { afterAll, describe, expect, it } from 'vitest';
import { createValidationModes } from '../../src/auth/binding/index.js';
import { VALIDATOR_DEFAULTS } from '../../src/auth/defaults.js';
import { requireUserType } from '../../src/auth/middleware.js';
import { compileRoutePermissions } from '../../src/auth/permissions.js';
import { createAuth } from '../../src/auth/service.js';
import { createUserSync } from '../../src/auth/user-sync.js';
import { BridgeValidator, type BridgeValidatorOptions } from '../../src/auth/validator.js';
import { createCacheRuntime } from '../../src/cache/index.js';
import { FlowfullConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/log/logger.js';

const cache = createCacheRuntime({ logger: silentLogger() });
afterAll(() => cache.close());
const SECRET = 's'.repeat(40);
const valid: BridgeValidatorOptions = {
  flowlessApiUrl: 'http://127.0.0.1:9',
  validationSecret: SECRET,
  cache,
};

/** The FlowfullConfigError thrown by `build`, or a failure when it threw something else or nothing. */
function configError(build: () => unknown): FlowfullConfigError {
  try {
    build();
  } catch (err) {
    expect(err).toBeInstanceOf(FlowfullConfigError);
    expect(err).toBeInstanceOf(TypeError);
    return err as FlowfullConfigError;
  }
  throw new Error('expected a FlowfullConfigError');
}

describe('invalid options fail at construction with FlowfullConfigError, naming the option', () => {
  it.each([
    ['validationSecret', { validationSecret: '' }],
    ['validationSecret', { validationSecret: undefined }],
    ['flowlessApiUrl', { flowlessApiUrl: 'not a url' }],
    ['flowlessApiUrl', { flowlessApiUrl: 'ftp://flowless.example' }],
    ['cacheTtl', { cacheTtl: -5 }],
    ['negativeTtl', { negativeTtl: -1 }],
    ['staleIfError', { staleIfError: 1.5 }],
    ['timeout', { timeout: 0 }],
    ['retryAttempts', { retryAttempts: -1 }],
    ['breakerThreshold', { breakerThreshold: 0 }],
    ['hotTtlMs', { hotTtlMs: Number.NaN }],
    ['maxEntries', { maxEntries: 0 }],
    ['sessionTransport', { sessionTransport: 'header' }],
    ['cache', { cache: undefined }],
  ])('%s: %j', (name, patch) => {
    const err = configError(() => new BridgeValidator({ ...valid, ...patch } as BridgeValidatorOptions));
    expect(err.message).toContain(name);
    expect(err.message).not.toContain(SECRET);
    // createAuth builds the validator: the same error, not a 500 at the first request.
    expect(configError(() => createAuth({ ...valid, ...patch } as BridgeValidatorOptions)).message).toContain(
      name,
    );
  });

  it('createAuth: an empty device header', () => {
    expect(configError(() => createAuth({ ...valid, deviceHeader: ' ' })).message).toContain('deviceHeader');
  });

  it.each([
    ['mode', { mode: 'PARANOID' }],
    ['ipPrefixV4', { ipPrefixV4: 33 }],
    ['suspiciousMaxIps', { suspiciousMaxIps: 0 }],
    ['bindingTtlSeconds', { bindingTtlSeconds: -1 }],
    ['actions', { actions: { ip_mismatch: 'shrug' } }],
  ])('createValidationModes: %s', (name, patch) => {
    expect(configError(() => createValidationModes(patch as never)).message).toContain(name);
  });

  it('user sync, route permissions and requireUserType', () => {
    const db = {} as never;
    expect(configError(() => createUserSync({ db, intervalSeconds: -1 })).message).toContain(
      'intervalSeconds',
    );
    expect(configError(() => createUserSync({ db, maxTracked: 0 })).message).toContain('maxTracked');
    expect(configError(() => compileRoutePermissions({ 'api/x': {} })).message).toContain('api/x');
    expect(configError(() => requireUserType([])).message).toContain('requireUserType');
  });

  it('a trailing slash is dropped from the URL, as the config does', () => {
    expect(
      () =>
        new BridgeValidator({ ...valid, flowlessApiUrl: 'https://flowless.example/', namespace: 'slash' }),
    ).not.toThrow();
  });
});

describe('metrics through the MetricsSource interface', () => {
  it('collectMetrics() reports the same figures as metrics(), never the secret', async () => {
    const validator = new BridgeValidator({ ...valid, retryAttempts: 0, namespace: 'metrics' });
    await expect(Promise.resolve(validator.validate('bad id'))).rejects.toMatchObject({
      code: 'INVALID_SESSION',
    });
    await expect(Promise.resolve(validator.validate('ses_abcdefghijklmnop'))).rejects.toMatchObject({
      code: 'AUTH_UNAVAILABLE',
    });
    const points = validator.collectMetrics();
    const value = (name: string, labels?: Record<string, string>) =>
      points.find(
        (p) =>
          p.name === `flowfull_auth_${name}` &&
          JSON.stringify(p.labels ?? {}) === JSON.stringify(labels ?? {}) &&
          p.type !== 'latency',
      );
    const snapshot = validator.metrics();
    expect(value('malformed_total')).toMatchObject({ type: 'counter', value: snapshot.malformed });
    expect(snapshot.malformed).toBe(1);
    expect(value('upstream_calls_total')).toMatchObject({ value: 1 });
    expect(value('upstream_failures_total', { kind: 'connection' })).toMatchObject({ value: 1 });
    expect(value('outcomes_total', { outcome: 'unavailable' })).toMatchObject({ value: 1 });
    expect(value('breaker_state')).toMatchObject({ type: 'gauge', value: 0 });
    const latency = points.find((p) => p.type === 'latency');
    expect(latency?.type === 'latency' && latency.window.count).toBe(1);
    expect(JSON.stringify(points)).not.toContain(SECRET);
    expect(VALIDATOR_DEFAULTS.breakerThreshold).toBeGreaterThan(1);
  });
});
