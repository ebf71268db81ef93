import type { Config } from '../../config/index.js';
import { type ClientIpResolver, createClientIpResolver, type ForwardedHeader } from './client-ip.js';
import {
  ACTIONS,
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

/**
 * Settings proposed for the schema but not in it yet. They are read when present so that adding
 * them to the schema is enough to make them work; until then they come from `overrides`.
 */
function extraSettings(config: object): Partial<ValidationModeOptions> {
  const raw = config as Record<string, unknown>;
  const num = (key: string) => {
    const v = raw[key];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const actions: Partial<Record<ViolationType, ValidationAction>> = {};
  for (const type of VIOLATION_TYPES) {
    const v = raw[`AUTH_ACTION_${type.toUpperCase()}`];
    if (typeof v === 'string' && (ACTIONS as readonly string[]).includes(v.toLowerCase()))
      actions[type] = v.toLowerCase() as ValidationAction;
  }
  const suspicious = raw.AUTH_SUSPICIOUS_ACTIVITY_VALIDATION;
  return {
    suspiciousMaxIps: num('AUTH_SUSPICIOUS_MAX_IPS'),
    suspiciousWindowSeconds: num('AUTH_SUSPICIOUS_WINDOW'),
    bindingTtlSeconds: num('AUTH_BINDING_TTL'),
    suspiciousActivityValidation: typeof suspicious === 'boolean' ? suspicious : undefined,
    actions,
  };
}

/** Maps the AUTH_* settings onto ValidationModeOptions; `overrides` win. */
export function validationModeOptionsFromConfig(
  config: AuthConfig,
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

/** The client-IP resolver for TRUST_PROXY (and the proposed TRUST_PROXY_HEADER, when present). */
export function clientIpResolverFromConfig(config: Pick<Config, 'TRUST_PROXY'>): ClientIpResolver {
  const header = (config as Record<string, unknown>).TRUST_PROXY_HEADER;
  const forwarded: ForwardedHeader =
    typeof header === 'string' && header.toLowerCase() === 'forwarded' ? 'forwarded' : 'x-forwarded-for';
  return createClientIpResolver(config.TRUST_PROXY, { header: forwarded });
}
