import type { Config } from '../../config/index.js';
import { type ClientIpResolver, createClientIpResolver } from './client-ip.js';
import {
  type ValidationAction,
  type ValidationModeOptions,
  VIOLATION_TYPES,
  type ViolationType,
} from './modes.js';

type AuthConfig = Pick<
  Config,
  | 'AUTH_VALIDATION_MODE'
  | 'AUTH_ENABLE_VALIDATION_MODE'
  | 'AUTH_IP_VALIDATION'
  | 'AUTH_USER_AGENT_VALIDATION'
  | 'AUTH_DEVICE_VALIDATION'
  | 'AUTH_AUTO_INVALIDATE'
  | 'AUTH_LOG_VIOLATIONS'
  | 'AUTH_DEVICE_HEADER'
  | 'AUTH_IP_PREFIX_V4'
  | 'AUTH_IP_PREFIX_V6'
>;

/** The optional tuning settings: unset ones are left to the module's defaults. */
type TuningConfig = Partial<
  Pick<
    Config,
    | 'AUTH_SUSPICIOUS_MAX_IPS'
    | 'AUTH_SUSPICIOUS_WINDOW'
    | 'AUTH_SUSPICIOUS_ACTIVITY_VALIDATION'
    | 'AUTH_BINDING_TTL'
    | 'AUTH_ACTION_IP_MISMATCH'
    | 'AUTH_ACTION_USER_AGENT_MISMATCH'
    | 'AUTH_ACTION_DEVICE_MISMATCH'
    | 'AUTH_ACTION_SUSPICIOUS_ACTIVITY'
  >
>;

function extraSettings(config: TuningConfig): Partial<ValidationModeOptions> {
  const configured: Record<ViolationType, ValidationAction | undefined> = {
    ip_mismatch: config.AUTH_ACTION_IP_MISMATCH,
    user_agent_mismatch: config.AUTH_ACTION_USER_AGENT_MISMATCH,
    device_mismatch: config.AUTH_ACTION_DEVICE_MISMATCH,
    suspicious_activity: config.AUTH_ACTION_SUSPICIOUS_ACTIVITY,
  };
  const actions: Partial<Record<ViolationType, ValidationAction>> = {};
  for (const type of VIOLATION_TYPES) {
    const action = configured[type];
    if (action) actions[type] = action;
  }
  return {
    suspiciousMaxIps: config.AUTH_SUSPICIOUS_MAX_IPS,
    suspiciousWindowSeconds: config.AUTH_SUSPICIOUS_WINDOW,
    bindingTtlSeconds: config.AUTH_BINDING_TTL,
    suspiciousActivityValidation: config.AUTH_SUSPICIOUS_ACTIVITY_VALIDATION,
    actions,
  };
}

/** Maps the AUTH_* settings onto ValidationModeOptions; `overrides` win. */
export function validationModeOptionsFromConfig(
  config: AuthConfig & TuningConfig,
  overrides: Partial<ValidationModeOptions> = {},
): ValidationModeOptions {
  const extra = extraSettings(config);
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    mode: config.AUTH_VALIDATION_MODE,
    enabled: config.AUTH_ENABLE_VALIDATION_MODE,
    ipValidation: config.AUTH_IP_VALIDATION,
    userAgentValidation: config.AUTH_USER_AGENT_VALIDATION,
    deviceValidation: config.AUTH_DEVICE_VALIDATION,
    autoInvalidate: config.AUTH_AUTO_INVALIDATE,
    logViolations: config.AUTH_LOG_VIOLATIONS,
    deviceHeader: config.AUTH_DEVICE_HEADER,
    ipPrefixV4: config.AUTH_IP_PREFIX_V4,
    ipPrefixV6: config.AUTH_IP_PREFIX_V6,
    ...defined(extra),
    ...defined(overrides),
    actions: { ...extra.actions, ...overrides.actions },
  };
}

/** The client-IP resolver for TRUST_PROXY and TRUST_PROXY_HEADER (default X-Forwarded-For). */
export function clientIpResolverFromConfig(
  config: Pick<Config, 'TRUST_PROXY'> & Partial<Pick<Config, 'TRUST_PROXY_HEADER'>>,
): ClientIpResolver {
  return createClientIpResolver(config.TRUST_PROXY, {
    header: config.TRUST_PROXY_HEADER ?? 'x-forwarded-for',
  });
}
