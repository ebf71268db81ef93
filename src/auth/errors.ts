import { AppError } from '../errors.js';

/**
 * The errors a client sees from authentication (protocol section 4). `@pubflow/core` wipes its stored
 * session only on a 401 whose `error` is exactly `Invalid session` or `Session expired`, so those two
 * strings mean "this session is over", and nothing else may use them for Flowless being unreachable.
 */
export const AUTH_MESSAGES = {
  required: 'Session ID required',
  invalid: 'Invalid session',
  expired: 'Session expired',
  forbidden: 'Insufficient permissions',
  unavailable: 'Authentication service unavailable, please retry',
  stateUnavailable: 'Session security state unavailable, please retry',
} as const;

export function sessionRequired(): AppError {
  return new AppError('SESSION_ID_REQUIRED', AUTH_MESSAGES.required);
}

export function invalidSession(): AppError {
  return new AppError('INVALID_SESSION', AUTH_MESSAGES.invalid);
}

export function sessionExpired(): AppError {
  return new AppError('SESSION_EXPIRED', AUTH_MESSAGES.expired);
}

export function userTypeNotAllowed(): AppError {
  return new AppError('USER_TYPE_NOT_ALLOWED', AUTH_MESSAGES.forbidden);
}

export function authUnavailable(retryAfterSeconds: number): AppError {
  return new AppError('AUTH_UNAVAILABLE', AUTH_MESSAGES.unavailable, {
    retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)),
  });
}

/**
 * The session guard could not read a tombstone, or decide a binding where the mode refuses rather than
 * guess: 503 with Retry-After, so the client keeps its session and retries (never a 401).
 */
export function securityStateUnavailable(retryAfterSeconds: number): AppError {
  return new AppError('SERVICE_UNAVAILABLE', AUTH_MESSAGES.stateUnavailable, {
    retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)),
  });
}

export function isSessionRejection(err: unknown): boolean {
  return err instanceof AppError && (err.code === 'INVALID_SESSION' || err.code === 'SESSION_EXPIRED');
}

/** A definitive "no" from Flowless, as the client's error: expired or invalid. */
export function rejectionError(reason: 'invalid' | 'expired'): AppError {
  return reason === 'expired' ? sessionExpired() : invalidSession();
}
