import { describe, expect, it } from 'vitest';
import {
  type BindingFacts,
  createValidationModes,
  type ValidationModeName,
  validationModeOptionsFromConfig,
} from '../../../src/auth/binding/index.js';
import { parseConfig } from '../../../src/config/index.js';

const bound: BindingFacts = { ip: '203.0.113.10', userAgent: 'App/1.0', deviceId: 'dev-1' };
const changes: Record<string, BindingFacts> = {
  ip: { ...bound, ip: '198.51.100.7' },
  userAgent: { ...bound, userAgent: 'curl/8.0' },
  device: { ...bound, deviceId: 'dev-2' },
};
const typeOf = { ip: 'ip_mismatch', userAgent: 'user_agent_mismatch', device: 'device_mismatch' } as const;

// mode -> which single-attribute changes it detects, and the action it takes for them
const table: Array<[ValidationModeName, Array<keyof typeof changes>, string]> = [
  ['DISABLED', [], 'allow'],
  ['STANDARD', ['ip'], 'warn'],
  ['ADVANCED', ['ip', 'userAgent', 'device'], 'warn'],
  ['STRICT', ['ip', 'userAgent', 'device'], 'deny'],
];

describe('evaluate: each mode with each check', () => {
  for (const [mode, detected, action] of table) {
    for (const check of Object.keys(changes) as Array<keyof typeof changes>) {
      const fires = detected.includes(check);
      it(`${mode} ${fires ? 'detects' : 'ignores'} a changed ${check}`, () => {
        const result = createValidationModes({ mode }).evaluate(bound, changes[check]!);
        if (fires) {
          expect(result).toMatchObject({ valid: false, action });
          expect(result.violations.map((v) => v.type)).toEqual([typeOf[check as keyof typeof typeOf]]);
        } else {
          expect(result).toEqual({ valid: true, violations: [], action: 'allow' });
        }
      });
    }
    it(`${mode} allows an unchanged request`, () => {
      expect(createValidationModes({ mode }).evaluate(bound, { ...bound })).toEqual({
        valid: true,
        violations: [],
        action: 'allow',
      });
    });
  }

  it('reports every violation at once with its severity', () => {
    const all = { ip: '198.51.100.7', userAgent: 'x', deviceId: 'y' };
    const result = createValidationModes({ mode: 'STRICT' }).evaluate(bound, all);
    expect(result.violations.map((v) => [v.type, v.severity])).toEqual([
      ['ip_mismatch', 'medium'],
      ['user_agent_mismatch', 'medium'],
      ['device_mismatch', 'high'],
    ]);
    expect(result.violations[0]).toMatchObject({ expected: '203.0.113.10/32', actual: '198.51.100.7/32' });
  });

  it('treats a dropped header as a change (omitting it is no escape)', () => {
    const modes = createValidationModes({ mode: 'ADVANCED' });
    const r = modes.evaluate(bound, { ...bound, deviceId: null, userAgent: null });
    expect(r.violations.map((v) => v.type)).toEqual(['user_agent_mismatch', 'device_mismatch']);
  });

  it('skips the IP check when nothing is bound, and an unknown current IP is a mismatch', () => {
    const modes = createValidationModes({ mode: 'STANDARD' });
    expect(modes.evaluate({ ...bound, ip: null }, changes.ip!).valid).toBe(true);
    expect(modes.evaluate(bound, { ...bound, ip: 'unknown' }).violations[0]?.type).toBe('ip_mismatch');
  });
});

describe('overrides and actions', () => {
  it('single-check overrides beat the mode, both ways', () => {
    const on = createValidationModes({ mode: 'STANDARD', deviceValidation: true, ipValidation: false });
    expect(on.evaluate(bound, changes.ip!).valid).toBe(true);
    expect(on.evaluate(bound, changes.device!).violations[0]?.type).toBe('device_mismatch');
    const off = createValidationModes({ mode: 'STRICT', userAgentValidation: false });
    expect(off.evaluate(bound, changes.userAgent!).valid).toBe(true);
    expect(
      createValidationModes({ mode: 'DISABLED', ipValidation: true }).evaluate(bound, changes.ip!),
    ).toMatchObject({ action: 'warn' });
  });

  it('the master switch turns everything off', () => {
    const modes = createValidationModes({ mode: 'STRICT', enabled: false, ipValidation: true });
    expect(modes.active).toBe(false);
    expect(modes.evaluate(bound, { ip: '1.1.1.1', userAgent: null, deviceId: null }).action).toBe('allow');
  });

  it('auto-invalidate turns deny into invalidate', () => {
    const modes = createValidationModes({ mode: 'STRICT', autoInvalidate: true });
    expect(modes.evaluate(bound, changes.ip!).action).toBe('invalidate');
    expect(
      createValidationModes({ mode: 'ADVANCED', autoInvalidate: true }).evaluate(bound, changes.ip!).action,
    ).toBe('warn');
  });

  it('per-violation actions override the mode default; the strongest action wins', () => {
    const modes = createValidationModes({
      mode: 'ADVANCED',
      actions: { device_mismatch: 'deny', user_agent_mismatch: 'allow' },
    });
    expect(modes.evaluate(bound, changes.userAgent!)).toMatchObject({ valid: false, action: 'allow' });
    expect(modes.evaluate(bound, changes.device!).action).toBe('deny');
    expect(modes.evaluate(bound, { ...changes.device!, ip: '198.51.100.7' }).action).toBe('deny');
  });
});

