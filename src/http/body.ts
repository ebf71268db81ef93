import type { Context } from 'hono';
import { AppError } from '../errors.js';

/**
 * Reads a JSON object body. Malformed JSON is 400 INVALID_JSON; a non-object (array, string,
 * number) is 400 VALIDATION_FAILED: every route of ours takes an object.
 */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
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
