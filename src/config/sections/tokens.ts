import { int, list, optionalString, str } from '../fields.js';

export const tokensShape = {
  /** PASERK k4.secret that signs trust tokens. Required in production. */
  PASETO_SECRET_KEY: optionalString(),
  /** PASERK k4.public keys that may verify (rotation); the signing key's public half is always included. */
  PASETO_PUBLIC_KEYS: list([]),
  /** PASERK k4.local key for v4.local (confidential) tokens. */
  PASETO_LOCAL_KEY: optionalString(),
  TOKEN_ISSUER: str('flowfull'),
  TOKEN_AUDIENCE: str('flowfull'),
  /** Seconds of clock skew tolerated on exp/nbf/iat. */
  TOKEN_CLOCK_SKEW: int(60, { min: 0, max: 3600 }),
  TOKEN_TTL_INVITATION: int(7 * 24 * 3600, { min: 1 }),
  TOKEN_TTL_EMAIL_VERIFICATION: int(24 * 3600, { min: 1 }),
  TOKEN_TTL_PASSWORD_RESET: int(3600, { min: 1 }),
  TOKEN_TTL_API_ACCESS: int(30 * 24 * 3600, { min: 1 }),
  /** Longest token string accepted, in bytes. */
  TOKEN_MAX_LENGTH: int(8192, { min: 128 }),
};