describe('suspicious_activity', () => {
  const modes = createValidationModes({ mode: 'ADVANCED', suspiciousMaxIps: 3, suspiciousWindowSeconds: 60 });
  it('fires above the threshold only', () => {
    expect(modes.evaluate(bound, bound, { distinctNetworks: 3 }).valid).toBe(true);
    const r = modes.evaluate(bound, bound, { distinctNetworks: 4 });
    expect(r.violations).toEqual([
      expect.objectContaining({ type: 'suspicious_activity', severity: 'high' }),
    ]);
    expect(r.action).toBe('warn');
  });
  it('is off in STANDARD unless switched on', () => {
    expect(
      createValidationModes({ mode: 'STANDARD' }).evaluate(bound, bound, { distinctNetworks: 99 }).valid,
    ).toBe(true);
    const on = createValidationModes({
      mode: 'STANDARD',
      suspiciousActivityValidation: true,
      suspiciousMaxIps: 1,
    });
    expect(on.evaluate(bound, bound, { distinctNetworks: 2 }).violations[0]?.type).toBe(
      'suspicious_activity',
    );
  });
});

describe('prefix matching in evaluate', () => {
  it('compares IPv4 by /24 and IPv6 by /64 when configured', () => {
    const modes = createValidationModes({ mode: 'STRICT', ipPrefixV4: 24, ipPrefixV6: 64 });
    const v4 = { ...bound, ip: '203.0.113.10' };
    expect(modes.evaluate(v4, { ...v4, ip: '203.0.113.250' }).valid).toBe(true);
    expect(modes.evaluate(v4, { ...v4, ip: '203.0.114.10' }).action).toBe('deny');
    const v6 = { ...bound, ip: '2001:db8:1:2::1' };
    expect(modes.evaluate(v6, { ...v6, ip: '2001:db8:1:2:ffff::9' }).valid).toBe(true);
    expect(modes.evaluate(v6, { ...v6, ip: '2001:db8:1:3::1' }).valid).toBe(false);
  });
  it('an IPv4-mapped address equals its IPv4 form; families never match each other', () => {
    const modes = createValidationModes({ mode: 'STANDARD' });
    expect(modes.evaluate(bound, { ...bound, ip: '::ffff:203.0.113.10' }).valid).toBe(true);
    expect(modes.evaluate(bound, { ...bound, ip: '2001:db8::1' }).valid).toBe(false);
  });
});

describe('validationModeOptionsFromConfig', () => {
  it('maps the AUTH_* settings', () => {
    const { config } = parseConfig({
      NODE_ENV: 'test',
      AUTH_VALIDATION_MODE: 'STRICT',
      AUTH_AUTO_INVALIDATE: 'true',
      AUTH_DEVICE_VALIDATION: 'false',
      AUTH_DEVICE_HEADER: 'X-Client-Device',
      AUTH_IP_PREFIX_V4: '24',
      AUTH_LOG_VIOLATIONS: 'false',
    });
    const options = validationModeOptionsFromConfig(config!, { suspiciousMaxIps: 9 });
    const s = createValidationModes(options).settings;
    expect(s).toMatchObject({
      mode: 'STRICT',
      checks: { ip: true, userAgent: true, device: false, suspicious: true },
      logViolations: false,
      deviceHeader: 'X-Client-Device',
      prefixes: { v4: 24, v6: 128 },
      suspiciousMaxIps: 9,
    });
    expect(s.actions.ip_mismatch).toBe('invalidate');
  });
  it('defaults to STANDARD with IP only, warning', () => {
    const { config } = parseConfig({ NODE_ENV: 'test' });
    const s = createValidationModes(validationModeOptionsFromConfig(config!)).settings;
    expect(s.mode).toBe('STANDARD');
    expect(s.checks).toEqual({ ip: true, userAgent: false, device: false, suspicious: false });
    expect(s.actions.ip_mismatch).toBe('warn');
  });
});
