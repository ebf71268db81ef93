import { bool, int, oneOf, optionalBool, str } from '../fields.js';

export const VALIDATION_MODES = ['DISABLED', 'STANDARD', 'ADVANCED', 'STRICT'] as const;
export type ValidationModeName = (typeof VALIDATION_MODES)[number];

export const authShape = {
  AUTH_VALIDATION_MODE: oneOf(VALIDATION_MODES, 'STANDARD'),
  /** Master switch of the validation modes. */
  AUTH_ENABLE_VALIDATION_MODE: bool(true),
  /** Single-check overrides; unset means "as the mode says". */
  AUTH_IP_VALIDATION: optionalBool(),
  AUTH_USER_AGENT_VALIDATION: optionalBool(),
  AUTH_DEVICE_VALIDATION: optionalBool(),
  AUTH_AUTO_INVALIDATE: bool(false),
  AUTH_LOG_VIOLATIONS: bool(true),
  /** Accept ?session_id= (it leaks into access logs; turn off where clients do not need it). */
  AUTH_ALLOW_QUERY_SESSION: bool(true),
  /** Name of the cookie that may carry the session id. */
  AUTH_SESSION_COOKIE: str('session_id'),
  /** Header carrying the device id. */
  AUTH_DEVICE_HEADER: str('X-Device-ID'),
  /** IP comparison prefix lengths: 32/128 is exact. */
  AUTH_IP_PREFIX_V4: int(32, { min: 0, max: 32 }),
  AUTH_IP_PREFIX_V6: int(128, { min: 0, max: 128 }),
};
