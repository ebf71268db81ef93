import type { Context } from 'hono';
import { AppError } from '../errors.js';
import { requestHeader } from './headers.js';

/** `application/json` or a structured `+json` type (`application/merge-patch+json`), parameters ignored. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

function unsupportedMediaType(): AppError {
  return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
}

/**
 * Reads a JSON object body. A body declared as anything but JSON (a form, text/plain), or sent without
 * a Content-Type, is 415 UNSUPPORTED_MEDIA_TYPE: parsing it as JSON anyway is what lets a cross-site
 * form smuggle a JSON document. No body at all is `{}`. Malformed JSON is 400 INVALID_JSON; a
 * non-object (array, string, number) is 400 VALIDATION_FAILED: every route of ours takes an object.
 */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const contentType = requestHeader(c, 'content-type');
  if (contentType !== undefined && !isJsonMediaType(contentType)) throw unsupportedMediaType();
  const text = await c.req.text();
  if (text.trim() === '') return {};
  if (contentType === undefined) throw unsupportedMediaType();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', 'Malformed JSON body');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AppError('VALIDATION_FAILED', 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
