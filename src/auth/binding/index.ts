export { type ActivityTracker, type ActivityTrackerOptions, createActivityTracker } from './activity.js';
export {
  type ClientIpResolver,
  type ClientIpResolverOptions,
  clientIpMiddleware,
  createClientIpResolver,
  currentClientIp,
  type ForwardedHeader,
  parseForwarded,
  parseXForwardedFor,
  socketAddress,
  type TrustProxy,
} from './client-ip.js';
export { clientIpResolverFromConfig, validationModeOptionsFromConfig } from './config.js';
export {
  type BindingGuard,
  type CreateSessionGuardOptions,
  createSessionGuard,
  type SessionTerminator,
  type ViolationEvent,
} from './guard.js';
export {
  EXACT_PREFIXES,
  formatIp,
  type IpPrefixes,
  networkOf,
  normalizeIp,
  type ParsedIp,
  parseIp,
  sameNetwork,
  UNKNOWN_IP,
} from './ip.js';
export type { BindingMetrics } from './metrics.js';
export {
  type ActivityFacts,
  type BindingFacts,
  type CheckName,
  createValidationModes,
  decideAction,
  MODE_CHECKS,
  MODE_DEFAULT_ACTION,
  resolveSettings,
  type SecurityViolation,
  type Severity,
  undecidedPolicy,
  type ValidationAction,
  type ValidationModeName,
  type ValidationModeOptions,
  type ValidationModeSettings,
  type ValidationModes,
  type ValidationResult,
  VIOLATION_CODES,
  VIOLATION_TYPES,
  type ViolationType,
} from './modes.js';
