import { AppError, type AppErrorOptions } from '../errors.js';

/**
 * Every way a trust token can be refused, with its HTTP status. A client learns which check
 * failed (expired, wrong type…) but never anything about the keys or the token's content.
 */
export const TOKEN_ERROR_STATUS = {
  /** Not a string, bad framing, non-canonical base64url, invalid UTF-8/JSON, duplicate JSON keys. */
  TOKEN_MALFORMED: 400,
  /** Longer than TOKEN_MAX_LENGTH. */
  TOKEN_TOO_LARGE: 400,
  /** A well-formed header of a version or purpose this service does not accept (v1–v3, v4.secret…). */
  TOKEN_UNSUPPORTED: 400,
  /** The footer's key id names no key of this service. */
  TOKEN_UNKNOWN_KEY: 400,
  /** Signature or authentication tag does not verify, or the claims are not a trust token's. */
  TOKEN_INVALID: 400,
  TOKEN_EXPIRED: 400,
  TOKEN_NOT_YET_VALID: 400,
  TOKEN_WRONG_TYPE: 400,
  TOKEN_WRONG_PURPOSE: 400,
  TOKEN_WRONG_AUDIENCE: 400,
  TOKEN_WRONG_ISSUER: 400,
  TOKEN_WRONG_SUBJECT: 400,
  /** revoke(jti), or revokeAllFor(subject) after the token was issued. */
  TOKEN_REVOKED: 400,
  /** A caller hook (status, ownership, resource) returned false. */
  TOKEN_REJECTED: 400,
  TOKEN_ALREADY_USED: 409,
  /** The state store (Redis / database) could not be read or written: nothing was decided. */
  TOKEN_STATE_UNAVAILABLE: 503,
} as const;

export type TokenErrorCode = keyof typeof TOKEN_ERROR_STATUS;

export function tokenError(
  code: TokenErrorCode,
  message: string,
  options: Omit<AppErrorOptions, 'status'> = {},
): AppError {
  return new AppError(code, message, { ...options, status: TOKEN_ERROR_STATUS[code] });
}
