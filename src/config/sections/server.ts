import { bool, int, list, oneOf, optionalString, str } from '../fields.js';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const serverShape = {
  NODE_ENV: oneOf(NODE_ENVS, 'development'),
  PORT: int(3001, { min: 0, max: 65535 }),
  HOST: str('0.0.0.0'),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  /** Comma-separated origins allowed to call with credentials; `*` is refused with cookies. */
  CORS_ORIGINS: list([]),
  /** Request headers allowed beyond the Pubflow clients' own (CORS_ALLOW_HEADERS in src/http), comma-separated. */
  CORS_ALLOW_HEADERS: list([]),
  /** Seconds a browser may cache a preflight answer (Access-Control-Max-Age). */
  CORS_MAX_AGE: int(600, { min: 0, max: 86_400 }),
  /** off | a hop count | comma list of addresses, CIDRs and names (loopback, linklocal, uniquelocal). */
  TRUST_PROXY: optionalString(),
  /** Which header a trusted proxy sets: X-Forwarded-For or the RFC 7239 Forwarded header. */
  TRUST_PROXY_HEADER: oneOf(['x-forwarded-for', 'forwarded'] as const, 'x-forwarded-for'),
  BODY_LIMIT_BYTES: int(1_048_576, { min: 1 }),
  SHUTDOWN_TIMEOUT_MS: int(10_000, { min: 0 }),
  /** Include error causes in 500 bodies. Development aid; refused in production. */
  DEBUG_ERRORS: bool(false),
};
