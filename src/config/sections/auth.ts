import { BINDING_DEFAULTS as B } from '../../auth/defaults.js';
import { STATE_DEFAULTS } from '../../state/defaults.js';
import { bool, int, oneOf, optionalBool, optionalOneOf, str } from '../fields.js';

// Defaults come from the auth module's one list (src/auth/defaults.ts); test/config checks they agree.

const ACTIONS = ['allow', 'warn', 'deny', 'invalidate'] as const;

export const VALIDATION_MODES = ['DISABLED', 'STANDARD', 'ADVANCED', 'STRICT'] as const;
export type ValidationModeName = (typeof VALIDATION_MODES)[number];

export const authShape = {
  AUTH_VALIDATION_MODE: oneOf(VALIDATION_MODES, B.mode),
  /** Master switch of the validation modes. */
  AUTH_ENABLE_VALIDATION_MODE: bool(B.enabled),
  /** Single-check overrides; unset means "as the mode says". */
  AUTH_IP_VALIDATION: optionalBool(),
  AUTH_USER_AGENT_VALIDATION: optionalBool(),
  AUTH_DEVICE_VALIDATION: optionalBool(),
  AUTH_AUTO_INVALIDATE: bool(B.autoInvalidate),
  AUTH_LOG_VIOLATIONS: bool(B.logViolations),
  /** Accept ?session_id= (it leaks into logs, history and Referer). Unset: false in production, true elsewhere. */
  AUTH_ALLOW_QUERY_SESSION: optionalBool(),
  /** Name of the cookie that may carry the session id. */
  AUTH_SESSION_COOKIE: str('session_id'),
  /** Header carrying the device id. */
  AUTH_DEVICE_HEADER: str(B.deviceHeader),
  /** IP comparison prefix lengths: 32/128 is exact. */
  AUTH_IP_PREFIX_V4: int(B.ipPrefixV4, { min: 0, max: 32 }),
  AUTH_IP_PREFIX_V6: int(B.ipPrefixV6, { min: 0, max: 128 }),
  /** suspicious_activity: more than this many distinct networks for one session within the window. */
  AUTH_SUSPICIOUS_MAX_IPS: int(B.suspiciousMaxIps, { min: 1 }),
  /** suspicious_activity window in seconds. */
  AUTH_SUSPICIOUS_WINDOW: int(B.suspiciousWindowSeconds, { min: 1 }),
  /** Force the suspicious-activity check on or off (unset: on in ADVANCED and STRICT). */
  AUTH_SUSPICIOUS_ACTIVITY_VALIDATION: optionalBool(),
  /** Seconds a first-seen binding (and an invalidation tombstone) is kept when Flowless reports no expiry. */
  AUTH_BINDING_TTL: int(B.bindingTtlSeconds, { min: 1 }),
  /** Sessions the guard remembers in this process (tombstones seen, activity windows), per instance. */
  AUTH_LOCAL_MAX_SESSIONS: int(B.localMaxSessions, { min: 1 }),
  /** Bound of the in-memory security state store (no REDIS_URL), in keys: a binding and a window per session. */
  STATE_MEMORY_MAX_ENTRIES: int(STATE_DEFAULTS.maxEntries, { min: 1 }),
  /** Per-violation action overrides: allow | warn | deny | invalidate (unset: as the mode says). */
  AUTH_ACTION_IP_MISMATCH: optionalOneOf(ACTIONS),
  AUTH_ACTION_USER_AGENT_MISMATCH: optionalOneOf(ACTIONS),
  AUTH_ACTION_DEVICE_MISMATCH: optionalOneOf(ACTIONS),
  AUTH_ACTION_SUSPICIOUS_ACTIVITY: optionalOneOf(ACTIONS),
};
