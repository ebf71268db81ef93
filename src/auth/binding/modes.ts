import type { ValidationModeName } from '../../config/index.js';
import { type AppErrorCode, FlowfullConfigError } from '../../errors.js';
import { BINDING_DEFAULTS } from '../defaults.js';
import { type IpPrefixes, memoize, networkOf, parseIp } from './ip.js';

export type { ValidationModeName };
export type ViolationType = 'ip_mismatch' | 'user_agent_mismatch' | 'device_mismatch' | 'suspicious_activity';
export type Severity = 'low' | 'medium' | 'high';
export type ValidationAction = 'allow' | 'warn' | 'deny' | 'invalidate';
export type CheckName = 'ip' | 'userAgent' | 'device' | 'suspicious';

export const VIOLATION_TYPES: readonly ViolationType[] = [
  'ip_mismatch',
  'user_agent_mismatch',
  'device_mismatch',
  'suspicious_activity',
];
export const ACTIONS: readonly ValidationAction[] = ['allow', 'warn', 'deny', 'invalidate'];

/** The client-visible code of a refusal, per violation. */
export const VIOLATION_CODES: Record<ViolationType, AppErrorCode> = {
  ip_mismatch: 'IP_MISMATCH',
  user_agent_mismatch: 'USER_AGENT_MISMATCH',
  device_mismatch: 'DEVICE_MISMATCH',
  suspicious_activity: 'SUSPICIOUS_ACTIVITY',
};

const SEVERITY: Record<ViolationType, Severity> = {
  ip_mismatch: 'medium',
  user_agent_mismatch: 'medium',
  device_mismatch: 'high',
  suspicious_activity: 'high',
};

/** The modes table: which checks each mode runs. */
export const MODE_CHECKS: Record<ValidationModeName, Record<CheckName, boolean>> = {
  DISABLED: { ip: false, userAgent: false, device: false, suspicious: false },
  STANDARD: { ip: true, userAgent: false, device: false, suspicious: false },
  ADVANCED: { ip: true, userAgent: true, device: true, suspicious: true },
  STRICT: { ip: true, userAgent: true, device: true, suspicious: true },
};

/** Default action of every violation in each mode (before per-type settings and auto-invalidate). */
export const MODE_DEFAULT_ACTION: Record<ValidationModeName, ValidationAction> = {
  DISABLED: 'warn',
  STANDARD: 'warn',
  ADVANCED: 'warn',
  STRICT: 'deny',
};

/** What a session is bound to, and what the current request presents. null = not present. */
export interface BindingFacts {
  ip: string | null;
  userAgent: string | null;
  deviceId: string | null;
}

/** Distinct networks (at the IP prefix) this session was seen from within the window, current included. */
export interface ActivityFacts {
  distinctNetworks: number;
}

export interface SecurityViolation {
  type: ViolationType;
  severity: Severity;
  message: string;
  /** What the binding holds and what the request presented (IP networks, user agents, device ids). */
  expected: string | null;
  actual: string | null;
}

export interface ValidationResult {
  valid: boolean;
  violations: SecurityViolation[];
  action: ValidationAction;
}

export interface ValidationModeOptions {
  /** AUTH_VALIDATION_MODE. Every default: BINDING_DEFAULTS (src/auth/defaults.ts). */
  mode?: ValidationModeName;
  /** AUTH_ENABLE_VALIDATION_MODE: false turns every check off. Default true. */
  enabled?: boolean;
  /** Single-check overrides: undefined = as the mode says. */
  ipValidation?: boolean;
  userAgentValidation?: boolean;
  deviceValidation?: boolean;
  suspiciousActivityValidation?: boolean;
  /** AUTH_AUTO_INVALIDATE: every deny becomes invalidate. */
  autoInvalidate?: boolean;
  /** AUTH_LOG_VIOLATIONS, default true. */
  logViolations?: boolean;
  /** AUTH_DEVICE_HEADER. */
  deviceHeader?: string;
  /** AUTH_IP_PREFIX_V4 / _V6: compare addresses by network (default 32 / 128 = exact). */
  ipPrefixV4?: number;
  ipPrefixV6?: number;
  /** suspicious_activity fires when a session is seen from more than this many networks… */
  suspiciousMaxIps?: number;
  /** …within this many seconds. */
  suspiciousWindowSeconds?: number;
  /** Per-violation action, overriding the mode's default. */
  actions?: Partial<Record<ViolationType, ValidationAction>>;
  /** Lifetime of a first-seen binding / tombstone when Flowless reports no expiry. */
  bindingTtlSeconds?: number;
}

