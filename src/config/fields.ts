import { z } from 'zod';

/**
 * Field builders for environment variables. Every value arrives as a string (or is absent);
 * these turn it into a typed value or a precise error. An empty string counts as absent so
 * that `FOO=` in a .env file means "use the default".
 */

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

function blankToUndefined(value: unknown): unknown {
  return typeof value === 'string' && value.trim() === '' ? undefined : value;
}

/** Boolean: true/false/1/0/yes/no (any case); anything else is an error. */
export function bool(defaultValue: boolean) {
  return optionalBool().transform((v) => v ?? defaultValue);
}

/** Boolean without a default: undefined means "not set, let something else decide". */
export function optionalBool() {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return undefined;
        const v = raw.trim().toLowerCase();
        if (TRUE.has(v)) return true;
        if (FALSE.has(v)) return false;
        ctx.addIssue({
          code: 'custom',
          message: 'is not a boolean; expected one of true, false, 1, 0, yes, no',
        });
        return z.NEVER;
      }),
  );
}

export interface IntOptions {
  min?: number;
  max?: number;
}

function parseInteger(raw: string, opts: IntOptions, ctx: z.RefinementCtx): number {
  const v = raw.trim();
  if (!/^-?\d+$/.test(v)) {
    ctx.addIssue({ code: 'custom', message: `"${raw}" is not a whole number; expected digits only` });
    return z.NEVER;
  }
  const n = Number(v);
  if (!Number.isSafeInteger(n)) {
    ctx.addIssue({ code: 'custom', message: 'is too large' });
    return z.NEVER;
  }
  if (opts.min !== undefined && n < opts.min) {
    ctx.addIssue({ code: 'custom', message: `must be at least ${opts.min}` });
    return z.NEVER;
  }
  if (opts.max !== undefined && n > opts.max) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${opts.max}` });
    return z.NEVER;
  }
  return n;
}

/** Whole number with a default; "abc", "1.5" and "" with no default are errors, never NaN. */
export function int(defaultValue: number, opts: IntOptions = {}) {
  return optionalInt(opts).transform((v) => v ?? defaultValue);
}

export function optionalInt(opts: IntOptions = {}) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((raw, ctx) => (raw === undefined ? undefined : parseInteger(raw, opts, ctx))),
  );
}

/** Optional free string (empty means unset). */
export function optionalString() {
  return z.preprocess(blankToUndefined, z.string().optional());
}

export function str(defaultValue: string) {
  return optionalString().transform((v) => v ?? defaultValue);
}

/** One of a fixed set, case-insensitive on input, canonical case on output. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, defaultValue: T[number]) {
  return optionalOneOf(values).transform((v) => v ?? defaultValue);
}

export function optionalOneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.preprocess(
    blankToUndefined,
    z
      .string()
      .optional()
      .transform((raw, ctx): T[number] | undefined => {
        if (raw === undefined) return undefined;
        const found = values.find((v) => v.toLowerCase() === raw.trim().toLowerCase());
        if (found) return found;
        ctx.addIssue({ code: 'custom', message: `is not one of ${values.join(', ')}` });
        return z.NEVER;
      }),
  );
}

/** Comma-separated list; blanks dropped. */
export function list(defaultValue: string[] = []) {
  return optionalString().transform((v) =>
    v === undefined
      ? defaultValue
      : v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
  );
}

/**
 * The one check of an http(s) base URL, used by the schema and by every factory that takes a URL:
 * undefined when `raw` is one, else what is wrong with it (no value echoed: a URL may carry credentials).
 */
export function httpUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL; expected http(s)://host[:port][/path]';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http:// or https://';
  return undefined;
}

/** A base URL as stored: without trailing slashes. */
export function withoutTrailingSlash(raw: string): string {
  return raw.replace(/\/+$/, '');
}

/** An http(s) URL without trailing slash. */
export function optionalHttpUrl() {
  return optionalString().transform((raw, ctx) => {
    if (raw === undefined) return undefined;
    const problem = httpUrlProblem(raw);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return withoutTrailingSlash(raw);
  });
}
