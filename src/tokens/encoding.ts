/**
 * Strict decoding of the untrusted pieces of a token. One value must have exactly one accepted
 * encoding: otherwise two strings carry the same signature, and anything keyed on the string
 * (or parsed by a laxer library elsewhere) can be fooled.
 */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Canonical base64url only: no padding, no `+`/`/`, no whitespace, no non-zero trailing bits.
 * Buffer skips whatever it does not understand; re-encoding what it kept and comparing with the
 * input refuses all of those at once.
 */
export function decodeBase64url(input: string): Uint8Array | undefined {
  const bytes = Buffer.from(input, 'base64url');
  if (bytes.toString('base64url') !== input) return undefined;
  // A copy: small Buffers are views into a shared pool.
  return new Uint8Array(bytes);
}

export function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface StrictJsonOptions {
  /** Deepest nesting of objects and arrays accepted. */
  maxDepth: number;
}

/**
 * JSON.parse that refuses what JSON.parse silently accepts: duplicate keys (parsers disagree on
 * which one wins) and deep nesting. Returns undefined for anything that is not a JSON object.
 */
export function parseStrictJsonObject(text: string, options: StrictJsonOptions): JsonObject | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return hasDuplicateKeysOrDeepNesting(text, options.maxDepth) ? undefined : (value as JsonObject);
}

/**
 * Walks JSON text keeping the key set of every open object; keys are compared decoded (`"a"` and
 * `"\u0061"` are the same key). Meant for valid JSON; on invalid text it stops at the end and its
 * answer does not matter, as the parser that follows refuses that text anyway.
 */
export function hasDuplicateKeysOrDeepNesting(text: string, maxDepth: number): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  const end = text.length;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      let escaped = false;
      for (i++; i < end && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c) {
          escaped = true;
          i++;
        }
      }
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const key = escaped ? decodeKey(text.slice(start, i + 1)) : text.slice(start + 1, i);
        if (key === undefined || keys.has(key)) return true;
        keys.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b || c === 0x5b) {
      stack.push(c === 0x7b ? new Set() : null);
      if (stack.length > maxDepth) return true;
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = stack[stack.length - 1] != null;
    }
  }
  return false;
}

function decodeKey(literal: string): string | undefined {
  try {
    return JSON.parse(literal) as string;
  } catch {
    return undefined;
  }
}
