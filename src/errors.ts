/**
 * One error class for everything a client may see, with one code-to-status map.
 * Modules below the HTTP layer (auth, tokens, db) throw these; the HTTP shell turns
 * them into the protocol's envelope `{success: false, error, code}`.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  INVALID_RESET_TOKEN: 400,
  INVALID_PASSWORD: 400,
  SESSION_ID_REQUIRED: 401,
  INVALID_SESSION: 401,
  SESSION_EXPIRED: 401,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  USER_TYPE_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  AUTH_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;

export type KnownErrorCode = keyof typeof ERROR_STATUS;
/** Concepts may add their own codes (TOKEN_EXPIRED, IP_MISMATCH, …); they pass the status explicitly. */
export type ErrorCode = KnownErrorCode | (string & {});

export interface AppErrorOptions {
  status?: number;
  details?: unknown;
  /** Seconds, sent as Retry-After (503/429). */
  retryAfter?: number;
  /** Internal cause, logged server-side, never sent to a client. */
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code as KnownErrorCode] ?? 500;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/**
 * A mistake in options or configuration, found when something is constructed: never an HTTP error,
 * never at the first request. Names the option and what is expected.
 */
export class FlowfullConfigError extends TypeError {
  readonly code = 'CONFIG_INVALID' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FlowfullConfigError';
  }
}