export interface ValidationModeSettings {
  mode: ValidationModeName;
  checks: Record<CheckName, boolean>;
  actions: Record<ViolationType, ValidationAction>;
  logViolations: boolean;
  deviceHeader: string;
  prefixes: IpPrefixes;
  suspiciousMaxIps: number;
  suspiciousWindowSeconds: number;
  bindingTtlSeconds: number;
}

export interface ValidationModes {
  readonly settings: ValidationModeSettings;
  /** True when at least one check runs; the guard does nothing otherwise. */
  readonly active: boolean;
  /** Pure decision: compares the binding with the request and picks the action. */
  evaluate(binding: BindingFacts, current: BindingFacts, activity?: ActivityFacts): ValidationResult;
  /** The network of an address at the configured prefix (the unit of comparison and of counting). */
  networkOf(ip: string): string;
}

/** The check behind each violation. */
const CHECK_OF: Record<ViolationType, CheckName> = {
  ip_mismatch: 'ip',
  user_agent_mismatch: 'userAgent',
  device_mismatch: 'device',
  suspicious_activity: 'suspicious',
};

/**
 * What the guard does when the state store cannot decide a binding (or count networks): `refuse`
 * (503) when any active check would deny or invalidate, since guessing there could let a stolen
 * session through; `allow` (this request goes on unbound, the binding is tried again on the next one)
 * when every active check only warns or allows, since those never refuse anyway.
 */
/**
 * Can this configuration ever write a tombstone? Only the `invalidate` action of an active check does.
 * Where none can, an unreadable record hides no tombstone, and refusing it would only turn a Redis
 * restart into an outage (every instance of a deployment runs the same configuration).
 */
export function writesTombstones(settings: ValidationModeSettings): boolean {
  return VIOLATION_TYPES.some(
    (type) => settings.checks[CHECK_OF[type]] && settings.actions[type] === 'invalidate',
  );
}

export function undecidedPolicy(settings: ValidationModeSettings): 'refuse' | 'allow' {
  const refusing = VIOLATION_TYPES.some(
    (type) =>
      settings.checks[CHECK_OF[type]] &&
      (settings.actions[type] === 'deny' || settings.actions[type] === 'invalidate'),
  );
  return refusing ? 'refuse' : 'allow';
}

function resolveChecks(o: ValidationModeOptions, mode: ValidationModeName): Record<CheckName, boolean> {
  if (o.enabled === false) return { ...MODE_CHECKS.DISABLED };
  const base = MODE_CHECKS[mode];
  return {
    ip: o.ipValidation ?? base.ip,
    userAgent: o.userAgentValidation ?? base.userAgent,
    device: o.deviceValidation ?? base.device,
    suspicious: o.suspiciousActivityValidation ?? base.suspicious,
  };
}

function resolveActions(
  o: ValidationModeOptions,
  mode: ValidationModeName,
): Record<ViolationType, ValidationAction> {
  const out = {} as Record<ViolationType, ValidationAction>;
  for (const type of VIOLATION_TYPES) {
    const action = o.actions?.[type] ?? MODE_DEFAULT_ACTION[mode];
    out[type] = action === 'deny' && o.autoInvalidate ? 'invalidate' : action;
  }
  return out;
}

/** Whole-number options and their bounds. */
const RANGES = {
  ipPrefixV4: [0, 32],
  ipPrefixV6: [0, 128],
  suspiciousMaxIps: [1, Number.MAX_SAFE_INTEGER],
  suspiciousWindowSeconds: [1, Number.MAX_SAFE_INTEGER],
  bindingTtlSeconds: [1, Number.MAX_SAFE_INTEGER],
} as const;

function checkOptions(o: ValidationModeOptions): void {
  const fail = (what: string): never => {
    throw new FlowfullConfigError(`createValidationModes: ${what}`);
  };
  if (o.mode !== undefined && !Object.hasOwn(MODE_CHECKS, o.mode)) {
    fail(`mode must be one of ${Object.keys(MODE_CHECKS).join(', ')} (got ${String(o.mode)})`);
  }
  for (const [name, [min, max]] of Object.entries(RANGES)) {
    const value = o[name as keyof typeof RANGES];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= min && value <= max)) {
      fail(`${name} must be a whole number from ${min} to ${max} (got ${String(value)})`);
    }
  }
  for (const [type, action] of Object.entries(o.actions ?? {})) {
    if (!(VIOLATION_TYPES as readonly string[]).includes(type)) fail(`actions: unknown violation ${type}`);
    if (action !== undefined && !ACTIONS.includes(action)) {
      fail(`actions.${type} must be one of ${ACTIONS.join(', ')} (got ${String(action)})`);
    }
  }
  if (o.deviceHeader !== undefined && (typeof o.deviceHeader !== 'string' || o.deviceHeader.trim() === '')) {
    fail('deviceHeader must be a header name');
  }
}

