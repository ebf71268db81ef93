import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The one catalogue of every error code Flowfull produces: its HTTP status and the public message a
 * client sees when the thrower gives none. The set is closed: `AppError` takes only these codes, so a
 * new code is added here (and to docs/errors.md, which a test compares with this table).
 *
 * Entries marked `config` are mistakes in options or environment, thrown as `FlowfullConfigError` at
 * construction. They never become a response: should one escape into a request it is answered as the
 * bare 500 below, its text kept for the server log.
 */
interface ErrorEntry {
  readonly status: ContentfulStatusCode;
  readonly message: string;
  readonly config?: true;
}

const INTERNAL = 'Internal server error';

export const ERRORS = {
  // Requests
  BAD_REQUEST: { status: 400, message: 'Bad request' },
  INVALID_JSON: { status: 400, message: 'Malformed JSON body' },
  VALIDATION_FAILED: { status: 400, message: 'Invalid input' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  CONFLICT: { status: 409, message: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  INTERNAL_ERROR: { status: 500, message: INTERNAL },
  SERVICE_UNAVAILABLE: { status: 503, message: 'Service unavailable' },
  NOT_READY: { status: 503, message: 'Not ready' },
  // Sessions (protocol section 4: the client ends a session only on "Invalid session" / "Session expired")
  SESSION_ID_REQUIRED: { status: 401, message: 'Session ID required' },
  INVALID_SESSION: { status: 401, message: 'Invalid session' },
  SESSION_EXPIRED: { status: 401, message: 'Session expired' },
  SESSION_INVALIDATED: { status: 401, message: 'Invalid session' },
  UNAUTHORIZED: { status: 401, message: 'Unauthorized' },
  FORBIDDEN: { status: 403, message: 'Forbidden' },
  USER_TYPE_NOT_ALLOWED: { status: 403, message: 'Insufficient permissions' },
  AUTH_UNAVAILABLE: { status: 503, message: 'Authentication service unavailable, please retry' },
  INVALID_BRIDGE_SECRET: { status: 401, message: 'Invalid bridge secret' },
  INVALID_CREDENTIALS: { status: 401, message: 'Invalid credentials' },
  INVALID_RESET_TOKEN: { status: 400, message: 'Invalid or expired reset token' },
  INVALID_PASSWORD: { status: 400, message: 'Invalid password' },
  EMAIL_NOT_VERIFIED: { status: 403, message: 'Email not verified' },
  AMBIGUOUS_CREDENTIALS: { status: 401, message: 'More than one session id in the request' },
  CSRF_REJECTED: { status: 403, message: 'Cross-site request refused' },
  // Bridge API list queries (src/resources): the code says what was wrong, details.field names it
  FILTER_FIELD_INVALID: { status: 400, message: 'Unknown filter field' },
  FILTER_OP_INVALID: { status: 400, message: 'Unknown filter operator' },
  FILTER_VALUE_INVALID: { status: 400, message: 'Invalid filter value' },
  FILTER_KEY_INVALID: { status: 400, message: 'Invalid query parameter' },
  FILTER_LIST_TOO_LONG: { status: 400, message: 'Filter list too long' },
  ORDER_INVALID: { status: 400, message: 'Invalid ordering' },
  FIELDS_INVALID: { status: 400, message: 'Invalid field selection' },
  PAGING_INVALID: { status: 400, message: 'Invalid paging' },
  SEARCH_QUERY_INVALID: { status: 400, message: 'Invalid search query' },
  QUERY_TOO_LARGE: { status: 400, message: 'Query string too large' },
  // Validation modes (session binding): one code per violation
  IP_MISMATCH: { status: 401, message: 'Invalid session' },
  USER_AGENT_MISMATCH: { status: 401, message: 'Invalid session' },
  DEVICE_MISMATCH: { status: 401, message: 'Invalid session' },
  SUSPICIOUS_ACTIVITY: { status: 401, message: 'Invalid session' },
  // Trust tokens: a client learns which check failed, never anything about keys or content
  TOKEN_MALFORMED: { status: 400, message: 'Token is malformed' },
  TOKEN_TOO_LARGE: { status: 400, message: 'Token is too large' },
  TOKEN_UNSUPPORTED: { status: 400, message: 'Only v4.public and v4.local tokens are accepted' },
  TOKEN_UNKNOWN_KEY: { status: 400, message: 'Token was signed by an unknown key' },
  TOKEN_INVALID: { status: 400, message: 'Token is invalid' },
  TOKEN_EXPIRED: { status: 400, message: 'Token has expired' },
  TOKEN_NOT_YET_VALID: { status: 400, message: 'Token is not valid yet' },
  TOKEN_WRONG_TYPE: { status: 400, message: 'Token is of another type' },
  TOKEN_WRONG_PURPOSE: { status: 400, message: 'Token is of another purpose' },
  TOKEN_WRONG_AUDIENCE: { status: 400, message: 'Token is meant for another audience' },
  TOKEN_WRONG_ISSUER: { status: 400, message: 'Token is from another issuer' },
  TOKEN_WRONG_SUBJECT: { status: 400, message: 'Token belongs to another subject' },
  TOKEN_REVOKED: { status: 400, message: 'Token has been revoked' },
  TOKEN_REJECTED: { status: 400, message: 'Token is no longer valid for this request' },
  TOKEN_ALREADY_USED: { status: 409, message: 'Token has already been used' },
  TOKEN_STATE_UNAVAILABLE: { status: 503, message: 'Token state is temporarily unavailable' },
  TOKEN_ARGUMENT_INVALID: { status: 400, message: 'Invalid token request' },
  // Database, stand-in: failures at run time, not a client's doing
  MIGRATION_FAILED: { status: 500, message: INTERNAL },
  MIGRATION_LOCK_TIMEOUT: { status: 503, message: 'Service unavailable' },
  STANDIN_LISTEN_FAILED: { status: 500, message: INTERNAL },
  // Configuration (FlowfullConfigError, at construction)
  CONFIG_INVALID: { status: 500, message: INTERNAL, config: true },
  DATABASE_URL_INVALID: { status: 500, message: INTERNAL, config: true },
  MIGRATION_NAME_INVALID: { status: 500, message: INTERNAL, config: true },
  STANDIN_REFUSED_IN_PRODUCTION: { status: 500, message: INTERNAL, config: true },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERRORS;
/** The codes of FlowfullConfigError: configuration, never a response. */
export type ConfigErrorCode = {
  [K in ErrorCode]: (typeof ERRORS)[K] extends { config: true } ? K : never;
}[ErrorCode];
/** The codes an AppError (an error a client may see) can carry. */
export type AppErrorCode = Exclude<ErrorCode, ConfigErrorCode>;

/** Status per code: a view of ERRORS, for callers that only need the number. */
export const ERROR_STATUS = Object.fromEntries(
  Object.entries(ERRORS).map(([code, entry]) => [code, entry.status]),
) as { readonly [K in ErrorCode]: (typeof ERRORS)[K]['status'] };

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** The protocol's failure envelope (section 4). */
export interface ErrorEnvelope {
  success: false;
  error: string;
  code: string;
  details?: unknown;
}

export interface AppErrorOptions {
  /** Sent to the client as `details`: never put a secret here. */
  details?: unknown;
  /** Seconds, sent as Retry-After (503/429). */
  retryAfter?: number;
  /** Internal cause, logged server-side, never sent to a client. */
  cause?: unknown;
}

/**
 * An error a client may see. It is Hono's `HTTPException`, so an application's own `onError` (or
 * Hono's default handler, which calls `getResponse()`) answers it with its status and the protocol's
 * envelope even where Flowfull's error handler is not installed.
 */
export class AppError extends HTTPException {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly retryAfter: number | undefined;

  /** `message` defaults to the catalogue's public message for `code`. */
  constructor(code: AppErrorCode, message?: string, options: AppErrorOptions = {}) {
    const entry: ErrorEntry = ERRORS[code];
    const status = entry.status;
    super(status, { message: message ?? entry?.message ?? INTERNAL, cause: options.cause });
    this.name = 'AppError';
    this.code = code as ErrorCode;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  /** What a client receives: message, code and details, never the cause. */
  toEnvelope(): ErrorEnvelope {
    const body: ErrorEnvelope = { success: false, error: this.message, code: this.code };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }

  /** For Hono's default error handler and any `onError` that calls it: the envelope, not plain text. */
  override getResponse(): Response {
    const headers = new Headers({ 'content-type': 'application/json' });
    if (this.retryAfter !== undefined) headers.set('retry-after', retryAfterHeader(this.retryAfter));
    return new Response(JSON.stringify(this.toEnvelope()), { status: this.status, headers });
  }
}

/** Whole seconds, at least 1. */
export function retryAfterHeader(seconds: number): string {
  return String(Math.max(1, Math.ceil(seconds)));
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/**
 * A mistake in options or configuration, found when something is constructed: never an HTTP error,
 * never at the first request. Names the option and what is expected.
 */
export class FlowfullConfigError extends TypeError {
  readonly code: ConfigErrorCode;

  constructor(message: string, options: { cause?: unknown; code?: ConfigErrorCode } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlowfullConfigError';
    this.code = options.code ?? 'CONFIG_INVALID';
  }
}
