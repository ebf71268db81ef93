import { AppError, type AppErrorCode, type AppErrorOptions, ERRORS } from '../errors.js';

/**
 * Every way a trust token can be refused is a `TOKEN_*` code of the one catalogue (src/errors.ts);
 * docs/errors.md says when each happens. A client learns which check failed (expired, wrong type…)
 * but never anything about the keys or the token's content.
 */
export type TokenErrorCode = Extract<AppErrorCode, `TOKEN_${string}`>;

/** Status per token code: a view of the catalogue. */
export const TOKEN_ERROR_STATUS = Object.fromEntries(
  Object.entries(ERRORS)
    .filter(([code]) => code.startsWith('TOKEN_'))
    .map(([code, entry]) => [code, entry.status]),
) as { readonly [K in TokenErrorCode]: (typeof ERRORS)[K]['status'] };

export function tokenError(
  code: TokenErrorCode,
  message?: string,
  options: Omit<AppErrorOptions, 'status'> = {},
): AppError {
  return new AppError(code, message, options);
}