/** Defaults (BINDING_DEFAULTS) filled in; a wrong option throws FlowfullConfigError naming it. */
export function resolveSettings(o: ValidationModeOptions = {}): ValidationModeSettings {
  checkOptions(o);
  const d = BINDING_DEFAULTS;
  const mode = o.mode ?? d.mode;
  return {
    mode,
    checks: resolveChecks(o, mode),
    actions: resolveActions(o, mode),
    logViolations: o.logViolations ?? d.logViolations,
    deviceHeader: o.deviceHeader ?? d.deviceHeader,
    prefixes: { v4: o.ipPrefixV4 ?? d.ipPrefixV4, v6: o.ipPrefixV6 ?? d.ipPrefixV6 },
    suspiciousMaxIps: o.suspiciousMaxIps ?? d.suspiciousMaxIps,
    suspiciousWindowSeconds: o.suspiciousWindowSeconds ?? d.suspiciousWindowSeconds,
    bindingTtlSeconds: o.bindingTtlSeconds ?? d.bindingTtlSeconds,
  };
}

function ipMatches(bound: string, current: string | null, prefixes: IpPrefixes): boolean {
  if (current === null) return false;
  if (bound === current) return true;
  if (parseIp(bound) && parseIp(current)) return networkOf(bound, prefixes) === networkOf(current, prefixes);
  return false;
}

function violation(
  type: ViolationType,
  message: string,
  expected: string | null,
  actual: string | null,
): SecurityViolation {
  return { type, severity: SEVERITY[type], message, expected, actual };
}

function findViolations(
  s: ValidationModeSettings,
  binding: BindingFacts,
  current: BindingFacts,
  activity: ActivityFacts | undefined,
): SecurityViolation[] {
  const found: SecurityViolation[] = [];
  if (s.checks.ip && binding.ip !== null && !ipMatches(binding.ip, current.ip, s.prefixes)) {
    const net = (ip: string | null) => (ip === null ? null : networkOf(ip, s.prefixes));
    found.push(violation('ip_mismatch', 'IP address changed', net(binding.ip), net(current.ip)));
  }
  // Absence is a value: a client that drops the header must not slip past the check.
  if (s.checks.userAgent && binding.userAgent !== current.userAgent) {
    found.push(violation('user_agent_mismatch', 'User-Agent changed', binding.userAgent, current.userAgent));
  }
  if (s.checks.device && binding.deviceId !== current.deviceId) {
    found.push(violation('device_mismatch', 'Device changed', binding.deviceId, current.deviceId));
  }
  if (s.checks.suspicious && activity && activity.distinctNetworks > s.suspiciousMaxIps) {
    const seen = `${activity.distinctNetworks} networks in ${s.suspiciousWindowSeconds}s`;
    found.push(
      violation(
        'suspicious_activity',
        'Session used from too many networks',
        `<= ${s.suspiciousMaxIps}`,
        seen,
      ),
    );
  }
  return found;
}

/** The strongest action among the violations' actions (allow < warn < deny < invalidate). */
export function decideAction(
  violations: SecurityViolation[],
  actions: Record<ViolationType, ValidationAction>,
): ValidationAction {
  let rank = 0;
  for (const v of violations) rank = Math.max(rank, ACTIONS.indexOf(actions[v.type]));
  return ACTIONS[rank]!;
}

export function createValidationModes(options: ValidationModeOptions = {}): ValidationModes {
  const settings = resolveSettings(options);
  const { checks } = settings;
  return {
    settings,
    active: checks.ip || checks.userAgent || checks.device || checks.suspicious,
    evaluate(binding, current, activity) {
      const violations = findViolations(settings, binding, current, activity);
      return {
        valid: violations.length === 0,
        violations,
        action: decideAction(violations, settings.actions),
      };
    },
    networkOf: memoize((ip) => networkOf(ip, settings.prefixes)),
  };
}
